"""CPU cost of one request inside the process: no HTTP server, no client, no other noise.

Drives the ASGI apps directly on a uvloop event loop and prints the CPU microseconds per request
of the bare app (bench/bare_app.py) and of the service's GET by id and list routes, against a
scratch SQLite database seeded through the API. With --profile, also runs cProfile over the
GET-by-id loop and prints the top functions (the .prof file goes to bench/out/).

    .venv/bin/python bench/profile_get.py
    .venv/bin/python bench/profile_get.py --requests 2000 --profile

Useful to check an app change quickly: run it before and after. The absolute numbers depend on
the machine; compare them on one machine, ideally while nothing else runs.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import os
import pstats
import secrets
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvloop

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
# bench/ first (bare_app, run); the repository last, so an installed or PYTHONPATH app wins.
sys.path[:0] = [str(BENCH)]
sys.path.append(str(ROOT))

from run import ESTABLISHMENTS, FIRM_SIRET, PASSWORD, SIREN, luhn_complete  # noqa: E402

Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def seed(app: Any) -> tuple[str, list[str]]:
    from fastapi.testclient import TestClient

    with TestClient(app) as http:
        owner = {"email": "owner@bench.example.fr", "full_name": "Owner", "password": PASSWORD}
        body = {"name": "Bench", "siret": FIRM_SIRET, "email": "a@bench.example.fr", "owner": owner}
        http.post("/v1/firms", json=body).raise_for_status()
        r = http.post("/v1/auth/token", data={"username": owner["email"], "password": PASSWORD})
        token = r.raise_for_status().json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        r = http.post("/v1/clients", json={"siren": SIREN, "legal_name": "SA", "headcount": 1})
        client_id = r.raise_for_status().json()["id"]
        ids = []
        for n in range(1, ESTABLISHMENTS + 1):
            est = {
                "client_id": client_id,
                "siret": luhn_complete(f"{SIREN}{n:04d}"),
                "name": f"Établissement {n}",
                "address": f"{n} rue de la République",
                "postal_code": "69002",
                "city": "Lyon",
            }
            ids.append(http.post("/v1/establishments", json=est).raise_for_status().json()["id"])
    return token, ids


async def request(app: Asgi, path: str, headers: list[tuple[bytes, bytes]]) -> int:
    route, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
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
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def measure(
    app: Asgi,
    paths: list[str],
    headers: list[tuple[bytes, bytes]],
    n: int,
    profiler: cProfile.Profile | None = None,
) -> float:
    for i in range(min(n, 300)):  # warm-up: caches, pools, lazy imports
        assert await request(app, paths[i % len(paths)], headers) == 200
    started = time.process_time()
    if profiler:
        profiler.enable()
    for i in range(n):
        await request(app, paths[i % len(paths)], headers)
    if profiler:
        profiler.disable()
    return (time.process_time() - started) / n * 1e6


async def main_async(args: argparse.Namespace, token: str, ids: list[str], app: Any) -> None:
    from bare_app import app as bare

    auth = [(b"authorization", f"Bearer {token}".encode())]
    by_id = [f"/v1/establishments/{i}" for i in ids[:50]]
    lst = ["/v1/establishments?limit=50"]
    results = {}
    for _ in range(args.repeat):  # interleaved; the minimum is the least disturbed
        for name, target, paths, headers, n in (
            ("bare app GET /establishment", bare, ["/establishment"], [], args.requests),
            ("GET /v1/establishments/{id}", app, by_id, auth, args.requests),
            ("GET /v1/establishments?limit=50", app, lst, auth, max(args.requests // 4, 1)),
        ):
            cost = await measure(target, paths, headers, n)
            results[name] = min(results.get(name, cost), cost)
    bare_cost = results["bare app GET /establishment"]
    print(f"CPU µs per request, in process (minimum of {args.repeat} interleaved runs):")
    for name, cost in results.items():
        print(f"  {cost:8.1f} µs  {cost / bare_cost:5.1f} x bare  {name}")
    if args.profile:
        profiler = cProfile.Profile()
        await measure(app, by_id, auth, args.requests, profiler)
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / "profile-get-by-id.prof"
        profiler.dump_stats(path)
        print(f"\ncProfile of GET by id ({args.requests} requests), written to {path}:")
        stats = pstats.Stats(profiler)
        stats.sort_stats(args.sort).print_stats(args.top)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--requests", type=int, default=3000, help="requests per measured loop")
    p.add_argument("--repeat", type=int, default=3, help="interleaved repetitions")
    p.add_argument("--profile", action="store_true", help="cProfile the GET-by-id loop")
    p.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative)")
    p.add_argument("--top", type=int, default=30, help="functions to print")
    args = p.parse_args()

    with tempfile.TemporaryDirectory(prefix="apart-profile-") as tmp:
        os.environ.update(
            DATABASE_URL=f"sqlite:///{tmp}/bench.db",
            JWT_SECRET=secrets.token_urlsafe(48),
            NIR_ENCRYPTION_KEYS="bench:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            ENVIRONMENT="production",
            DATA_DIR=tmp,
            ACCESS_TOKEN_TTL_SECONDS=str(7 * 24 * 3600),
        )
        from app.cli import migrate
        from app.main import create_app

        migrate()
        app = create_app()
        token, ids = seed(app)
        uvloop.run(main_async(args, token, ids, app))


if __name__ == "__main__":
    main()
