"""The outbox reads a firm's endpoints once per transaction: a batch of 200 creations announces
200 changes, and each used to read them again."""

from sqlalchemy import event

from tests.support.builders import establishment_payload, firm_headers, make_client
from tests.webhooks.receiver import receiving


def test_a_batch_of_200_establishments_reads_the_endpoints_once(client, engine):
    _, h = firm_headers(client)
    with receiving() as receiver:
        body = {"url": receiver.url, "event_types": ["firm.establishment_limit_near"]}
        assert client.post("/v1/webhook-endpoints", headers=h, json=body).status_code == 201
    company = make_client(client, h)
    reads: list[str] = []

    def spy(conn, cursor, statement, params, context, executemany):
        if "FROM webhook_endpoint" in statement:
            reads.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", spy)
    try:
        items = [establishment_payload(company, n) for n in range(1, 201)]
        response = client.post("/v1/establishments/batch", headers=h, json={"items": items})
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", spy)
    assert response.status_code == 200, response.text
    assert len(reads) == 1
