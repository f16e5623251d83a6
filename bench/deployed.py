"""The service as deployed: PostgreSQL a network hop away, a loaded firm, mixed traffic.

One run, against a scratch PostgreSQL database (created, migrated, dropped at the end):

0. seed a fully loaded firm through the API (bench/seed.py: 200 establishments, each with an
   accepted request and 12 filed claims of 20 lines, half of them validated and paid);
a. throughput of authenticated GET /v1/establishments/{id}, the service against the textbook
   async reference app (bench/reference_app.py), 2 uvicorn workers each, wrk -c64, interleaved
   rounds, first with PostgreSQL behind bench/latency_proxy.py (0.5 ms each way), then on
   loopback;
b. on the loaded firm, one connection (sequential requests): claims list, establishment
   summary, firm-wide deadlines, events list, establishments list;
c. a claim of 300 lines: create and file, ~20 times (each then rejected so that its month can be
   claimed again), with the SQL statements and round trips each takes (bench/sql_count.py,
   in process);
d. one worker: GET by id (one connection, sequential) while 4 firm-wide deadlines and 4 claim
   lists are kept in flight;
e. one worker: /healthz while logins (right and wrong passwords), firm-wide deadlines and a
   claim's CSV export are kept in flight;
f. the resident memory of each uvicorn worker after its runs.

    .venv/bin/python bench/deployed.py --ref HEAD            # the full run (about 20 minutes)
    .venv/bin/python bench/deployed.py --ref HEAD --quick    # a smoke run (about 3 minutes)

The full run seeds for 5–7 minutes (8,700 requests on 2 CPUs); before each scenario it waits up
to a minute for other processes to leave the CPUs alone, and it records how busy they kept them
("other load"): on a shared machine, compare runs whose other load is low.

Writes bench/out/deployed-<time>.md and .json, and bench/out/deployed-latest.md. Needs wrk
(`apt-get update && apt-get install -y wrk`). Every process it starts (servers, proxy, wrk) is
stopped at the end, on error too; only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import platform
import secrets
import select
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import run
import seed as seeding
from latency_proxy import check_loopback

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
DASH = "\u2013"
BIG_LINES = 300


# --- small helpers ---------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def latency_summary(seconds: list[float]) -> dict[str, Any]:
    if not seconds:
        return {"n": 0}
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "mean_ms": round(statistics.fmean(ms), 2),
        "p50_ms": round(percentile(ms, 50), 2),
        "p90_ms": round(percentile(ms, 90), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2),
    }


def log(message: str) -> None:
    run.log(message)


def host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 5432


def with_port(url: str, port: int) -> str:
    """The database URL with its host:port replaced by the proxy's."""
    scheme, _, rest = url.partition("://")
    userinfo, _, hostpart = rest.rpartition("@")
    _, _, path = hostpart.partition("/")
    return f"{scheme}://{userinfo + '@' if userinfo else ''}127.0.0.1:{port}/{path}"


def pg_round_trip_us(url: str, rounds: int = 300) -> float:
    """Median µs of `SELECT 1` on one connection (a database round trip, as the app sees it)."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        for _ in range(20):
            conn.execute("SELECT 1").fetchone()
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            conn.execute("SELECT 1").fetchone()
            samples.append(time.perf_counter() - start)
    return round(statistics.median(samples) * 1e6, 1)


class Meter:
    """CPU use over a block, from /proc: of each of our server process groups (`groups`, by
    pgid, user + system seconds), of PostgreSQL for our database (its backends; the server's
    own background processes count as ours, not as other load), and `other_cpus`, the CPUs'
    worth of time that everything else on the machine used (another session's test suite, say).
    Ours: this process and its descendants (servers, proxy, wrk), whose reaped children are in
    their cutime/cstime."""

    database = ""  # set once the scratch database exists

    def __init__(self, groups: Iterable[int] = ()) -> None:
        self.groups = set(groups)
        self.seconds: dict[int, float] = {}
        self.pg_seconds = 0.0
        self.other_cpus = 0.0
        self.irq_cpus = 0.0

    def _read(self) -> tuple[float, dict[int, float], float]:
        table: dict[int, tuple[int, int, str, int, int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError):
                comm, rest = stat.read_text().rsplit(")", 1)
                f = rest.split()
                own, reaped = int(f[11]) + int(f[12]), int(f[13]) + int(f[14])
                table[int(stat.parent.name)] = (int(f[1]), int(f[2]), comm, own, reaped)
        children: dict[int, list[int]] = {}
        for pid, row in table.items():
            children.setdefault(row[0], []).append(pid)
        mine, todo = set(), [os.getpid()]
        while todo:
            pid = todo.pop()
            if pid not in mine:
                mine.add(pid)
                todo.extend(children.get(pid, ()))
        ours, pg = 0, 0
        groups = dict.fromkeys(self.groups, 0.0)
        for pid, (_, pgrp, comm, own, reaped) in table.items():
            if pgrp in groups:
                groups[pgrp] += own / run.HZ
            if pid in mine:
                ours += own + reaped
            elif comm.endswith("(postgres"):
                with contextlib.suppress(OSError):
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                    backend = b"(" in cmdline  # "postgres: ... user db 127.0.0.1(port) ..."
                    if not backend or f" {self.database} ".encode() in cmdline:
                        ours += own + reaped
                        # A backend's CPU, alive; once it has exited, the postmaster's reaped
                        # time (which has every database's exited backends: an approximation).
                        pg += own if backend else reaped
        return ours / run.HZ, groups, pg / run.HZ

    @staticmethod
    def _machine() -> tuple[float, float]:
        """Busy seconds of the whole machine in processes (user, nice, system, steal), and in
        interrupts (irq, softirq: loopback TCP's work mostly lands there, in no process)."""
        f = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return (f[0] + f[1] + f[2] + f[7]) / run.HZ, (f[5] + f[6]) / run.HZ

    def __enter__(self) -> Meter:
        self._start = (time.monotonic(), *self._machine(), *self._read())
        return self

    def __exit__(self, *_exc: object) -> None:
        wall, busy, irq, ours, groups, pg = self._start
        elapsed = time.monotonic() - wall
        ours_now, groups_now, pg_now = self._read()
        busy_now, irq_now = self._machine()
        self.seconds = {g: groups_now[g] - groups.get(g, 0.0) for g in groups_now}
        self.pg_seconds = pg_now - pg
        other = busy_now - busy - (ours_now - ours)
        self.other_cpus = round(max(0.0, other / elapsed), 2) if elapsed > 0 else 0.0
        self.irq_cpus = round((irq_now - irq) / elapsed, 2) if elapsed > 0 else 0.0


def wait_quiet(limit: float, max_wait: float) -> dict[str, float]:
    """Wait (at most max_wait s) until other processes use ≤ limit CPUs over one second."""
    started = time.monotonic()
    load = Meter()
    while True:
        with load:
            time.sleep(1.0)
        waited = time.monotonic() - started
        if load.other_cpus <= limit or waited >= max_wait:
            return {"waited_s": round(waited, 1), "other_cpus": load.other_cpus}
        log(f"other processes use {load.other_cpus:.2f} CPUs; waiting for a quieter machine")


def pg_connections(url: str) -> dict[str, int]:
    """PostgreSQL's connection limit and how many are open (all databases, others' too)."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        row = conn.execute(
            "SELECT current_setting('max_connections')::int, count(*) FROM pg_stat_activity"
            " WHERE backend_type = 'client backend'"
        ).fetchone()
    assert row is not None
    return {"max": int(row[0]), "open": int(row[1])}


# --- processes -------------------------------------------------------------------------------


class Proxy:
    """bench/latency_proxy.py as a subprocess of its own process group."""

    def __init__(self, args: argparse.Namespace, target: tuple[str, int], log_path: Path) -> None:
        self.cmd = [
            args.python,
            str(BENCH / "latency_proxy.py"),
            "--listen",
            f"127.0.0.1:{run.free_port()}",
            "--target",
            f"{target[0]}:{target[1]}",
            "--delay-ms",
            str(args.delay_ms),
        ]
        self.log_path = log_path
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0

    def start(self) -> None:
        log(f"starting latency proxy: {shlex.join(self.cmd)}")
        self.proc = subprocess.Popen(
            self.cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        line = self._readline(self.proc.stdout, 10.0)
        if not line.startswith("listening on "):
            raise RuntimeError(f"latency proxy did not start: {line!r}")
        self.port = int(line.rsplit(":", 1)[1])

    @property
    def pgid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @staticmethod
    def _readline(stream: Any, timeout: float) -> str:
        ready, _, _ = select.select([stream], [], [], timeout)
        return str(stream.readline()).strip() if ready else ""

    def stats(self) -> dict[str, Any]:
        """The proxy's counters (it prints them on SIGUSR1)."""
        assert self.proc is not None and self.proc.stderr is not None
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            line = self._readline(self.proc.stderr, deadline - time.monotonic())
            if line.startswith("STATS "):
                result: dict[str, Any] = json.loads(line.removeprefix("STATS "))
                return result
            if line:
                with self.log_path.open("a") as out:
                    print(line, file=out)
        raise RuntimeError("no statistics from the latency proxy")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                _, err = proc.communicate(timeout=10)
                self.log_path.write_text(err or "")
            except subprocess.TimeoutExpired:
                pass
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        log("stopped latency proxy")


def worker_memory(server: run.Server) -> list[dict[str, Any]]:
    """VmRSS and VmHWM (peak) of each uvicorn worker of a server, in MB. With --workers 1,
    uvicorn serves from its own process; with more, from spawned children."""
    assert server.proc is not None
    root = server.proc.pid
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError):
            _, rest = stat.read_text().rsplit(")", 1)
            if int(rest.split()[1]) == root:
                cmdline = (stat.parent / "cmdline").read_bytes()
                if b"spawn_main" in cmdline:
                    pids.append(int(stat.parent.name))
    out = []
    for pid in sorted(pids) or [root]:
        fields: dict[str, Any] = {"pid": pid}
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    fields[key] = round(int(value.split()[0]) / 1024, 1)
        out.append(fields)
    return out


# --- wrk -------------------------------------------------------------------------------------

LUA = """\
local specs = {%(specs)s}
local reqs = {}
local n = 0

init = function(args)
  for i, s in ipairs(specs) do reqs[i] = wrk.format(s[1], s[2], s[3], s[4]) end
end

request = function()
  n = n + 1
  return reqs[(n %% #reqs) + 1]
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


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None

    def lua(self) -> str:
        q = run.lua_quote
        headers = ", ".join(f"[{q(k)}] = {q(v)}" for k, v in self.headers.items())
        body = "nil" if self.body is None else q(self.body)
        return f"{{{q(self.method)}, {q(self.path)}, {{{headers}}}, {body}}}"


def write_lua(path: Path, requests: Iterable[Req]) -> Path:
    path.write_text(LUA % {"specs": ",\n  ".join(r.lua() for r in requests)})
    return path


def wrk_cmd(url: str, script: Path, seconds: float, connections: int, threads: int) -> list[str]:
    return [
        "wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        url,
    ]


def parse_wrk(stdout: str) -> dict[str, Any]:
    for line in stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            raw: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
            seconds = raw["duration_us"] / 1e6
            return {
                "requests": raw["requests"],
                "seconds": round(seconds, 3),
                "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
                "p50_ms": round(raw["p50_us"] / 1000, 2),
                "p90_ms": round(raw["p90_us"] / 1000, 2),
                "p99_ms": round(raw["p99_us"] / 1000, 2),
                "max_ms": round(raw["max_us"] / 1000, 2),
                "errors": {
                    k: raw[k] for k in ("connect", "read", "write", "status", "timeout") if raw[k]
                },
            }
    raise RuntimeError(f"no summary in wrk output:\n{stdout[-2000:]}")


def wrk(
    url: str, script: Path, seconds: float, connections: int, threads: int = 2
) -> dict[str, Any]:
    proc = subprocess.run(
        wrk_cmd(url, script, seconds, connections, threads),
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    return parse_wrk(proc.stdout)


@contextlib.contextmanager
def background_wrk(
    loads: dict[str, tuple[str, Path, int]], seconds: float, results: dict[str, Any]
) -> Iterator[None]:
    """wrk processes kept running (label -> (url, script, connections)) while the block runs;
    each is stopped with SIGINT at the end (wrk then reports) and its summary stored."""
    procs: dict[str, subprocess.Popen[str]] = {}
    try:
        for label, (url, script, connections) in loads.items():
            procs[label] = subprocess.Popen(
                wrk_cmd(url, script, seconds, connections, threads=1),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
        time.sleep(1.0)  # let every connection get its first request in
        yield
    finally:
        for label, proc in procs.items():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
            try:
                out, _ = proc.communicate(timeout=30)
                results[label] = parse_wrk(out)
            except (subprocess.TimeoutExpired, RuntimeError) as exc:
                results[label] = {"error": str(exc)[:500]}
            finally:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=5)


# --- one sequential client -------------------------------------------------------------------


def sequential(
    base_url: str,
    paths: Callable[[int], str],
    *,
    headers: dict[str, str] | None = None,
    requests: int,
    max_seconds: float,
    warmup: int = 3,
) -> dict[str, Any]:
    """Requests one after the other on one keep-alive connection: `requests` of them, or as
    many as fit in `max_seconds`. Latency is measured around each whole request."""
    samples: list[float] = []
    statuses: dict[str, int] = {}
    size = 0
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with httpx.Client(base_url=base_url, headers=headers, timeout=60.0, limits=limits) as http:
        for i in range(warmup):
            http.get(paths(i))
        deadline = time.monotonic() + max_seconds
        for i in range(requests):
            if time.monotonic() >= deadline:
                break
            path = paths(i)
            start = time.perf_counter()
            response = http.get(path)
            samples.append(time.perf_counter() - start)
            code = str(response.status_code)
            statuses[code] = statuses.get(code, 0) + 1
            size = len(response.content)
    return {**latency_summary(samples), "statuses": statuses, "body_bytes": size}


# --- the run ---------------------------------------------------------------------------------


@dataclass
class Bench:
    args: argparse.Namespace
    work: Path
    stack: contextlib.ExitStack
    db_url: str = ""
    proxy_db_url: str = ""
    env: dict[str, str] = field(default_factory=dict)
    proxy: Proxy | None = None
    firm: seeding.Firm | None = None
    big_claim_id: str = ""
    results: dict[str, Any] = field(default_factory=dict)
    memory: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    quiet: dict[str, dict[str, float]] = field(default_factory=dict)
    pg_connections: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def auth(self) -> dict[str, str]:
        assert self.firm is not None
        return {"Authorization": f"Bearer {self.firm.token}"}

    def server(
        self,
        name: str,
        app: str,
        *,
        database_url: str,
        workers: int,
        env: dict[str, str] | None = None,
    ) -> tuple[run.Server, str]:
        """Start a uvicorn server (the service, or the reference app) from the code under test."""
        port = run.free_port()
        extra = ["--app-dir", str(BENCH)] if app.startswith("reference_app") else []
        cmd = [
            self.args.python,
            "-m",
            "uvicorn",
            app,
            *extra,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
        ]
        server_env = {**self.env, "DATABASE_URL": database_url, **(env or {})}
        log_path = self.work / f"{name.replace(' ', '-')}.log"
        server = run.Server(name, cmd, server_env, log_path, cwd=self.args.app_root)
        self.stack.callback(server.stop)
        url = f"http://127.0.0.1:{port}"
        server.start(f"{url}/healthz", timeout=60.0)
        return server, url

    def remember_memory(self, server: run.Server, workers: int, ran: str) -> None:
        self.memory.append(
            {
                "server": server.name,
                "workers": workers,
                "ran": ran,
                "processes": worker_memory(server),
            }
        )

    def timed(self, key: str) -> contextlib.AbstractContextManager[None]:
        """A scenario: first a wait for a quiet machine (recorded), then its timed block."""

        @contextlib.contextmanager
        def block() -> Iterator[None]:
            if self.args.scenario_quiet_wait > 0 and key != "seed":
                self.quiet[key] = wait_quiet(self.args.quiet_limit, self.args.scenario_quiet_wait)
            self.pg_connections[key] = pg_connections(self.db_url)
            started = time.monotonic()
            log(f"--- {key}")
            try:
                yield
            finally:
                self.timings[key] = round(time.monotonic() - started, 1)
                log(f"--- {key} took {self.timings[key]:.0f} s")

        return block()


def migrate(b: Bench) -> None:
    proc = subprocess.run(
        [b.args.python, "-m", "app.cli", "migrate"],
        cwd=b.args.app_root,
        env={**b.env, "DATABASE_URL": b.db_url},
        timeout=180,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"migration failed:\n{proc.stderr[-3000:]}")


def scenario_seed(b: Bench) -> None:
    a = b.args
    server, url = b.server("seeding server", "app.main:app", database_url=b.db_url, workers=2)
    b.firm = seeding.seed(
        url,
        establishments=a.establishments,
        per_client=a.per_client,
        months=12,
        lines=a.lines,
        paid_months=6,
        big_lines=BIG_LINES,
        concurrency=a.seed_concurrency,
        log=log,
    )
    b.results["seed"] = {
        "seconds": b.firm.seconds,
        "requests": b.firm.requests_made,
        "retried_503": b.firm.retried_503,
        "clients": len(b.firm.client_ids),
        "establishments": len(b.firm.establishment_ids),
        "claims": len(b.firm.claim_ids),
        "shape": b.firm.shape,
    }
    b.remember_memory(server, 2, "the seeding")
    server.stop()


def scenario_throughput(b: Bench, network: str) -> tuple[run.Server, str] | None:
    """a. GET by id, the service against the reference app, rounds interleaved A B A B.
    On loopback, the service's server is left running (and returned) for b and c."""
    a, firm = b.args, b.firm
    assert firm is not None
    db_url = b.proxy_db_url if network == "proxy" else b.db_url
    servers = {}
    for key, app in (("project", "app.main:app"), ("reference", "reference_app:app")):
        servers[key] = b.server(f"{key} ({network})", app, database_url=db_url, workers=2)
    ids = firm.establishment_ids[:50]
    bodies, body_bytes = {}, 0
    for key, (_, url) in servers.items():
        response = httpx.get(f"{url}/v1/establishments/{ids[0]}", headers=b.auth, timeout=30)
        response.raise_for_status()
        bodies[key] = response.json()
        body_bytes = len(response.content)
    if bodies["project"] != bodies["reference"]:
        raise RuntimeError(f"the two apps answer differently: {bodies}")
    script = write_lua(
        b.work / "by_id.lua", [Req("GET", f"/v1/establishments/{i}", b.auth) for i in ids]
    )
    pgids = {server.pgid for server, _ in servers.values()}
    if network == "proxy" and b.proxy is not None:
        pgids.add(b.proxy.pgid)
    samples = []
    for r in range(1, a.rounds + 1):
        if a.quiet_wait > 0:
            wait_quiet(a.quiet_limit, a.quiet_wait)
        for key, (server, url) in servers.items():
            if a.warmup > 0:
                wrk(url, script, a.warmup, a.connections)
            before = b.proxy.stats() if network == "proxy" and b.proxy else None
            with Meter(pgids) as meter:
                sample = wrk(url, script, a.duration, a.connections)
            n = max(sample["requests"], 1)
            sample |= {
                "app": key,
                "round": r,
                "server_cpu_us": round(meter.seconds[server.pgid] / n * 1e6, 1),
                "pg_cpu_us": round(meter.pg_seconds / n * 1e6, 1),
                "other_cpus": round(meter.other_cpus, 2),
                "irq_cpus": meter.irq_cpus,
            }
            if before is not None and b.proxy is not None:
                after = b.proxy.stats()
                sample["proxy_cpu_us"] = round(meter.seconds[b.proxy.pgid] / n * 1e6, 1)
                sample["db_round_trips_per_req"] = round(
                    (after["client_turns"] - before["client_turns"]) / n, 2
                )
                sample["db_connections_opened"] = after["connections"] - before["connections"]
                sample["applied_delay"] = after["applied_delay"]
            samples.append(sample)
            log(
                f"[a/{network}] round {r} {key:9} {sample['rps']:8.1f} req/s  "
                f"p50 {sample['p50_ms']:6.2f}  p99 {sample['p99_ms']:6.2f} ms  "
                f"errors {sample['errors'] or 0}  other load {sample['other_cpus']:.2f}"
            )
    rows = {}
    for key in servers:
        mine = [s for s in samples if s["app"] == key]
        rps = [s["rps"] for s in mine]

        def med(name: str, mine: list[dict[str, Any]] = mine) -> float | None:
            values = [s[name] for s in mine if name in s]
            return round(statistics.median(values), 2) if values else None

        rows[key] = {
            "rps_median": statistics.median(rps),
            "rps_min": min(rps),
            "rps_max": max(rps),
            "p50_ms": med("p50_ms"),
            "p99_ms": med("p99_ms"),
            "server_cpu_us": med("server_cpu_us"),
            "pg_cpu_us": med("pg_cpu_us"),
            "proxy_cpu_us": med("proxy_cpu_us"),
            "db_round_trips_per_req": med("db_round_trips_per_req"),
            "db_connections_opened": med("db_connections_opened"),
            "errors": sum(sum(s["errors"].values()) for s in mine),
            "other_cpus_max": max(s["other_cpus"] for s in mine),
        }
    ratio = rows["project"]["rps_median"] / rows["reference"]["rps_median"]
    b.results[f"a_{network}"] = {
        "rows": rows,
        "ratio": round(ratio, 3),
        "samples": samples,
        "body_bytes": body_bytes,
    }
    for key, (server, _) in servers.items():
        if network == "loopback" and key == "project":
            continue  # serves b and c next
        b.remember_memory(server, 2, f"a ({network})")
        server.stop()
    return servers["project"] if network == "loopback" else None


def gets(b: Bench) -> dict[str, Callable[[int], str]]:
    firm = b.firm
    assert firm is not None
    ids = firm.establishment_ids
    return {
        "GET /v1/claims?limit=50": lambda i: "/v1/claims?limit=50",
        "GET /v1/establishments/{id}/summary": lambda i: (
            f"/v1/establishments/{ids[i % len(ids)]}/summary"
        ),
        "GET /v1/deadlines (firm-wide)": lambda i: "/v1/deadlines",
        "GET /v1/events?limit=50": lambda i: "/v1/events?limit=50",
        "GET /v1/establishments?limit=50": lambda i: "/v1/establishments?limit=50",
    }


def scenario_reads(b: Bench, url: str) -> None:
    """b. The loaded firm's heavier reads, one connection, sequential, loopback PostgreSQL."""
    a = b.args
    out = {}
    for label, paths in gets(b).items():
        with Meter() as load:
            out[label] = sequential(
                url, paths, headers=b.auth, requests=a.read_requests, max_seconds=a.read_seconds
            )
        out[label]["other_cpus"] = load.other_cpus
        log(f"[b] {label:40} {out[label]}")
    b.results["b"] = out


def big_claim_body(n: int) -> dict[str, Any]:
    return {
        "month": seeding.OPEN_MONTH,
        "payroll_paid_on": "2021-03-31",
        "lines": seeding.claim_lines("C", BIG_LINES, 12, 9000 + n),
    }


def scenario_writes(b: Bench, url: str) -> None:
    """c. A 300-line claim created then filed (each then rejected, untimed), over HTTP; then
    its SQL statements and round trips, in process."""
    a, firm = b.args, b.firm
    assert firm is not None
    create, file_ = [], []
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    with (
        httpx.Client(base_url=url, headers=b.auth, timeout=120.0, limits=limits) as http,
        Meter() as load,
    ):
        for n in range(a.claim_repetitions):
            start = time.perf_counter()
            created = http.post(
                f"/v1/authorization-requests/{firm.big_request_id}/claims", json=big_claim_body(n)
            )
            middle = time.perf_counter()
            if created.status_code != 201:
                raise RuntimeError(f"claim create: {created.status_code} {created.text[:1000]}")
            claim_id = created.json()["id"]
            filed = http.post(f"/v1/claims/{claim_id}/file", json={"filed_on": "2021-04-06"})
            end = time.perf_counter()
            if filed.status_code != 200:
                raise RuntimeError(f"claim file: {filed.status_code} {filed.text[:1000]}")
            create.append(middle - start)
            file_.append(end - middle)
            rejected = http.post(
                f"/v1/claims/{claim_id}/reject", json={"reason": "bench", "on": "2021-04-06"}
            )
            rejected.raise_for_status()
            b.big_claim_id = claim_id
    b.results["c"] = {
        "lines": BIG_LINES,
        "create": latency_summary(create),
        "file": latency_summary(file_),
        "other_cpus": load.other_cpus,
    }
    log(f"[c] create {b.results['c']['create']}  file {b.results['c']['file']}")

    # In process: statements and round trips of the same requests and of b's reads.
    ids = firm.establishment_ids
    job = {
        "database_url": b.db_url,
        "email": firm.owner_email,
        "password": firm.password,
        "gets": {
            "GET /v1/establishments/{id}": f"/v1/establishments/{ids[1 % len(ids)]}",
            **{label: paths(1) for label, paths in gets(b).items()},
        },
        "claim": {
            "request_id": firm.big_request_id,
            "month": seeding.OPEN_MONTH,
            "payroll_paid_on": "2021-03-31",
            "filed_on": "2021-04-06",
            "lines": big_claim_body(999)["lines"],
            "repetitions": 2,
        },
    }
    proc = subprocess.run(
        [b.args.python, str(BENCH / "sql_count.py")],
        input=json.dumps(job),
        cwd=b.args.app_root,
        env={**b.env, "DATABASE_URL": b.db_url, "PYTHONPATH": str(b.args.app_root)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"sql_count failed:\n{proc.stderr[-3000:]}")
    counts = json.loads(proc.stdout)
    b.results["counts"] = counts
    last = counts["claims"][-1]
    log(
        f"[c] statements: create {last['create']['sqlalchemy']['statements']} "
        f"(wire {last['create']['wire']['statements']}, "
        f"{last['create']['wire']['round_trips']} round trips), "
        f"file {last['file']['sqlalchemy']['statements']} "
        f"(wire {last['file']['wire']['statements']}, "
        f"{last['file']['wire']['round_trips']} round trips)"
    )


def under_load(
    b: Bench,
    url: str,
    paths: Callable[[int], str],
    headers: dict[str, str] | None,
    loads: dict[str, tuple[str, Path, int]],
) -> dict[str, Any]:
    """Sequential requests on one connection, first alone, then while wrk keeps `loads` busy."""
    a = b.args
    with Meter() as quiet:
        alone = sequential(
            url, paths, headers=headers, requests=a.fg_requests, max_seconds=a.fg_seconds / 2
        )
    background: dict[str, Any] = {}
    with Meter() as busy, background_wrk(loads, a.fg_seconds + 30, background):
        loaded = sequential(
            url, paths, headers=headers, requests=a.fg_requests, max_seconds=a.fg_seconds
        )
    alone["other_cpus"], loaded["other_cpus"] = quiet.other_cpus, busy.other_cpus
    return {"alone": alone, "loaded": loaded, "background": background}


def scenario_isolation(b: Bench, url: str) -> None:
    """d. One worker: GET by id, sequential, alone and while heavy reads are in flight."""
    assert b.firm is not None
    ids = b.firm.establishment_ids[:50]
    deadlines = write_lua(b.work / "deadlines.lua", [Req("GET", "/v1/deadlines", b.auth)])
    claims = write_lua(b.work / "claims.lua", [Req("GET", "/v1/claims?limit=50", b.auth)])
    loads = {
        "GET /v1/deadlines (firm-wide), 4 connections": (url, deadlines, 4),
        "GET /v1/claims?limit=50, 4 connections": (url, claims, 4),
    }
    b.results["d"] = under_load(
        b, url, lambda i: f"/v1/establishments/{ids[i % len(ids)]}", b.auth, loads
    )
    log(f"[d] {b.results['d']}")


def scenario_health(b: Bench, url: str) -> None:
    """e. One worker: /healthz, sequential, alone and while logins and heavy reads hammer."""
    firm = b.firm
    assert firm is not None
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    right = httpx.QueryParams({"username": firm.owner_email, "password": firm.password})
    wrong = httpx.QueryParams({"username": firm.owner_email, "password": "not-the-password"})
    logins = [
        Req("POST", "/v1/auth/token", dict(form), str(right)),
        Req("POST", "/v1/auth/token", dict(form), str(wrong)),
    ]
    export = f"/v1/claims/{b.big_claim_id}/export?format=csv"
    loads = {
        "POST /v1/auth/token (right and wrong password in turn), 2 connections": (
            url,
            write_lua(b.work / "logins.lua", logins),
            2,
        ),
        "GET /v1/deadlines (firm-wide), 2 connections": (
            url,
            write_lua(b.work / "deadlines.lua", [Req("GET", "/v1/deadlines", b.auth)]),
            2,
        ),
        f"GET /v1/claims/{{id}}/export?format=csv ({BIG_LINES} lines), 2 connections": (
            url,
            write_lua(b.work / "export.lua", [Req("GET", export, b.auth)]),
            2,
        ),
    }
    b.results["e"] = under_load(b, url, lambda i: "/healthz", None, loads)
    log(f"[e] {b.results['e']}")


# --- report ----------------------------------------------------------------------------------


def environment(b: Bench, pg_version: str) -> dict[str, Any]:
    import importlib.metadata

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for name in run.LIBRARIES:
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
        "wrk": (wrk_version.stdout or wrk_version.stderr).splitlines()[0].split(" Copyright")[0],
        "postgres": pg_version,
        "code": run.code_state(b.args),
        "command": shlex.join(["python", "bench/deployed.py", *sys.argv[1:]]),
    }


def _ms(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    return "–" if value is None else f"{value:,.2f}"


def _num(value: Any, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _errors(errors: dict[str, int]) -> str:
    if not errors:
        return "0"
    names = {"status": "non-2xx"}
    return ", ".join(f"{n:,} {names.get(k, k)}" for k, n in errors.items())


def _pg_connections(seen: dict[str, dict[str, int]]) -> str:
    if not seen:
        return "–"
    limit = next(iter(seen.values()))["max"]
    return f"{limit}; " + ", ".join(f"{k} {v['open']}" for k, v in seen.items())


def _count_cells(counts: dict[str, Any] | None) -> str:
    if not counts:
        return "– | – | – | – |"
    sa, wire = counts["sqlalchemy"], counts["wire"]
    kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(sa["kinds"].items()))
    return (
        f"{sa['statements']} ({kinds}) | {sa['parameter_sets']} | {wire['statements']} | "
        f"{wire['round_trips']} |"
    )


def markdown(b: Bench, env: dict[str, Any]) -> str:
    a, r = b.args, b.results
    libs = ", ".join(f"{k} {v}" for k, v in env["libraries"].items())
    seed_info = r.get("seed", {})
    shape = seed_info.get("shape", {})
    rtt = r.get("pg_rtt", {})
    lines = [
        f"- Date: {env['date']}",
        f"- Machine: {env['nproc']} CPUs ({env['cpu']}), Linux {env['kernel']}; wrk, the "
        "servers, the proxy and PostgreSQL share these CPUs",
        f"- Python {env['python']}; {libs}",
        f"- {env['wrk']}; {env['postgres']}",
        f"- Code: {env['code']}",
        f"- Command: `{env['command']}`",
        f"- Loaded firm (bench/seed.py, through the API): {seed_info.get('establishments')} "
        f"establishments of {seed_info.get('clients')} clients, {seed_info.get('claims')} filed "
        f"claims of {shape.get('lines')} lines (the first 6 months validated and paid), "
        f"{seed_info.get('requests')} requests in {seed_info.get('seconds')} s",
        f"- Latency proxy: {a.delay_ms} ms added each way; `SELECT 1` round trip on one "
        f"connection: {rtt.get('direct_us')} µs direct, {rtt.get('proxied_us')} µs through the "
        "proxy",
        f"- Servers: uvicorn --loop uvloop --http httptools --no-access-log; both apps with "
        f"DB_POOL_SIZE={a.pool_size} DB_MAX_OVERFLOW={a.max_overflow} (the same settings, "
        "JWT secret and token); the 1-worker server of d and e without login throttling",
        "- other load: CPUs' worth of time used during the measurement by processes outside "
        "the benchmark and its PostgreSQL backends (another session's work on a shared machine, "
        "kernel threads); interrupt time (loopback TCP's softirq work) is not counted in it",
        "",
    ]
    # a
    lines += [
        f"### a. GET /v1/establishments/{{id}}, service vs reference app (2 workers each, "
        f"wrk -t2 -c{a.connections}, {a.rounds} × {a.duration} s per app, rounds interleaved)",
        "",
        "| PostgreSQL | App | req/s median (min" + DASH + "max) | p50 ms | p99 ms | "
        "server CPU µs/req | PG CPU µs/req | proxy CPU µs/req | DB round trips/req | "
        "DB connections opened | errors | other load |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    ratios = []
    for network, label in (("proxy", f"proxy +{a.delay_ms} ms each way"), ("loopback", "loopback")):
        block = r.get(f"a_{network}")
        if not block:
            continue
        for key in ("project", "reference"):
            row = block["rows"][key]
            lines.append(
                f"| {label} | {'service' if key == 'project' else 'reference'} | "
                f"{row['rps_median']:,.0f} ({row['rps_min']:,.0f}{DASH}{row['rps_max']:,.0f}) | "
                f"{_ms(row, 'p50_ms')} | {_ms(row, 'p99_ms')} | {_num(row['server_cpu_us'])} | "
                f"{_num(row['pg_cpu_us'])} | {_num(row['proxy_cpu_us'])} | "
                f"{_num(row['db_round_trips_per_req'], 2)} | "
                f"{_num(row['db_connections_opened'])} | {row['errors']} | "
                f"{row['other_cpus_max']:.2f} |"
            )
        ratios.append(f"{label}: **{block['ratio']:.2f}**")
    applied = [
        s["applied_delay"]
        for s in r.get("a_proxy", {}).get("samples", [])
        if s.get("applied_delay")
    ]
    lines += [
        "",
        "Ratio service/reference (median req/s): " + "; ".join(ratios) + ".",
        "",
    ]
    if applied:
        lines += [
            "Delay the proxy actually applied per chunk during the last proxied run: median "
            f"{applied[-1]['median_us']} µs, p99 {applied[-1]['p99_us']} µs.",
            "",
        ]
    # b
    counts = r.get("counts", {})
    lines += [
        "### b. Loaded firm, one connection, sequential requests (loopback PostgreSQL, 2 workers)",
        "",
        "| Request | n | p50 ms | p90 ms | p99 ms | max ms | body bytes | SQL statements "
        "(SQLAlchemy / wire) | DB round trips | other load |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, row in r.get("b", {}).items():
        c = counts.get("gets", {}).get(label, {})
        stmts = f"{c['sqlalchemy']['statements']} / {c['wire']['statements']}" if c else "–"
        trips = c["wire"]["round_trips"] if c else "–"
        lines.append(
            f"| {label} | {row['n']} | {_ms(row, 'p50_ms')} | {_ms(row, 'p90_ms')} | "
            f"{_ms(row, 'p99_ms')} | {_ms(row, 'max_ms')} | {row['body_bytes']:,} | {stmts} | "
            f"{trips} | {_num(row.get('other_cpus'), 2)} |"
        )
    by_id = counts.get("gets", {}).get("GET /v1/establishments/{id}")
    if by_id:
        lines += [
            "",
            f"GET by id, for comparison: {by_id['sqlalchemy']['statements']} statements seen by "
            f"SQLAlchemy, {by_id['wire']['statements']} on the wire, "
            f"{by_id['wire']['round_trips']} round trip(s).",
        ]
    lines.append("")
    # c
    c = r.get("c")
    if c:
        claim_counts = counts.get("claims", [])
        last = claim_counts[-1] if claim_counts else None
        lines += [
            f"### c. A claim of {c['lines']} lines over HTTP (2 workers, loopback), "
            f"{c['create']['n']} repetitions (other load {_num(c.get('other_cpus'), 2)})",
            "",
            "| Step | n | p50 ms | p99 ms | max ms | SQL statements (SQLAlchemy) | parameter "
            "sets | statements on the wire | DB round trips |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for step, label in (("create", "POST …/claims"), ("file", "POST /v1/claims/{id}/file")):
            row = c[step]
            lines.append(
                f"| {label} | {row['n']} | {_ms(row, 'p50_ms')} | {_ms(row, 'p99_ms')} | "
                f"{_ms(row, 'max_ms')} | {_count_cells(last[step] if last else None)}"
            )
        lines += [
            "",
            "Counts: in process (bench/sql_count.py: `app.main.create_app()` driven by "
            "TestClient), its database connection through the proxy with no delay; the "
            "SQLAlchemy column counts `before_cursor_execute` events (an executemany once), the "
            "wire columns count Query + Execute messages and the app's turns to speak.",
            "",
        ]
    # d, e
    for key, title, fg in (
        (
            "d",
            "d. One worker: GET by id while 4 firm-wide deadlines and 4 claim lists are in flight",
            "GET /v1/establishments/{id}",
        ),
        (
            "e",
            "e. One worker: /healthz while logins, firm-wide deadlines and a CSV export hammer",
            "GET /healthz",
        ),
    ):
        block = r.get(key)
        if not block:
            continue
        lines += [
            f"### {title}",
            "",
            "| Measured (one connection, sequential) | n | p50 ms | p90 ms | p99 ms | max ms | "
            "other load |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for cond in ("alone", "loaded"):
            row = block[cond]
            lines.append(
                f"| {fg}, {cond} | {row['n']} | {_ms(row, 'p50_ms')} | {_ms(row, 'p90_ms')} | "
                f"{_ms(row, 'p99_ms')} | {_ms(row, 'max_ms')} | "
                f"{_num(row.get('other_cpus'), 2)} |"
            )
        lines += [
            "",
            "| Background load (wrk, same worker) | requests | req/s | p50 ms | p99 ms | "
            "non-2xx answers, socket errors |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for label, row in block["background"].items():
            if "error" in row:
                lines.append(f"| {label} | – | – | – | – | {row['error']} |")
                continue
            lines.append(
                f"| {label} | {row['requests']:,} | {row['rps']:,.1f} | {_ms(row, 'p50_ms')} | "
                f"{_ms(row, 'p99_ms')} | {_errors(row['errors'])} |"
            )
        lines.append("")
    # f
    lines += [
        "### f. Resident memory per uvicorn worker after its runs",
        "",
        "| Server | Workers | After | VmRSS MB per worker | VmHWM (peak) MB per worker |",
        "| --- | ---: | --- | --- | --- |",
    ]
    for m in b.memory:
        rss = ", ".join(_num(p.get("VmRSS"), 1) for p in m["processes"])
        hwm = ", ".join(_num(p.get("VmHWM"), 1) for p in m["processes"])
        lines.append(f"| {m['server']} | {m['workers']} | {m['ran']} | {rss} | {hwm} |")
    lines += [
        "",
        "Scenario durations (s): " + ", ".join(f"{k} {v:.0f}" for k, v in b.timings.items()) + ".",
        "Waits for a quiet machine before each scenario (s waited, other load at the end): "
        + (
            ", ".join(
                f"{k} {q['waited_s']:.0f} ({q['other_cpus']:.2f})" for k, q in b.quiet.items()
            )
            or "none"
        )
        + ".",
        "PostgreSQL client connections open (all databases) at the start of each scenario, of "
        f"max_connections: {_pg_connections(b.pg_connections)}.",
        "",
    ]
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a smoke run: small firm, short runs")
    p.add_argument("--establishments", type=int, help="of the loaded firm (200; quick: 10)")
    p.add_argument("--per-client", type=int, default=5, help="establishments per client")
    p.add_argument("--lines", type=int, default=20, help="lines per seeded claim")
    p.add_argument("--seed-concurrency", type=int, default=8, help="seeding requests in flight")
    p.add_argument("--rounds", type=int, help="a: rounds per app and network (3; quick: 1)")
    p.add_argument("--duration", type=int, help="a: seconds per wrk run (8; quick: 3)")
    p.add_argument("--warmup", type=int, help="a: warm-up seconds before each run (2; quick: 1)")
    p.add_argument("--connections", type=int, default=64, help="a: wrk connections")
    p.add_argument("--delay-ms", type=float, default=0.5, help="proxy delay, each way")
    # The service's defaults. PostgreSQL's max_connections (100 by default) bounds them: in a,
    # both apps' pools are open at once (2 workers each; the service has a read and a write pool).
    p.add_argument("--pool-size", type=int, default=10, help="DB_POOL_SIZE of both apps")
    p.add_argument("--max-overflow", type=int, default=10, help="DB_MAX_OVERFLOW of both apps")
    p.add_argument("--read-requests", type=int, help="b: requests per endpoint (200; quick: 30)")
    p.add_argument("--read-seconds", type=float, help="b: at most this long per endpoint (30)")
    p.add_argument("--claim-repetitions", type=int, help="c: 300-line claims (20; quick: 3)")
    p.add_argument("--fg-requests", type=int, help="d, e: measured requests (400; quick: 100)")
    p.add_argument("--fg-seconds", type=float, help="d, e: at most this long loaded (25; quick: 8)")
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=10.0,
        help="a: before each round, wait up to this long for other processes to go quiet",
    )
    p.add_argument(
        "--scenario-quiet-wait",
        type=float,
        default=60.0,
        help="before each scenario, wait up to this long for other processes to go quiet",
    )
    p.add_argument("--quiet-limit", type=float, default=0.15, help="'quiet': ≤ this many CPUs")
    p.add_argument(
        "--pg-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="an existing database to connect to for CREATE/DROP DATABASE",
    )
    p.add_argument(
        "--pg-db", default="bench_deployed", help="scratch database (dropped at the end)"
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--ref", help="benchmark this commit (exported with git archive)")
    where.add_argument(
        "--app-root", type=Path, default=ROOT, help="benchmark the app in this directory"
    )
    p.add_argument("--python", default=sys.executable, help="interpreter of the service's venv")
    args = p.parse_args(argv)
    quick = args.quick
    defaults = {
        "establishments": (200, 10),
        "rounds": (3, 1),
        "duration": (8, 3),
        "warmup": (2, 1),
        "read_requests": (200, 30),
        "read_seconds": (30.0, 10.0),
        "claim_repetitions": (20, 3),
        "fg_requests": (400, 100),
        "fg_seconds": (25.0, 8.0),
    }
    for name, (full, small) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, small if quick else full)
    if quick:
        args.quiet_wait = args.scenario_quiet_wait = 0.0
    if not args.pg_db.startswith("bench_"):
        p.error("--pg-db must start with bench_ (it is dropped at the end)")
    if not 1 <= args.establishments <= 200:
        p.error("--establishments: 1 to 200 (a firm's limit)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: `apt-get update && apt-get install -y wrk`", file=sys.stderr)
        return 2
    check_loopback(host_port(args.pg_url)[0])
    signal.signal(signal.SIGTERM, run._raise_exit)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="apart-deployed-") as tmp:
        work = Path(tmp)
        if args.ref:
            args.app_root = work / "src"
            args.ref_sha = run.export_ref(args.ref, args.app_root)
            log(f"exported {args.ref} ({args.ref_sha[:10]}) to {args.app_root}")
        args.app_root = args.app_root.resolve()
        with contextlib.ExitStack() as stack:
            b = Bench(args, work, stack)
            try:
                b.db_url, pg_version = stack.enter_context(
                    run.postgres_database(args.pg_url, args.pg_db)
                )
                Meter.database = args.pg_db
                b.env = {
                    **os.environ,
                    "JWT_SECRET": secrets.token_urlsafe(48),
                    "NIR_ENCRYPTION_KEYS": "bench:"
                    + base64.b64encode(secrets.token_bytes(32)).decode(),
                    "ENVIRONMENT": "production",
                    "DATA_DIR": str(work / "data"),
                    "ACCESS_TOKEN_TTL_SECONDS": str(7 * 24 * 3600),
                    "DB_POOL_SIZE": str(args.pool_size),
                    "DB_MAX_OVERFLOW": str(args.max_overflow),
                }
                b.env.pop("PYTHONPATH", None)
                migrate(b)
                b.proxy = Proxy(args, host_port(b.db_url), work / "proxy.log")
                stack.callback(b.proxy.stop)
                b.proxy.start()
                b.proxy_db_url = with_port(b.db_url, b.proxy.port)
                b.results["pg_rtt"] = {
                    "direct_us": pg_round_trip_us(b.db_url),
                    "proxied_us": pg_round_trip_us(b.proxy_db_url),
                }
                log(f"SELECT 1 round trip: {b.results['pg_rtt']}")
                env = environment(b, pg_version)

                with b.timed("seed"):
                    scenario_seed(b)
                with b.timed("a (proxy)"):
                    scenario_throughput(b, "proxy")
                with b.timed("a (loopback)"):
                    kept = scenario_throughput(b, "loopback")
                assert kept is not None
                project, url = kept
                with b.timed("b"):
                    scenario_reads(b, url)
                with b.timed("c"):
                    scenario_writes(b, url)
                b.remember_memory(project, 2, "a (loopback), b, c")
                project.stop()
                unthrottled = {
                    "LOGIN_MAX_FAILURES_PER_ACCOUNT": "1000000000",
                    "LOGIN_MAX_FAILURES_PER_ADDRESS": "1000000000",
                }
                single, single_url = b.server(
                    "project (1 worker)",
                    "app.main:app",
                    database_url=b.db_url,
                    workers=1,
                    env=unthrottled,
                )
                with b.timed("d"):
                    scenario_isolation(b, single_url)
                with b.timed("e"):
                    scenario_health(b, single_url)
                b.remember_memory(single, 1, "d, e")
                single.stop()
            except BaseException:
                for path in sorted(work.glob("*.log")):
                    log(f"--- {path.name} (last lines)\n{path.read_text(errors='replace')[-3000:]}")
                raise
            finally:
                stack.close()  # stop everything before the logs are read
                logs = "".join(
                    f"--- {path.name}\n{path.read_text(errors='replace')[-20000:]}\n"
                    for path in sorted(work.glob("*.log"))
                    if path.stat().st_size
                )

    b.timings["total"] = round(time.monotonic() - started, 1)
    text = markdown(b, env)
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (OUT / f"deployed-{stamp}.md").write_text(text)
    (OUT / "deployed-latest.md").write_text(text)
    raw = {
        "environment": env,
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "results": b.results,
        "memory": b.memory,
        "timings": b.timings,
        "quiet_waits": b.quiet,
        "pg_connections_at_start": b.pg_connections,
        "firm": {k: v for k, v in asdict(b.firm).items() if k != "claim_ids"} if b.firm else None,
    }
    (OUT / f"deployed-{stamp}.json").write_text(json.dumps(raw, indent=2, ensure_ascii=False))
    if logs:
        (OUT / f"deployed-{stamp}-logs.txt").write_text(logs)
    print(text)
    log(f"wrote bench/out/deployed-{stamp}.md (and .json, deployed-latest.md)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
