"""CPU per request of the loaded firm's requests, in process: no HTTP server, no wall clock.

Seeds the loaded firm of bench/seed.py (200 establishments, 12 claims of 20 lines each) through
the app itself (httpx's ASGI transport) into a database kept in a state folder, then drives the
ASGI app directly on a uvloop event loop and prints, per case:

* `cpu µs`: process CPU time per request (every thread: work handed to worker threads counts);
* `loop µs`: CPU time of the event loop's thread per request;
* `calls`: Python function calls per request (a cProfile pass of its own);
* `stmts`: SQL statements per request (SQLAlchemy's `before_cursor_execute`);
* `turn med / max µs` (with --turns): the event loop thread's CPU between two turns of a
  coroutine that does nothing but yield, while the case runs; for each request its longest
  such turn, then their median and maximum: how long another request of the same worker can
  wait behind one slice of this one's (scenario d of bench/deployed.py).

Cases: `get` (GET /v1/establishments/{id}), `deadlines` (firm-wide GET /v1/deadlines),
`claims` (GET /v1/claims?limit=50), `post300` (POST of a claim of 300 lines, each deleted
afterwards, unmeasured).

    .venv/bin/python bench/profile_cpu.py                      # SQLite, every case
    .venv/bin/python bench/profile_cpu.py --database-url postgresql+psycopg://u@127.0.0.1/db
    .venv/bin/python bench/profile_cpu.py --cases post300 --profile post300

The state folder (bench/out/cpu-<database>/) keeps the seeded database and its secrets: later
runs reuse it (--reseed starts again). On PostgreSQL the database named in the URL is dropped
and created when seeding. Figures depend on the machine: compare runs of one machine.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import cProfile
import gc
import json
import os
import pstats
import secrets
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import uvloop

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
sys.path[:0] = [str(BENCH)]
sys.path.append(str(ROOT))

Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
CASES = ("get", "deadlines", "claims", "post300")
DEFAULT_REQUESTS = {"get": 2000, "deadlines": 60, "claims": 300, "post300": 20}


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """The state (secrets, token, ids), seeding the database first when needed."""
    name = "sqlite" if args.database_url is None else "postgres"
    state_dir = Path(args.state or OUT / f"cpu-{name}")
    state_dir.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{state_dir}/app.db"
    state_file = state_dir / "firm.json"
    state: dict[str, Any] = {}
    if state_file.exists() and not args.reseed:
        state = json.loads(state_file.read_text())
        if state.get("database_url") != url:
            state = {}
    if not state:
        state = {
            "database_url": url,
            "jwt_secret": secrets.token_urlsafe(48),
            "nir_keys": "bench:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        }
    os.environ.update(
        DATABASE_URL=url,
        JWT_SECRET=state["jwt_secret"],
        NIR_ENCRYPTION_KEYS=state["nir_keys"],
        ENVIRONMENT="production",
        DATA_DIR=str(state_dir),
        ACCESS_TOKEN_TTL_SECONDS=str(7 * 24 * 3600),
    )
    if "token" not in state:
        fresh_database(url, state_dir)
        from app.cli import migrate

        migrate()
        state.update(asyncio.run(seed(args.establishments)))
        state_file.write_text(json.dumps(state))
    return state


def fresh_database(url: str, state_dir: Path) -> None:
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            (state_dir / f"app.db{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    parts = urlsplit(url)
    db = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
        conn.execute(f'CREATE DATABASE "{db}"')


async def seed(establishments: int) -> dict[str, Any]:
    import httpx
    from seed import seed_firm

    from app.main import create_app

    app = create_app()
    firm = await seed_firm(
        "http://seed.invalid",
        establishments=establishments,
        transport=httpx.ASGITransport(app=app),
    )
    return {
        "token": firm.token,
        "establishment_ids": firm.establishment_ids,
        "big_request_id": firm.big_request_id,
        "open_month": firm.open_month,
    }


async def request(
    app: Asgi, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b""
) -> tuple[int, bytes]:
    route, _, query = path.partition("?")
    if body:
        headers = [*headers, (b"content-type", b"application/json")]
        headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    status, chunks, sent = 0, [], False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # a disconnect never comes: the answer is awaited
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


class Case:
    """One kind of request, sent `n` times; `after` undoes what a request made (unmeasured)."""

    def __init__(self, app: Asgi, state: dict[str, Any], name: str) -> None:
        self.app, self.name, self.i = app, name, 0
        self.auth = [(b"authorization", f"Bearer {state['token']}".encode())]
        ids = state["establishment_ids"]
        self.ids = ids
        self.body = b""
        if name == "post300":
            from seed import claim_lines

            lines = claim_lines("BIG", 300, 12, 7)
            claim = {"month": state["open_month"], "payroll_paid_on": "2021-03-31", "lines": lines}
            self.body = json.dumps(claim).encode()
            self.path = f"/v1/authorization-requests/{state['big_request_id']}/claims"

    async def one(self) -> None:
        self.i += 1
        if self.name == "get":
            path = f"/v1/establishments/{self.ids[self.i % len(self.ids)]}"
            status, _ = await request(self.app, "GET", path, self.auth)
            assert status == 200, status
        elif self.name == "deadlines":
            status, _ = await request(self.app, "GET", "/v1/deadlines", self.auth)
            assert status == 200, status
        elif self.name == "claims":
            status, _ = await request(self.app, "GET", "/v1/claims?limit=50", self.auth)
            assert status == 200, status
        else:
            status, answer = await request(self.app, "POST", self.path, self.auth, self.body)
            assert status == 201, (status, answer[:500])
            self.created = json.loads(answer)["id"]

    async def after(self) -> None:
        if self.name == "post300":
            status, answer = await request(
                self.app, "DELETE", f"/v1/claims/{self.created}", self.auth
            )
            assert status == 204, (status, answer[:500])


async def run_case(
    case: Case, n: int, profiler: cProfile.Profile | None = None
) -> dict[str, float]:
    cpu = loop = 0.0
    for _ in range(n):
        c0, t0 = time.process_time(), time.thread_time()
        if profiler:
            profiler.enable()
        await case.one()
        if profiler:
            profiler.disable()
        cpu += time.process_time() - c0
        loop += time.thread_time() - t0
        await case.after()
    return {"cpu": cpu / n * 1e6, "loop": loop / n * 1e6}


async def turns(case: Case, n: int) -> list[float]:
    """The event loop thread's CPU between two turns of a coroutine that only yields, while
    `case` runs `n` times: per request, its longest turn."""
    gaps: list[float] = []
    done = False

    async def ticker() -> None:
        last = time.thread_time()
        while not done:
            await asyncio.sleep(0)
            now = time.thread_time()
            gaps.append(now - last)
            last = now

    task = asyncio.ensure_future(ticker())
    longest = []
    for _ in range(n):
        first = len(gaps)
        await case.one()
        longest.append(max(gaps[first:], default=0.0))
        await case.after()
    done = True
    await task
    return longest


async def main_async(args: argparse.Namespace, state: dict[str, Any]) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from app.main import create_app

    try:
        from app.main import settle_memory
    except ImportError:  # code from before it
        settle_memory = None  # type: ignore[assignment]

    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(Engine, "before_cursor_execute", count)
    app = create_app()
    if settle_memory is not None:
        settle_memory()  # as the app's lifespan does once started
    else:
        gc.collect()
        gc.freeze()
    cases = [Case(app, state, name) for name in args.cases]
    for case in cases:  # warm-up: caches, pools, lazy imports
        for _ in range(3 if case.name in ("deadlines", "post300") else 30):
            await case.one()
            await case.after()
    results: dict[str, dict[str, float]] = {}
    for _ in range(args.repeat):  # interleaved; the minimum is the least disturbed
        for case in cases:
            n = args.requests or DEFAULT_REQUESTS[case.name]
            r = await run_case(case, n)
            best = results.setdefault(case.name, r)
            for k, v in r.items():
                best[k] = min(best[k], v)
    for case in cases:
        n = max((args.requests or DEFAULT_REQUESTS[case.name]) // 4, 3)
        statements = 0
        profiler = cProfile.Profile()
        await run_case(case, n, profiler)
        stats = pstats.Stats(profiler)
        results[case.name]["calls"] = stats.total_calls / n  # type: ignore[attr-defined]
        results[case.name]["stmts"] = statements / n  # the after() steps' too, for post300
        if args.turns:
            longest = await turns(case, max(n, 20))
            results[case.name]["turn_median"] = statistics.median(longest) * 1e6
            results[case.name]["turn_max"] = max(longest) * 1e6
    db = "sqlite" if args.database_url is None else "postgres"
    print(f"CPU per request, in process, {db} (minimum of {args.repeat} interleaved runs):")
    header = f"{'case':<10} {'cpu µs':>9} {'loop µs':>9} {'calls':>8} {'stmts':>6}"
    if args.turns:
        header += f" {'turn med':>9} {'turn max':>9}"
    print(header)
    for name, r in results.items():
        line = f"{name:<10} {r['cpu']:9.0f} {r['loop']:9.0f} {r['calls']:8.0f} {r['stmts']:6.1f}"
        if args.turns:
            line += f" {r['turn_median']:9.0f} {r['turn_max']:9.0f}"
        print(line)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    if args.profile:
        case = next(c for c in cases if c.name == args.profile)
        # timed by the event loop thread's CPU clock: waits for the database are left out
        profiler = cProfile.Profile(time.thread_time)
        n = args.requests or DEFAULT_REQUESTS[case.name]
        await run_case(case, n, profiler)
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"profile-{case.name}-{db}.prof"
        profiler.dump_stats(path)
        print(f"\ncProfile of {case.name} ({n} requests), written to {path}:")
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--database-url", help="PostgreSQL URL (dropped and made when seeding)")
    p.add_argument("--state", help="state folder (default bench/out/cpu-<database>)")
    p.add_argument("--reseed", action="store_true", help="seed a fresh database")
    p.add_argument("--establishments", type=int, default=200)
    p.add_argument("--cases", type=lambda s: s.split(","), default=list(CASES))
    p.add_argument("--requests", type=int, help="requests per measured loop (default per case)")
    p.add_argument("--repeat", type=int, default=3, help="interleaved repetitions")
    p.add_argument("--turns", action="store_true", help="measure the event loop's turns")
    p.add_argument("--profile", choices=CASES, help="cProfile this case")
    p.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative)")
    p.add_argument("--top", type=int, default=40, help="functions to print")
    p.add_argument("--json", help="also write the figures to this file")
    args = p.parse_args()
    bad = set(args.cases) - set(CASES)
    if bad:
        p.error(f"unknown cases: {', '.join(sorted(bad))}")
    state = prepare(args)
    uvloop.run(main_async(args, state))


if __name__ == "__main__":
    main()
