"""SQL statements and database round trips per request, in process.

Builds the service with `app.main.create_app()` (settings from the environment) and drives it
with FastAPI's TestClient, its database connections going through an in-process
`latency_proxy` (no delay) that reads the PostgreSQL protocol. For each request it reports:

* `sqlalchemy`: statements seen by a SQLAlchemy `before_cursor_execute` listener (on every
  Engine, async engines included: they run on a sync Engine); an executemany counts once, with
  its parameter sets in `parameter_sets`. Statements run on a raw DBAPI cursor do not show here.
* `wire`: what reached PostgreSQL: statements (simple queries + Execute messages), messages
  by type, and `round_trips`, the times the app sent something after the server had answered
  (each one a wait of one network round trip in a deployment).

Run by bench/deployed.py from the service's source directory (PYTHONPATH = that directory, so
that `app` is the code under test), with a JSON job on stdin:

    {"database_url": "postgresql+psycopg://postgres@127.0.0.1:5432/bench_x",
     "email": "...", "password": "...",
     "gets": {"label": "/v1/claims?limit=50", ...},
     "claim": {"request_id": "...", "month": "2021-03", "lines": [...], "repetitions": 2,
               "payroll_paid_on": "2021-03-31", "filed_on": "2021-04-06"}}

and prints one JSON object. Each GET is sent once to warm up, then once counted; each claim
repetition creates the claim, files it (both counted), then rejects it so that the month can be
claimed again (not counted).
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from latency_proxy import ProxyThread


class StatementCounter:
    def __init__(self) -> None:
        self.statements = 0
        self.parameter_sets = 0
        self.kinds: Counter[str] = Counter()

    def __call__(
        self,
        _conn: Any,
        _cursor: Any,
        statement: str,
        parameters: Any,
        _context: Any,
        executemany: bool,
    ) -> None:
        self.statements += 1
        # an executemany runs once per set; a multi-row INSERT batch ("insertmanyvalues") is
        # flagged executemany but carries one flat set: it runs once
        many = executemany and isinstance(parameters, (list, tuple)) and len(parameters) > 0
        sets = many and isinstance(parameters[0], (dict, list, tuple))
        self.parameter_sets += len(parameters) if sets else 1
        self.kinds[statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"] += 1

    def reset(self) -> None:
        self.statements, self.parameter_sets = 0, 0
        self.kinds.clear()

    def read(self) -> dict[str, Any]:
        return {
            "statements": self.statements,
            "parameter_sets": self.parameter_sets,
            "kinds": dict(self.kinds),
        }


def via_proxy(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    userinfo = netloc[0] + "@" if len(netloc) == 2 else ""
    return urlunsplit(parts._replace(netloc=f"{userinfo}127.0.0.1:{port}"))


def wire_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    messages = {k: after["pg"].get(k, 0) - before["pg"].get(k, 0) for k in after["pg"]}
    return {
        "statements": after["pg_statements"] - before["pg_statements"],
        "round_trips": after["client_turns"] - before["client_turns"],
        "new_connections": after["connections"] - before["connections"],
        "messages": {k: v for k, v in messages.items() if v},
    }


def main() -> int:
    job = json.load(sys.stdin)
    target = urlsplit(job["database_url"])
    with ProxyThread(
        target.hostname or "127.0.0.1", target.port or 5432, delay_ms=0, pg_count=True
    ) as proxy:
        os.environ["DATABASE_URL"] = via_proxy(job["database_url"], proxy.port)
        from fastapi.testclient import TestClient
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        from app.main import create_app

        counter = StatementCounter()
        event.listen(Engine, "before_cursor_execute", counter)
        out: dict[str, Any] = {"gets": {}, "claims": []}

        def measured(call: Any) -> tuple[Any, dict[str, Any]]:
            counter.reset()
            before = proxy.stats()
            response = call()
            after = proxy.stats()
            return response, {"sqlalchemy": counter.read(), "wire": wire_delta(before, after)}

        with TestClient(create_app()) as client:
            login = {"username": job["email"], "password": job["password"]}
            response = client.post("/v1/auth/token", data=login)
            response.raise_for_status()
            client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
            for label, path in job.get("gets", {}).items():
                client.get(path).raise_for_status()  # warm: connections, caches
                response, counts = measured(lambda path=path: client.get(path))
                out["gets"][label] = {"path": path, "status": response.status_code, **counts}

            claim = job.get("claim")
            for _ in range((claim or {}).get("repetitions", 0)):
                assert claim is not None
                body = {
                    "month": claim["month"],
                    "payroll_paid_on": claim["payroll_paid_on"],
                    "lines": claim["lines"],
                }
                path = f"/v1/authorization-requests/{claim['request_id']}/claims"
                created, create_counts = measured(
                    lambda path=path, body=body: client.post(path, json=body)
                )
                if created.status_code != 201:
                    raise RuntimeError(f"claim create: {created.status_code} {created.text[:1000]}")
                claim_id = created.json()["id"]
                filed, file_counts = measured(
                    lambda claim_id=claim_id: client.post(
                        f"/v1/claims/{claim_id}/file", json={"filed_on": claim["filed_on"]}
                    )
                )
                if filed.status_code != 200:
                    raise RuntimeError(f"claim file: {filed.status_code} {filed.text[:1000]}")
                rejected = client.post(
                    f"/v1/claims/{claim_id}/reject",
                    json={"reason": "bench", "on": claim["filed_on"]},
                )
                rejected.raise_for_status()
                out["claims"].append(
                    {"lines": len(body["lines"]), "create": create_counts, "file": file_counts}
                )
        out["proxy"] = proxy.stats()
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
