"""Read-path throughput of the service against a bare FastAPI app, measured with wrk.

For each database (a SQLite file in a temporary directory, then a scratch PostgreSQL database):
migrate, start the service with uvicorn, seed one firm, one client and 200 establishments through
the HTTP API, start the bare app (bench/bare_app.py) with the same uvicorn settings, then load
both in interleaved rounds and report requests/s, latency and the ratio to the bare app.

    .venv/bin/python bench/run.py                      # both databases, 5 rounds of 10 s
    .venv/bin/python bench/run.py --db sqlite --rounds 3 --duration 5

Needs wrk (`apt-get update && apt-get install -y wrk`). Every server it starts is stopped at the
end, on error too; the PostgreSQL scratch database is dropped. Results go to bench/out/.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import importlib.metadata
import io
import json
import os
import platform
import resource
import secrets
import shlex
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"

SIREN = "732829320"
FIRM_SIRET = "73282932000074"
PASSWORD = "bench-password-123456"
ESTABLISHMENTS = 200
DASH = "\u2013"  # en dash, between min and max
# Authenticated GET by id must reach this share of the bare app's throughput.
TARGETS = {"sqlite": 0.40, "postgres": 0.25}
LIBRARIES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "pydantic",
    "pydantic-core",
    "sqlalchemy",
    "sqlmodel",
    "psycopg",
    "psycopg-binary",
    "python-jose",
    "cryptography",
    "httpx",
)


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str


BY_ID = Endpoint("by_id", "GET /v1/establishments/{id}")
LIST = Endpoint("list", "GET /v1/establishments?limit=50")
BARE = Endpoint("bare", "bare app GET /establishment")
ENDPOINTS = (BY_ID, LIST, BARE)


@dataclass
class Sample:
    endpoint: str
    round: int
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: dict[str, int]
    # CPUs' worth of time used by processes other than this benchmark's during the run
    other_cpus: float
    # CPU time (user + system) of the measured server's processes per request
    server_cpu_us: float


@dataclass
class DbResult:
    db: str
    samples: list[Sample] = field(default_factory=list)
    body_bytes: dict[str, int] = field(default_factory=dict)
    server_version: str = ""
    code: str = ""


# --- helpers ---------------------------------------------------------------------------------


def luhn_complete(prefix: str) -> str:
    """Append the digit that makes `prefix` pass the Luhn check (SIREN and SIRET use it)."""
    for d in "0123456789":
        digits = [int(c) for c in prefix + d][::-1]
        total = sum(
            x if i % 2 == 0 else (x * 2 - 9 if x > 4 else x * 2) for i, x in enumerate(digits)
        )
        if total % 10 == 0:
            return prefix + d
    raise AssertionError("unreachable")


def code_state(args: argparse.Namespace) -> str:
    """Which code the service runs: a commit (and its uncommitted app changes) or a directory."""
    git = ["git", "-C", str(ROOT)]
    if args.ref:
        return f"`{args.ref}` = commit {args.ref_sha[:10]}, exported with git archive"
    if args.app_root != ROOT:
        return f"directory {args.app_root}"
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "app", "migrations"], capture_output=True, text=True
    )
    changed = sorted({line[3:] for line in dirty.stdout.splitlines()})
    state = f"commit {commit.stdout.strip() or '?'}"
    return state + (f" with uncommitted changes to {', '.join(changed)}" if changed else "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _raise_exit(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


class Server:
    """A uvicorn process group of our own; stop() ends it (SIGTERM, then SIGKILL)."""

    def __init__(
        self, name: str, cmd: list[str], env: dict[str, str], log_path: Path, cwd: Path = ROOT
    ) -> None:
        self.name, self.cmd, self.env, self.log_path, self.cwd = name, cmd, env, log_path, cwd
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, ready_url: str, timeout: float = 30.0) -> None:
        log(f"starting {self.name}: {shlex.join(self.cmd)}")
        with self.log_path.open("ab") as out:
            self.proc = subprocess.Popen(
                self.cmd,
                cwd=self.cwd,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the workers stop with it
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(ready_url, timeout=1.0).status_code == 200:
                    time.sleep(1.0)  # let the other workers finish booting
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s:\n{self.tail()}")

    @property
    def pgid(self) -> int:
        assert self.proc is not None
        return self.proc.pid  # start_new_session: the group is named after its leader

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        pgid = proc.pid
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                log(f"{self.name} still running 15 s after SIGTERM; killing its group {pgid}")
        # Workers left behind by a killed or crashed supervisor share its process group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        log(f"stopped {self.name}")


def export_ref(ref: str, dest: Path) -> str:
    """Extract the tree of a commit, to benchmark it whatever the working tree holds; returns
    the commit's id (resolved once: a branch may move while the benchmark runs)."""
    git = ["git", "-C", str(ROOT)]
    sha = subprocess.run(
        [*git, "rev-parse", "--verify", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    archive = subprocess.run(
        [*git, "archive", "--format=tar", sha],
        capture_output=True,
        check=True,
        timeout=120,
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return sha


def uvicorn_cmd(args: argparse.Namespace, app: str, port: int, *extra: str) -> list[str]:
    return [
        args.python,
        "-m",
        "uvicorn",
        app,
        *extra,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--no-access-log",
        "--log-level",
        "warning",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
    ]


# --- PostgreSQL scratch database ------------------------------------------------------------


def _psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextlib.contextmanager
def postgres_database(admin_url: str, name: str) -> Iterator[tuple[str, str]]:
    """Create `name` (dropping a leftover of an earlier run), yield its URL, drop it at the end."""
    import psycopg  # the service's own driver, installed in its venv
    from psycopg import sql

    def admin(statement: sql.Composable) -> None:
        with psycopg.connect(_psycopg_url(admin_url), autocommit=True) as conn:
            conn.execute(statement)

    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    admin(drop)
    admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    log(f"created PostgreSQL database {name}")
    base, _, _ = admin_url.rpartition("/")
    url = f"{base}/{name}"
    try:
        with psycopg.connect(_psycopg_url(url)) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        yield url, f"PostgreSQL {row[0] if row else '?'}"
    finally:
        admin(drop)
        log(f"dropped PostgreSQL database {name}")


# --- seeding ---------------------------------------------------------------------------------


def seed(base_url: str) -> tuple[str, list[str]]:
    """One firm, its owner's token, one client and its establishments, all through the API."""
    with httpx.Client(base_url=base_url, timeout=30.0) as http:
        r = http.post(
            "/v1/firms",
            json={
                "name": "Cabinet Bench",
                "siret": FIRM_SIRET,
                "email": "apart@bench.example.fr",
                "owner": {
                    "email": "owner@bench.example.fr",
                    "full_name": "Bench Owner",
                    "password": PASSWORD,
                },
            },
        )
        r.raise_for_status()
        r = http.post(
            "/v1/auth/token", data={"username": "owner@bench.example.fr", "password": PASSWORD}
        )
        r.raise_for_status()
        token = r.json()["access_token"]
        http.headers["Authorization"] = f"Bearer {token}"
        r = http.post(
            "/v1/clients", json={"siren": SIREN, "legal_name": "Bench SA", "headcount": 250}
        )
        r.raise_for_status()
        client_id = r.json()["id"]
        ids = []
        for n in range(1, ESTABLISHMENTS + 1):
            r = http.post(
                "/v1/establishments",
                json={
                    "client_id": client_id,
                    "siret": luhn_complete(f"{SIREN}{n:04d}"),
                    "name": f"Établissement {n}",
                    "address": f"{n} rue de la République",
                    "postal_code": "69002",
                    "city": "Lyon",
                },
            )
            r.raise_for_status()
            ids.append(r.json()["id"])
    return token, ids


def check_responses(service_url: str, bare_url: str, token: str, ids: list[str]) -> dict[str, int]:
    """Each measured URL answers 200 with the expected body; returns the body sizes."""
    headers = {"Authorization": f"Bearer {token}"}
    by_id = httpx.get(f"{service_url}/v1/establishments/{ids[0]}", headers=headers)
    by_id.raise_for_status()
    assert by_id.json()["id"] == ids[0], by_id.text
    page = httpx.get(f"{service_url}/v1/establishments?limit=50", headers=headers)
    page.raise_for_status()
    assert len(page.json()["items"]) == 50, page.text
    bare = httpx.get(f"{bare_url}/establishment")
    bare.raise_for_status()
    assert len(bare.json()) == len(by_id.json()) == 12
    return {BY_ID.key: len(by_id.content), LIST.key: len(page.content), BARE.key: len(bare.content)}


# --- CPU accounting --------------------------------------------------------------------------
# The machine may be shared: the CPU time that other processes use during a run is measured
# (whole machine from /proc/stat, minus this benchmark's servers, wrk and PostgreSQL's own
# processes, which serve the benchmark) and reported.

HZ = os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / HZ  # user..steal; guest time is already in user


POSTGRES = -1  # key of PostgreSQL's processes in group_cpu_seconds()


def group_cpu_seconds(pgids: set[int]) -> dict[int, float]:
    """User + system time of the live processes of each of these process groups, and of the
    PostgreSQL server's processes (under the key POSTGRES)."""
    totals = dict.fromkeys([*pgids, POSTGRES], 0)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            comm, rest = stat.read_text().rsplit(")", 1)
        except (OSError, ValueError):
            continue  # the process has gone
        fields = rest.split()
        pgrp = int(fields[2])
        key = pgrp if pgrp in totals else POSTGRES if comm.endswith("(postgres") else None
        if key is not None:
            totals[key] += int(fields[11]) + int(fields[12])  # utime + stime
    return {key: ticks / HZ for key, ticks in totals.items()}


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """CPU use over an interval: of other processes (in CPUs: 1.0 = one CPU kept busy), and of
    each of our server process groups and PostgreSQL (in CPU seconds)."""

    def __init__(self, pgids: set[int]) -> None:
        self.pgids = pgids
        self.other_cpus = 0.0
        self.server_seconds: dict[int, float] = {}

    def __enter__(self) -> CpuMeter:
        self._wall = time.monotonic()
        self._busy = machine_busy_seconds()
        self._groups = group_cpu_seconds(self.pgids)
        self._children = children_cpu_seconds()  # wrk, once it has been waited for
        return self

    def __exit__(self, *_exc: object) -> None:
        elapsed = time.monotonic() - self._wall
        groups = group_cpu_seconds(self.pgids)
        self.server_seconds = {g: groups[g] - self._groups.get(g, 0.0) for g in groups}
        ours = sum(self.server_seconds.values()) + children_cpu_seconds() - self._children
        other = machine_busy_seconds() - self._busy - ours
        self.other_cpus = max(0.0, other / elapsed) if elapsed > 0 else 0.0


def wait_for_quiet(pgids: set[int], limit: float, max_wait: float) -> float:
    """Wait (at most max_wait s) until other processes use ≤ limit CPUs over one second."""
    deadline = time.monotonic() + max_wait
    while True:
        with CpuMeter(pgids) as meter:
            time.sleep(1.0)
        if meter.other_cpus <= limit or time.monotonic() >= deadline:
            return meter.other_cpus
        log(f"other processes use {meter.other_cpus:.2f} CPUs; waiting for a quieter machine")


# --- wrk -------------------------------------------------------------------------------------

LUA = """\
local token = %(token)s
local paths = {%(paths)s}
local n = 0
if token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end

request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, ' ..
    '"write": %%d, "status": %%d, "timeout": %%d, "p50_us": %%.1f, "p90_us": %%.1f, ' ..
    '"p99_us": %%.1f, "max_us": %%.1f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def lua_quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_lua(path: Path, paths: list[str], token: str = "") -> Path:
    text = LUA % {"token": lua_quote(token), "paths": ", ".join(lua_quote(p) for p in paths)}
    path.write_text(text)
    return path


def wrk(args: argparse.Namespace, url: str, script: Path, seconds: int) -> dict[str, Any]:
    cmd = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        url,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            result: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
            return result
    raise RuntimeError(f"no summary in wrk output:\n{proc.stdout}")


# --- one database ----------------------------------------------------------------------------


def bench_database(
    args: argparse.Namespace, db: str, work: Path, stack: contextlib.ExitStack
) -> DbResult:
    result = DbResult(db)
    if db == "sqlite":
        database_url = f"sqlite:///{work / 'bench.db'}"
        result.server_version = f"SQLite {sqlite3.sqlite_version}"
    else:
        database_url, result.server_version = stack.enter_context(
            postgres_database(args.pg_url, args.pg_db)
        )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "JWT_SECRET": secrets.token_urlsafe(48),
        "NIR_ENCRYPTION_KEYS": "bench:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "ENVIRONMENT": "production",
        "DATA_DIR": str(work / "data"),
        "ACCESS_TOKEN_TTL_SECONDS": str(7 * 24 * 3600),
    }
    log(f"[{db}] migrating")
    migrate = subprocess.run(
        [args.python, "-m", "app.cli", "migrate"],
        cwd=args.app_root,
        env=env,
        timeout=120,
        capture_output=True,
        text=True,
        check=False,
    )
    if migrate.returncode != 0:
        raise RuntimeError(f"migration failed:\n{migrate.stderr[-3000:]}")

    service_port, bare_port = free_port(), free_port()
    service_url, bare_url = f"http://127.0.0.1:{service_port}", f"http://127.0.0.1:{bare_port}"
    service = Server(
        f"service ({db})",
        uvicorn_cmd(args, "app.main:app", service_port),
        env,
        work / f"service-{db}.log",
        cwd=args.app_root,
    )
    stack.callback(service.stop)
    result.code = code_state(args)
    service.start(f"{service_url}/healthz")
    bare = Server(
        "bare app",
        uvicorn_cmd(args, "bare_app:app", bare_port, "--app-dir", str(BENCH)),
        dict(os.environ),
        work / f"bare-{db}.log",
    )
    stack.callback(bare.stop)
    bare.start(f"{bare_url}/establishment")

    log(f"[{db}] seeding 1 firm, 1 client, {ESTABLISHMENTS} establishments")
    started = time.monotonic()
    token, ids = seed(service_url)
    log(f"[{db}] seeded in {time.monotonic() - started:.1f} s")
    result.body_bytes = check_responses(service_url, bare_url, token, ids)

    rotate = ids[: args.ids]
    scripts = {
        BY_ID.key: write_lua(
            work / "by_id.lua", [f"/v1/establishments/{i}" for i in rotate], token
        ),
        LIST.key: write_lua(work / "list.lua", ["/v1/establishments?limit=50"], token),
        BARE.key: write_lua(work / "bare.lua", ["/establishment"]),
    }
    urls = {BY_ID.key: service_url, LIST.key: service_url, BARE.key: bare_url}

    pgids = {service.pgid, bare.pgid}
    pgid_of = {BY_ID.key: service.pgid, LIST.key: service.pgid, BARE.key: bare.pgid}
    for r in range(1, args.rounds + 1):
        order = ENDPOINTS[r % len(ENDPOINTS) :] + ENDPOINTS[: r % len(ENDPOINTS)]
        for ep in order:
            if args.quiet_wait > 0:
                wait_for_quiet(pgids, args.quiet_limit, args.quiet_wait)
            if args.warmup > 0:
                wrk(args, urls[ep.key], scripts[ep.key], args.warmup)
            with CpuMeter(pgids) as meter:
                raw = wrk(args, urls[ep.key], scripts[ep.key], args.duration)
            seconds = raw["duration_us"] / 1e6
            errors = {k: raw[k] for k in ("connect", "read", "write", "status", "timeout")}
            sample = Sample(
                endpoint=ep.key,
                round=r,
                requests=raw["requests"],
                seconds=round(seconds, 3),
                rps=round(raw["requests"] / seconds, 1),
                p50_ms=round(raw["p50_us"] / 1000, 2),
                p90_ms=round(raw["p90_us"] / 1000, 2),
                p99_ms=round(raw["p99_us"] / 1000, 2),
                max_ms=round(raw["max_us"] / 1000, 2),
                errors={k: v for k, v in errors.items() if v},
                other_cpus=round(meter.other_cpus, 2),
                server_cpu_us=round(
                    meter.server_seconds[pgid_of[ep.key]] / max(raw["requests"], 1) * 1e6, 1
                ),
            )
            result.samples.append(sample)
            extra = f"  ERRORS {sample.errors}" if sample.errors else ""
            log(
                f"[{db}] round {r}/{args.rounds} {ep.label:34} {sample.rps:9.1f} req/s  "
                f"p50 {sample.p50_ms:6.2f} ms  p99 {sample.p99_ms:6.2f} ms  "
                f"server CPU {sample.server_cpu_us:7.1f} µs/req  "
                f"other load {sample.other_cpus:.2f} CPUs{extra}"
            )
    return result


# --- report ----------------------------------------------------------------------------------


def summarize(result: DbResult) -> list[dict[str, Any]]:
    rows = []
    by_ep = {ep.key: [s for s in result.samples if s.endpoint == ep.key] for ep in ENDPOINTS}
    bare_median = statistics.median(s.rps for s in by_ep[BARE.key])
    bare_cpu = statistics.median(s.server_cpu_us for s in by_ep[BARE.key])
    for ep in ENDPOINTS:
        samples = by_ep[ep.key]
        rps = [s.rps for s in samples]
        median = statistics.median(rps)
        rows.append(
            {
                "db": result.db,
                "endpoint": ep.key,
                "label": ep.label,
                "runs": len(samples),
                "rps_median": median,
                "rps_min": min(rps),
                "rps_max": max(rps),
                "p50_ms": statistics.median(s.p50_ms for s in samples),
                "p99_ms": statistics.median(s.p99_ms for s in samples),
                "ratio": median / bare_median,
                "cpu_us": (cpu := statistics.median(s.server_cpu_us for s in samples)),
                "cpu_ratio": bare_cpu / cpu if cpu else 0.0,
                "errors": sum(sum(s.errors.values()) for s in samples),
                "other_cpus_max": max(s.other_cpus for s in samples),
                "body_bytes": result.body_bytes.get(ep.key, 0),
            }
        )
    return rows


def machine_info(args: argparse.Namespace, results: list[DbResult]) -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for name in LIBRARIES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "libraries": versions,
        "wrk": (wrk_version.stdout or wrk_version.stderr).splitlines()[0].strip(),
        "databases": {r.db: r.server_version for r in results},
        "code": {r.db: r.code for r in results},
        "command": shlex.join(["python", "bench/run.py", *sys.argv[1:]]),
        "settings": (
            f"uvicorn --workers {args.workers} --no-access-log --loop uvloop --http httptools "
            f"(both apps); wrk -t{args.threads} -c{args.connections}, {args.rounds} rounds of "
            f"{args.duration} s per endpoint, each after a {args.warmup} s warm-up, "
            "endpoints interleaved round by round; GET by id rotates over "
            f"{args.ids} establishment ids; before each run, up to {args.quiet_wait:g} s wait "
            f"for other processes to use ≤ {args.quiet_limit:g} CPUs"
        ),
    }


def markdown(info: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    libs = ", ".join(f"{k} {v}" for k, v in info["libraries"].items())
    dbs = ", ".join(info["databases"].values())
    lines = [
        f"- Date: {info['date']}",
        f"- Machine: {info['nproc']} CPUs ({info['cpu']}), Linux {info['kernel']}; "
        "wrk and both servers share these CPUs",
        f"- Python {info['python']}; {libs}",
        f"- {info['wrk']}; {dbs}",
        *(
            [f"- Code: {next(iter(info['code'].values()))}"]
            if len(set(info["code"].values())) == 1
            else [f"- Code ({db}): {code}" for db, code in info["code"].items()]
        ),
        f"- Command: `{info['command']}`",
        f"- Settings: {info['settings']}",
        "",
        "| Database | Endpoint | req/s median (min" + DASH + "max) | p50 ms | p99 ms | vs bare | "
        "server CPU µs/req | bare/CPU | body bytes | errors | other load |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['db']} | {row['label']} | {row['rps_median']:,.0f} "
            f"({row['rps_min']:,.0f}{DASH}{row['rps_max']:,.0f}) | {row['p50_ms']:.2f} | "
            f"{row['p99_ms']:.2f} | {row['ratio']:.0%} | {row['cpu_us']:,.0f} | "
            f"{row['cpu_ratio']:.0%} | {row['body_bytes']} | {row['errors']} | "
            f"{row['other_cpus_max']:.2f} |"
        )
    lines += [
        "",
        "req/s: median of the runs (min-max); p50/p99: medians of the runs' percentiles; vs bare: "
        "median req/s over the bare app's median in the same database's rounds; server CPU: "
        "median of the user + system time of the measured server's processes per request; "
        "bare/CPU: the bare app's server CPU per request over this row's (a check on 'vs bare' "
        "that load from other processes disturbs less); errors: socket errors and non-2xx "
        "answers; other load: the most CPU (in CPUs) that processes outside the benchmark (and "
        "outside PostgreSQL) used during one run of that row; kernel time for loopback traffic "
        "can land there too.",
        "",
    ]
    for row in rows:
        if row["endpoint"] == BY_ID.key:
            target = TARGETS[row["db"]]
            verdict = "met" if row["ratio"] >= target and not row["errors"] else "NOT met"
            lines.append(
                f"- Target {row['db']}: authenticated GET by id ≥ {target:.0%} of bare: "
                f"{row['ratio']:.1%} → **{verdict}**"
            )
    return "\n".join(lines) + "\n"


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    p.add_argument("--rounds", type=int, default=5, help="measured runs per endpoint (default 5)")
    # wrk takes whole seconds
    p.add_argument("--duration", type=int, default=10, help="seconds per run (default 10)")
    p.add_argument("--warmup", type=int, default=2, help="warm-up seconds before each run")
    p.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    p.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers per app (default 2)")
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=15.0,
        help="before each run, wait up to this many seconds for other processes to go quiet",
    )
    p.add_argument(
        "--quiet-limit",
        type=float,
        default=0.15,
        help="'quiet': other processes use at most this many CPUs (default 0.15)",
    )
    p.add_argument("--ids", type=int, default=50, help="establishment ids GET by id rotates over")
    p.add_argument(
        "--pg-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="an existing PostgreSQL database to connect to for CREATE/DROP DATABASE",
    )
    p.add_argument("--pg-db", default="apart_bench", help="scratch database (dropped at the end)")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--ref", help="benchmark this commit (exported with git archive), not the working tree"
    )
    where.add_argument(
        "--app-root",
        type=Path,
        default=ROOT,
        help="benchmark the app in this directory (default: this repository)",
    )
    p.add_argument("--python", default=sys.executable, help="interpreter of the service's venv")
    p.add_argument(
        "--check", action="store_true", help="exit with status 1 when a target is not met"
    )
    args = p.parse_args(argv)
    if args.rounds < 1 or args.duration <= 0 or args.warmup < 0:
        p.error("--rounds must be ≥ 1, --duration > 0 and --warmup ≥ 0")
    if not 1 <= args.ids <= ESTABLISHMENTS:
        p.error(f"--ids must be between 1 and {ESTABLISHMENTS}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print(
            "wrk is not installed: install it with `apt-get update && apt-get install -y wrk`",
            file=sys.stderr,
        )
        return 2
    signal.signal(signal.SIGTERM, _raise_exit)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results: list[DbResult] = []
    with tempfile.TemporaryDirectory(prefix="apart-bench-") as tmp:
        if args.ref:
            args.app_root = Path(tmp) / "src"
            args.ref_sha = export_ref(args.ref, args.app_root)
            log(f"exported {args.ref} ({args.ref_sha[:10]}) to {args.app_root}")
        args.app_root = args.app_root.resolve()
        for db in dbs:
            work = Path(tmp) / db
            work.mkdir()
            with contextlib.ExitStack() as stack:
                try:
                    results.append(bench_database(args, db, work, stack))
                except BaseException:
                    for path in sorted(work.glob("*.log")):
                        tail = path.read_text(errors="replace")[-3000:]
                        log(f"--- {path.name} (last lines)\n{tail}")
                    raise

    rows = [row for r in results for row in summarize(r)]
    info = machine_info(args, results)
    text = markdown(info, rows)
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    md_path = OUT / f"results-{stamp}.md"
    md_path.write_text(text)
    (OUT / "latest.md").write_text(text)
    raw = {"machine": info, "summary": rows, "results": [asdict(r) for r in results]}
    (OUT / f"results-{stamp}.json").write_text(json.dumps(raw, indent=2, ensure_ascii=False))
    print(text)
    log(f"wrote {md_path.relative_to(ROOT)} (and latest.md, results-{stamp}.json)")
    met = all(
        row["ratio"] >= TARGETS[row["db"]] and not row["errors"]
        for row in rows
        if row["endpoint"] == BY_ID.key
    )
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
