"""The production password hashing: Argon2id at OWASP's recommended cost (the rest of the suite
runs with a cheaper cost, see conftest)."""

from app.core.security import make_hasher


def test_production_hasher_is_argon2id_with_19_mib_and_2_passes():
    hasher = make_hasher()
    encoded = hasher.hash("correct horse battery staple")
    assert encoded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert hasher.verify("correct horse battery staple", encoded)
    assert not hasher.verify("wrong password", encoded)
