"""Generated clients in CI: from the committed openapi.json, generate the Python client
(openapi-python-client) and the TypeScript types (openapi-typescript, for openapi-fetch) into a
scratch folder, start the service on a scratch SQLite database, drive the scenario through each
client (scenario.py, scenario.ts), stop the service. Exits non-zero on any failure.

    .venv/bin/python contract/clients/run.py     # from the project's root, after its install

The tools come from this folder's locks: `npm ci` here (package-lock.json), openapi-python-client
in a virtual environment of its own (requirements.lock, with hashes). Every step and every wait
has a time bound; the server is stopped on failure too. Uses only the standard library; the
service runs under this interpreter (the project's).
"""

import base64
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OPENAPI = ROOT / "openapi.json"
STARTUP_SECONDS = 60


def run(*command: str | Path, timeout: float, cwd: Path = HERE, env: dict | None = None) -> None:
    print("$", " ".join(str(part) for part in command), flush=True)
    subprocess.run(command, cwd=cwd, env=env, timeout=timeout, check=True)


def python_client(work: Path) -> Path:
    """openapi-python-client from requirements.lock in a venv of its own, the client generated
    into `work`, the scenario type-checked; that venv's interpreter, which has the client's
    dependencies (httpx, attrs)."""
    venv = work / "venv"
    run(sys.executable, "-m", "venv", venv, timeout=120)
    pip = [venv / "bin" / "pip", "install", "-q", "--disable-pip-version-check"]
    run(*pip, "--require-hashes", "-r", HERE / "requirements.lock", timeout=300)
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}  # its ruff
    package = work / "python" / "apart_api_client"
    generate = [venv / "bin" / "openapi-python-client", "generate", "--path", OPENAPI]
    generate += ["--output-path", package, "--meta", "none", "--fail-on-warning"]
    run(*generate, timeout=120, env=env)
    # The scenario type-checked against the generated package (the project's mypy), as the
    # TypeScript one is by tsc; the package's own code is the generator's, its errors not ours.
    check = [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent"]
    check += ["--cache-dir", work / "mypy-cache", HERE / "scenario.py"]
    run(*check, timeout=180, env={**os.environ, "MYPYPATH": str(package.parent)})
    return venv / "bin" / "python"


def typescript_client(work: Path) -> Path:
    """The types generated into `work`, the scenario compiled beside them (`tsc --strict`; a
    type error fails the build); the compiled scenario."""
    run("npm", "ci", "--no-audit", "--no-fund", timeout=300)
    ts = work / "typescript"
    ts.mkdir()
    run("node", HERE / "generate-types.mjs", OPENAPI, ts / "apart-api.d.ts", timeout=120)
    for name in ("package.json", "scenario.ts", "tsconfig.json"):  # package.json: ESM
        shutil.copy(HERE / name, ts / name)
    (ts / "node_modules").symlink_to(HERE / "node_modules")
    run(HERE / "node_modules" / ".bin" / "tsc", "-p", ts, timeout=180)
    return ts / "out" / "scenario.js"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def server(work: Path) -> Iterator[str]:
    """The service as in production (`serve`: migrations, then uvicorn) on a scratch SQLite
    database, with secrets of its own; its base URL until it is stopped."""
    data = work / "data"
    data.mkdir()
    key = base64.b64encode(os.urandom(32)).decode()
    env = {
        **os.environ,
        "ENVIRONMENT": "production",
        "DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'app.db'}",
        "JWT_SECRET": secrets.token_urlsafe(48),
        "NIR_ENCRYPTION_KEYS": f"ci:{key}",
    }
    port = free_port()
    command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "1"]
    log_path = work / "server.log"
    base = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        # Started in the scratch folder, so that no `.env` of a working copy applies.
        proc = subprocess.Popen(command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not answers(f"{base}/readyz"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the service did not start:\n{log_path.read_text()}")
                time.sleep(0.2)
            yield base
        except BaseException:
            print(f"--- the service's log\n{log_path.read_text()[-5000:]}", file=sys.stderr)
            raise
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def main() -> None:
    # Stopped by CI's `timeout` (SIGTERM): unwind, so that the server is stopped and the
    # scratch folder removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="apart-clients-") as tmp:
        work = Path(tmp)
        python = python_client(work)
        scenario_js = typescript_client(work)
        with server(work) as base:
            env = {**os.environ, "PYTHONPATH": str(work / "python")}
            run(python, HERE / "scenario.py", base, timeout=120, env=env)
            run("node", scenario_js, base, timeout=120)
    print(f"generated clients: both scenarios passed in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
