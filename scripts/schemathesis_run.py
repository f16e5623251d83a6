"""The contract fuzzed against a live server: schemathesis (every check; the examples, coverage,
fuzzing and stateful phases; seeded and bounded by contract/schemathesis/schemathesis.toml) sends
its requests to the service started here on a scratch SQLite database, as a firm's owner.

    python3 -m venv .venv-schemathesis
    .venv-schemathesis/bin/pip install --require-hashes -r contract/schemathesis/requirements.lock
    .venv/bin/python scripts/schemathesis_run.py [extra schemathesis options]

Exits with schemathesis's code: 0 only when no check failed. The server's log is printed when
something went wrong."""

import base64
import json
import os
import secrets
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from schemathesis_seed import seed

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "contract" / "schemathesis" / "schemathesis.toml"
SCHEMATHESIS = ROOT / ".venv-schemathesis" / "bin" / "schemathesis"
STARTUP_SECONDS = 60
# A run's phases are bounded by the configuration; this bounds the process as a whole.
RUN_SECONDS = 900

FIRM = {
    "name": "Cabinet Contrat",
    "siret": "73282932000074",
    "email": "apart@cabinet-contrat.fr",
    "owner": {
        "email": "owner@cabinet-contrat.fr",
        "full_name": "Claire Contrat",
        "password": secrets.token_urlsafe(18),
    },
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.returncode}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer /readyz within {STARTUP_SECONDS} s")


def set_up(base: str) -> tuple[str, str, str]:
    """Signs the firm up and logs its owner in (the password flow, every scope); adds a member
    for users-update to edit (see schemathesis.toml) and seeds the resources of the other
    operations (schemathesis_seed.py). Returns the token, the member's id and the seeded ids
    (JSON, for contract/schemathesis/hooks.py)."""
    with httpx.Client(base_url=base, timeout=30) as http:
        http.post("/v1/firms", json=FIRM).raise_for_status()
        owner = FIRM["owner"]
        form = {"username": owner["email"], "password": owner["password"]}  # type: ignore[index]
        answer = http.post("/v1/auth/token", data=form).raise_for_status()
        token = str(answer.json()["access_token"])
        member = {
            "email": "member@cabinet-contrat.fr",
            "full_name": "Marc Membre",
            "password": secrets.token_urlsafe(18),
            "role": "member",
        }
        headers = {"Authorization": f"Bearer {token}"}
        answer = http.post("/v1/users", json=member, headers=headers).raise_for_status()
        member_id = str(answer.json()["id"])
        http.headers.update(headers)
        ids = seed(http)
        ids["defaults"]["user_id"] = member_id  # users-get; users-update has it from the toml
        return token, member_id, json.dumps(ids, sort_keys=True)


def main(extra: list[str]) -> int:
    if not SCHEMATHESIS.exists():
        print(f"{SCHEMATHESIS.relative_to(ROOT)} is missing: see this script's docstring")
        return 2
    with tempfile.TemporaryDirectory(prefix="apart-schemathesis-") as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "ENVIRONMENT": "production",
            "DATA_DIR": tmp,
            "JWT_SECRET": secrets.token_urlsafe(48),
            "NIR_ENCRYPTION_KEYS": "run:" + base64.b64encode(os.urandom(32)).decode(),
            # A run lasts minutes: the one token it logs in for must not expire before the end.
            "ACCESS_TOKEN_TTL_SECONDS": "3600",
        }
        env.pop("DATABASE_URL", None)  # the SQLite file of DATA_DIR
        log_path = Path(tmp) / "server.log"
        with log_path.open("wb") as log:
            command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)]
            server = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            code = 1
            try:
                wait_ready(base, server)
                token, member_id, ids = set_up(base)
                run = [str(SCHEMATHESIS), "--config-file", str(CONFIG), "run", "openapi.json"]
                run += ["--url", base, "--header", f"Authorization: Bearer {token}", *extra]
                shown = shlex.join(run).replace(token, "$TOKEN")
                print(f"$ APART_FUZZ_USER_ID={member_id} {shown}", flush=True)
                run_env = {**os.environ, "APART_FUZZ_USER_ID": member_id, "APART_FUZZ_IDS": ids}
                code = subprocess.run(run, cwd=ROOT, env=run_env, timeout=RUN_SECONDS).returncode
            except (RuntimeError, httpx.HTTPError, subprocess.TimeoutExpired) as exc:
                print(f"error: {exc}", file=sys.stderr)
            finally:
                server.terminate()
                try:
                    server.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait(timeout=15)
        if code != 0:
            print("---- server log (last 200 lines) ----")
            print("\n".join(log_path.read_text(errors="replace").splitlines()[-200:]))
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
