"""A real uvicorn server with several worker processes on a scratch database, for the tests
that need true concurrency (the in-process test client runs one request at a time)."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from app.config import Settings
from app.db import make_sync_engine
from tests.conftest import ROOT, TEST_NIR_KEY, TEST_SECRET, ScratchDatabase, migrate

WORKERS = 4
STARTUP_SECONDS = 90  # 4 workers importing the app on a loaded 2-CPU machine can be slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(base: str, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    """Until the server started as `proc` (its output in `log_path`) answers /readyz; fails
    with that output if it exits or takes longer than STARTUP_SECONDS."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, log_path.read_text()
        assert time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.2)


@contextmanager
def live_server(
    tmp: Path,
    label: str,
    *,
    workers: int = WORKERS,
    env: dict[str, str] | None = None,
    serve: bool = False,
) -> Iterator[str]:
    """Migrate a scratch database, start uvicorn on it, yield its base URL, stop it, drop it.
    `env` adds settings (e.g. a small pool) for the server. `serve`: started by the service's
    own command (`python -m app.cli serve`), with the uvicorn options it chooses, instead of
    uvicorn's command line."""
    db = ScratchDatabase(tmp, label)
    engine = make_sync_engine(Settings(database_url=db.url, jwt_secret=TEST_SECRET, data_dir=tmp))
    migrate(engine)
    engine.dispose()
    port = free_port()
    server_env = {
        **os.environ,
        "DATABASE_URL": db.url,
        "JWT_SECRET": TEST_SECRET,
        "NIR_ENCRYPTION_KEYS": TEST_NIR_KEY,
        "DATA_DIR": str(tmp),
        "ENVIRONMENT": "production",
        # The race tests check invariants, not overload: on a loaded 2-core machine SQLite's
        # writers across 4 processes can wait longer than the production timeouts allow.
        # (tests/platform/test_overload.py sets its own.)
        "DB_LOCK_TIMEOUT_SECONDS": "30",
        "DB_ADMISSION_TIMEOUT_SECONDS": "30",
        **(env or {}),
    }
    log_path = tmp / "server.log"
    log = log_path.open("wb")
    if serve:
        command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
        command += ["--workers", str(workers)]
    else:
        command = [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port)]
        command += ["--workers", str(workers), "--no-access-log"]
    proc = subprocess.Popen(command, cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc, log_path)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        db.drop()
