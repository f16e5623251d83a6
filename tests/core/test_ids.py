from app.core.ids import uuid7


def test_uuid7_ids_increase_even_within_one_millisecond():
    ids = [uuid7() for _ in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(i.version == 7 for i in ids)
