"""`python -m app.cli serve` as an operator runs it: migrations, then uvicorn, in one process."""

import logging
import os
import subprocess
import sys

import httpx
import pytest

from tests.conftest import ROOT, TEST_SECRET, ScratchDatabase
from tests.support.live_server import free_port, wait_ready


@pytest.mark.server
def test_readyz_probes_log_nothing_from_alembic(tmp_path):
    db = ScratchDatabase(tmp_path, "serve")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": db.url, "JWT_SECRET": TEST_SECRET}
    env["DATA_DIR"] = str(tmp_path)
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "1"]
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc, log_path)
        started = log_path.read_text()
        for _ in range(3):
            assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        db.drop()
    output = log_path.read_text()
    # The migrations at start-up log their context once; the probes add nothing of alembic's.
    assert "Context impl" in started
    assert output.count("[alembic") == started.count("[alembic"), output


def test_readyz_logs_nothing_at_info(client, caplog):
    with caplog.at_level(logging.INFO):
        assert client.get("/readyz").status_code == 200
    assert [r.getMessage() for r in caplog.records if r.name.startswith("alembic")] == []


def test_a_process_settles_its_memory_once_as_it_starts_serving():
    """What start-up made is frozen out of the collector's reach, and the young generation is
    collected every 10,000 objects rather than 700; a second app changes nothing."""
    script = (
        "import gc; from app.main import YOUNG_GENERATION, settle_memory; "
        "before = gc.get_threshold(); settle_memory(); frozen = gc.get_freeze_count(); "
        "gc.set_threshold(*before); settle_memory(); "
        "print(frozen > 1000, gc.get_freeze_count() == frozen, gc.get_threshold() == before, "
        "YOUNG_GENERATION)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "True", "10000"]


def test_settling_memory_sets_the_young_generation_threshold():
    script = (
        "import gc; from app.main import settle_memory; settle_memory(); print(*gc.get_threshold())"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["10000", "10", "10"]
