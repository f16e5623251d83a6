"""A TCP proxy that adds a one-way delay in each direction, like a network hop to a database.

    .venv/bin/python bench/latency_proxy.py --listen 6432 --target 127.0.0.1:5432 --delay-ms 0.5

Every chunk read from one side is written to the other side `delay` after it arrived, in order
per connection and direction. Chunks are scheduled, not queued behind each other: a chunk that
arrives while another one waits goes out `delay` after its own arrival, so the delay adds latency
without serialising throughput (the way a link's propagation delay behaves).

Timers: asyncio's default epoll selector sleeps in whole milliseconds (a 0.5 ms timer would fire
after about 1 ms), so the proxy runs its loop on `select()`, whose timeout has microsecond
resolution, and sets its timer a calibrated bit early (see `_Schedule`). The delays it actually
applied are in its statistics (`applied_delay`), and `--selftest` measures a round trip through
it against an echo server. It is plain Python: each chunk costs it some CPU (tens of µs, more
on a busy machine), which a real network hop would not take from the benchmark's CPUs.

It also counts, for each connection, the client's turns (a client write that follows an answer
of the server: a round trip the client waited for) and, optionally (`pg_count=True`), the
PostgreSQL frontend messages (Query, Parse, Bind, Execute, Sync...) so that the SQL statements
and round trips of a request can be read off the wire, whatever the application does.

Importable (`LatencyProxy`, `ProxyThread`) and runnable as a subprocess; as a subprocess it
prints `listening on HOST:PORT` once ready, and a line `STATS {json}` on stderr on SIGUSR1 and
on exit (SIGTERM/SIGINT).
Only loopback addresses are accepted, for listening and as target.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import select
import selectors
import signal
import socket
import statistics
import struct
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

# PostgreSQL requests sent before the startup message, without a type byte (protocol docs).
_SSL_REQUEST, _GSSENC_REQUEST, _CANCEL_REQUEST = 80877103, 80877104, 80877102
PG_MESSAGES = {
    "Q": "query",  # simple query protocol
    "P": "parse",
    "B": "bind",
    "E": "execute",
    "D": "describe",
    "S": "sync",
    "H": "flush",
    "C": "close",
    "X": "terminate",
}


def check_loopback(host: str) -> None:
    """Refuse anything but a loopback address (this tool is for benchmarks on one machine)."""
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror as exc:
        raise ValueError(f"cannot resolve {host!r}: {exc}") from exc
    for info in infos:
        if not ipaddress.ip_address(info[4][0]).is_loopback:
            raise ValueError(f"{host!r} is not a loopback address")


class PgFrontendCounter:
    """Counts the messages a PostgreSQL client sends (types only; payloads are skipped)."""

    def __init__(self, counts: Counter[str] | None = None) -> None:
        self.counts: Counter[str] = Counter() if counts is None else counts
        self._started = False  # past the untyped startup message(s)
        self._header = bytearray()
        self._skip = 0

    def feed(self, data: bytes) -> None:
        i, n = 0, len(data)
        while i < n:
            if self._skip:
                take = min(self._skip, n - i)
                self._skip -= take
                i += take
                continue
            need = (5 if self._started else 8) - len(self._header)
            chunk = data[i : i + need]
            self._header += chunk
            i += len(chunk)
            if len(chunk) < need:
                return
            if self._started:
                kind = chr(self._header[0])
                (length,) = struct.unpack("!i", self._header[1:5])
                self.counts[PG_MESSAGES.get(kind, f"other:{kind}")] += 1
                self._skip = max(length - 4, 0)
            else:
                length, code = struct.unpack("!ii", self._header)
                if code == _CANCEL_REQUEST:
                    self.counts["cancel"] += 1
                elif code not in (_SSL_REQUEST, _GSSENC_REQUEST):
                    self.counts["startup"] += 1
                    self._started = True
                self._skip = max(length - 8, 0)
            self._header.clear()

    @property
    def statements(self) -> int:
        """Statements the server was asked to run: simple queries plus Execute messages."""
        return self.counts["query"] + self.counts["execute"]


@dataclass
class ProxyStats:
    connections: int = 0
    open_connections: int = 0
    bytes_to_server: int = 0
    bytes_to_client: int = 0
    chunks: int = 0
    client_turns: int = 0  # round trips the clients waited for (see the module docstring)
    pg: Counter[str] = field(default_factory=Counter)

    def snapshot(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "pg"}
        out["pg"] = dict(self.pg)
        out["pg_statements"] = self.pg["query"] + self.pg["execute"]
        return out


class _Schedule:
    """Every chunk of every connection, in arrival order, each written `delay` after it came.

    The delay is the same for all, so arrival order is also due order: one queue and one timer
    serve the whole proxy (a burst of chunks costs one wake-up, not one each), and the order
    within each connection and direction is kept. A VM's timers fire late (about 80 µs here,
    even for time.sleep), so the timer is set `early` before the head chunk is due, `early` being
    the median lateness of a few timed sleeps measured at start-up (`calibrate`); whatever is due
    by then is written at once. The one-way delays actually applied are kept (`summary`): under
    load, a busy proxy adds more than asked."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.early = 0.0
        self.queue: deque[tuple[float, _Direction, bytes | None]] = deque()  # None: end
        self.timer: asyncio.TimerHandle | None = None
        self.applied: deque[float] = deque(maxlen=20000)  # seconds, most recent chunks
        self._loop: asyncio.AbstractEventLoop | None = None

    def calibrate(self, loop: asyncio.AbstractEventLoop, samples: int = 40) -> None:
        self._loop = loop
        if self.delay <= 0:
            return
        late = []
        for _ in range(samples):
            start = time.monotonic()
            select.select([], [], [], self.delay)
            late.append(time.monotonic() - start - self.delay)
        self.early = min(max(statistics.median(late), 0.0), self.delay / 2)

    def add(self, direction: _Direction, data: bytes | None) -> None:
        assert self._loop is not None
        arrival = self._loop.time()
        self.queue.append((arrival, direction, data))
        direction.pending += 1
        if self.timer is None:
            self.timer = self._loop.call_at(arrival + self.delay - self.early, self._flush)

    def _flush(self) -> None:
        assert self._loop is not None
        self.timer = None
        now = self._loop.time()
        horizon = now + self.early - self.delay  # chunks that arrived by then are due
        queue = self.queue
        while queue and queue[0][0] <= horizon:
            arrival, direction, data = queue.popleft()
            direction.pending -= 1
            if data is None:
                direction.finished()
            else:
                direction.write(data)
                self.applied.append(now - arrival)
        if queue:
            self.timer = self._loop.call_at(queue[0][0] + self.delay - self.early, self._flush)

    def summary(self) -> dict[str, float]:
        if not self.applied:
            return {}
        values = sorted(self.applied)
        pick = lambda q: round(values[min(len(values) - 1, int(q * len(values)))] * 1e6, 1)  # noqa: E731
        return {
            "chunks": len(values),
            "median_us": pick(0.5),
            "p90_us": pick(0.9),
            "p99_us": pick(0.99),
            "timer_early_us": round(self.early * 1e6, 1),
        }


class _Direction:
    """What one side reads, for the other side's transport (through the schedule)."""

    def __init__(self, schedule: _Schedule, stats: ProxyStats) -> None:
        self.schedule = schedule
        self.stats = stats
        self.dest: asyncio.Transport | None = None
        self.pending = 0  # entries in the schedule
        self.alive = True
        self.finish: Callable[[], None] | None = None  # eof or close, after the last chunk

    def push(self, data: bytes) -> None:
        self.stats.chunks += 1
        if self.schedule.delay <= 0:
            self.write(data)
        else:
            self.schedule.add(self, data)

    def end(self, finish: Callable[[], None]) -> None:
        self.finish = finish
        if self.pending == 0:
            self.finished()
        else:
            self.schedule.add(self, None)

    def write(self, data: bytes) -> None:
        if self.alive and self.dest is not None and not self.dest.is_closing():
            self.dest.write(data)

    def finished(self) -> None:
        finish, self.finish = self.finish, None
        if finish is not None and self.alive:
            finish()

    def drop(self) -> None:
        self.alive = False  # its queued chunks are skipped


class _Side(asyncio.Protocol):
    """One end of a proxied connection; `outgoing` carries what it reads to the other end."""

    def __init__(self, conn: _Connection, is_client: bool) -> None:
        self.conn = conn
        self.is_client = is_client
        self.transport: asyncio.Transport | None = None
        self.outgoing = _Direction(conn.proxy.schedule, conn.proxy.stats)
        self.closed = False
        self.eof_delivered = False  # this side's end of stream reached the other side

    @property
    def peer(self) -> _Side:
        return self.conn.server if self.is_client else self.conn.client

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        with contextlib.suppress(OSError):
            transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.is_client:
            transport.pause_reading()  # until the server side is connected
            self.conn.proxy.spawn(self.conn.connect_upstream())

    def data_received(self, data: bytes) -> None:
        self.conn.observe(data, from_client=self.is_client)
        self.outgoing.push(data)

    def eof_received(self) -> bool:
        def half_close() -> None:
            self.eof_delivered = True
            peer = self.peer
            dest = peer.transport
            if dest is None or dest.is_closing():
                return
            if peer.eof_delivered:  # both directions are done
                dest.close()
                if self.transport is not None:
                    self.transport.close()
            elif dest.can_write_eof():
                dest.write_eof()

        self.outgoing.end(half_close)
        return True  # keep the other direction open

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        peer = self.peer
        peer.outgoing.drop()  # nobody to deliver them to

        def close_peer() -> None:
            if peer.transport is not None:
                peer.transport.close()

        self.outgoing.end(close_peer)
        self.conn.side_closed()

    # Backpressure: when the other side's socket buffer is full, stop reading from this one.
    def pause_writing(self) -> None:
        if self.peer.transport is not None and not self.peer.closed:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer.transport is not None and not self.peer.closed:
            self.peer.transport.resume_reading()


class _Connection:
    def __init__(self, proxy: LatencyProxy) -> None:
        self.proxy = proxy
        self.client = _Side(self, is_client=True)
        self.server = _Side(self, is_client=False)
        self.server_spoke = True  # the first client write is a turn too
        self.counter = PgFrontendCounter(proxy.stats.pg) if proxy.pg_count else None
        self.open_sides = 2

    def observe(self, data: bytes, *, from_client: bool) -> None:
        stats = self.proxy.stats
        if from_client:
            stats.bytes_to_server += len(data)
            if self.server_spoke:
                stats.client_turns += 1
                self.server_spoke = False
            if self.counter is not None:
                self.counter.feed(data)  # counts into stats.pg
        else:
            stats.bytes_to_client += len(data)
            self.server_spoke = True

    def side_closed(self) -> None:
        self.open_sides -= 1
        if self.open_sides == 0:
            self.proxy.stats.open_connections -= 1

    async def connect_upstream(self) -> None:
        client = self.client.transport
        assert client is not None
        try:
            await self.proxy.loop.create_connection(
                lambda: self.server, self.proxy.target_host, self.proxy.target_port
            )
        except OSError:
            client.close()
            return
        self.client.outgoing.dest = self.server.transport
        self.server.outgoing.dest = client
        client.resume_reading()


class LatencyProxy:
    """The proxy on a running event loop: `await start()`, then `await close()`."""

    def __init__(
        self,
        target_host: str,
        target_port: int,
        *,
        delay_ms: float = 0.5,
        listen_host: str = "127.0.0.1",
        listen_port: int = 0,
        pg_count: bool = False,
    ) -> None:
        check_loopback(listen_host)
        check_loopback(target_host)
        self.target_host, self.target_port = target_host, target_port
        self.listen_host, self.listen_port = listen_host, listen_port
        self.schedule = _Schedule(delay_ms / 1000.0)
        self.pg_count = pg_count
        self.stats = ProxyStats()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None, "start() first"
        return self._loop

    def _accept(self) -> asyncio.Protocol:
        conn = _Connection(self)
        self.stats.connections += 1
        self.stats.open_connections += 1
        return conn.client

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = self.loop.create_task(coro)
        self._tasks.add(task)  # keep a reference until it is done
        task.add_done_callback(self._tasks.discard)

    async def start(self) -> int:
        self._loop = asyncio.get_running_loop()
        self.schedule.calibrate(self._loop)
        self._server = await self.loop.create_server(
            self._accept, self.listen_host, self.listen_port, reuse_address=True
        )
        self.listen_port = int(self._server.sockets[0].getsockname()[1])
        return self.listen_port

    def snapshot(self) -> dict[str, Any]:
        return {**self.stats.snapshot(), "applied_delay": self.schedule.summary()}

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None


def new_loop() -> asyncio.AbstractEventLoop:
    """An event loop whose timers are precise to the microsecond (select(), not epoll)."""
    return asyncio.SelectorEventLoop(selectors.SelectSelector())


class ProxyThread:
    """The proxy on its own thread and loop, for use inside another program:

    with ProxyThread("127.0.0.1", 5432, delay_ms=0.5) as proxy:
        ...  # connect to 127.0.0.1:proxy.port; proxy.stats() reads the counters
    """

    def __init__(self, target_host: str, target_port: int, **options: Any) -> None:
        self._args = (target_host, target_port)
        self._options = options
        self._loop = new_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="latency-proxy", daemon=True)
        self._error: BaseException | None = None
        self.proxy: LatencyProxy | None = None
        self.port = 0

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
        except BaseException as exc:  # reported by __enter__
            self._error = exc
            self._ready.set()
        finally:
            self._loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        self.proxy = LatencyProxy(*self._args, **self._options)
        self.port = await self.proxy.start()
        self._ready.set()
        await self._stop.wait()
        await self.proxy.close()

    def stats(self) -> dict[str, Any]:
        """A consistent copy of the counters, read on the proxy's own loop."""
        assert self.proxy is not None
        proxy = self.proxy

        async def read() -> dict[str, Any]:
            return proxy.snapshot()

        return asyncio.run_coroutine_threadsafe(read(), self._loop).result(timeout=10)

    def __enter__(self) -> ProxyThread:
        self._thread.start()
        if not self._ready.wait(timeout=10) or self._error is not None:
            raise RuntimeError(f"the proxy did not start: {self._error!r}")
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._stop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)


def measure_rtt(host: str, port: int, rounds: int = 200) -> float:
    """Median µs of a 1-byte ping-pong round trip to an echo-like `host:port` (see selftest)."""
    with socket.create_connection((host, port), timeout=5) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        samples = []
        for _ in range(rounds):
            start = time.perf_counter()
            s.sendall(b"x")
            if s.recv(1) != b"x":
                raise RuntimeError("echo mismatch")
            samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def selftest(delay_ms: float) -> dict[str, Any]:
    """Round trip through the proxy against an echo server, direct and proxied (µs)."""

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(asyncio.start_server(echo, "127.0.0.1", 0))
    echo_port = int(server.sockets[0].getsockname()[1])
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    with ProxyThread("127.0.0.1", echo_port, delay_ms=delay_ms) as proxy:
        direct = measure_rtt("127.0.0.1", echo_port)
        proxied = measure_rtt("127.0.0.1", proxy.port)
        applied = proxy.stats()["applied_delay"]
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)
    server.close()
    loop.close()
    rtt = {"direct_us": direct, "proxied_us": proxied, "added_us": proxied - direct}
    return {**{k: round(v, 1) for k, v in rtt.items()}, "applied_delay": applied}


def _host_port(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


async def _serve_forever(proxy: LatencyProxy, stats_out: Any) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def report() -> None:
        print("STATS " + json.dumps(proxy.snapshot()), file=stats_out, flush=True)

    loop.add_signal_handler(signal.SIGUSR1, report)
    port = await proxy.start()
    print(f"listening on {proxy.listen_host}:{port}", flush=True)
    await stop.wait()
    await proxy.close()
    report()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--listen", default="0", help="[HOST:]PORT to listen on (0: any free port)")
    p.add_argument("--target", help="HOST:PORT to forward to (loopback only)")
    p.add_argument("--delay-ms", type=float, default=0.5, help="one-way delay per direction")
    p.add_argument("--pg-count", action="store_true", help="count PostgreSQL frontend messages")
    p.add_argument("--selftest", action="store_true", help="measure the added round trip")
    args = p.parse_args(argv)
    if args.selftest:
        print(json.dumps(selftest(args.delay_ms)))
        return 0
    if not args.target:
        p.error("--target is required")
    listen_host, listen_port = _host_port(args.listen)
    target_host, target_port = _host_port(args.target)
    try:
        proxy = LatencyProxy(
            target_host,
            target_port,
            delay_ms=args.delay_ms,
            listen_host=listen_host,
            listen_port=listen_port,
            pg_count=args.pg_count,
        )
    except ValueError as exc:
        p.error(str(exc))
    loop = new_loop()
    try:
        loop.run_until_complete(_serve_forever(proxy, sys.stderr))
    finally:
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
