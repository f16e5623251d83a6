"""Command line: `python -m app.cli {migrate,serve,create-firm,openapi,worker}`."""

import argparse
import asyncio
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError

ROOT = Path(__file__).resolve().parent.parent


def migrate() -> None:
    from alembic import command
    from alembic.config import Config

    command.upgrade(Config(str(ROOT / "alembic.ini")), "head")


def serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    from app.config import get_settings

    migrate()
    trusted = get_settings().forwarded_allow_ips.strip()
    # uvicorn alone believes X-Forwarded-For from 127.0.0.1: forwarded headers are read only
    # when FORWARDED_ALLOW_IPS names the proxies that send them.
    uvicorn.run(
        "app.main:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
    )


def create_firm(args: argparse.Namespace) -> int:
    from pydantic import ValidationError
    from sqlmodel.ext.asyncio.session import AsyncSession

    from app.config import get_settings
    from app.db import make_engine
    from app.errors import DomainError
    from app.firms import service
    from app.firms.models import FirmCreate

    password = os.environ.get("OWNER_PASSWORD") or getpass.getpass("Owner password: ")
    try:
        data = FirmCreate.model_validate(
            {
                "name": args.name,
                "siret": args.siret,
                "email": args.email,
                "owner": {
                    "email": args.owner_email,
                    "full_name": args.owner_name,
                    "password": password,
                },
            }
        )
    except ValidationError as exc:
        print(exc, file=sys.stderr)
        return 2

    async def create() -> int:
        engine = make_engine(get_settings())
        try:
            async with AsyncSession(engine, expire_on_commit=False) as session:
                try:
                    firm = await service.create_firm(session, data=data)
                    await session.commit()
                except DomainError as exc:
                    print(f"error: {exc.code}: {exc.detail}", file=sys.stderr)
                    return 1
                print(firm.id)
        finally:
            await engine.dispose()
        return 0

    return asyncio.run(create())


def worker(once: bool, max_seconds: float | None) -> int:
    """The webhook delivery loop until SIGTERM or SIGINT (the batch under way is finished)."""
    import signal

    from app.config import get_settings
    from app.core import crypto
    from app.db import make_engine
    from app.webhooks import worker as loop

    settings = get_settings()
    crypto.install(crypto.FieldCipher(settings.nir_keys))  # the endpoints' secrets

    async def deliver() -> None:
        stop = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        engine = make_engine(settings)
        try:
            await loop.run(
                loop.sender(engine, settings),
                poll_seconds=settings.webhook_poll_seconds,
                scan_seconds=settings.webhook_scan_interval_seconds,
                stop=stop,
                once=once,
                max_seconds=max_seconds,
            )
        finally:
            await engine.dispose()

    asyncio.run(deliver())
    return 0


def _media_types(node: Any) -> bool:
    return isinstance(node, dict) and all("/" in key for key in node)


def _sorted(node: Any, media_types: bool = False) -> Any:
    """`node` with the keys of its objects sorted, except the media types of a body or an
    answer: a generator that reads only one of them takes the first (the export's CSV)."""
    if isinstance(node, dict):
        keys = list(node) if media_types else sorted(node)
        return {k: _sorted(node[k], k == "content" and _media_types(node[k])) for k in keys}
    if isinstance(node, list):
        return [_sorted(item) for item in node]
    return node


def write_openapi(path: Path) -> None:
    import secrets

    from app.config import Settings
    from app.main import create_app

    # The document does not depend on the secret; a throwaway one avoids writing a dev secret.
    spec = create_app(Settings(jwt_secret=secrets.token_urlsafe(48))).openapi()
    path.write_text(json.dumps(_sorted(spec), indent=2, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="upgrade the database schema to the latest migration")
    p_serve = sub.add_parser("serve", help="migrate, then run the API with uvicorn")
    p_serve.add_argument("--host", default="127.0.0.1")
    p_serve.add_argument("--port", type=int, default=8000)
    p_serve.add_argument("--workers", type=int, default=1)
    p_firm = sub.add_parser(
        "create-firm",
        help="create a firm account and its owner (password: OWNER_PASSWORD or prompt)",
    )
    for name in ("name", "siret", "email", "owner-email", "owner-name"):
        p_firm.add_argument(f"--{name}", required=True)
    p_api = sub.add_parser("openapi", help="write the OpenAPI document")
    p_api.add_argument("--output", type=Path, default=ROOT / "openapi.json")
    p_worker = sub.add_parser("worker", help="deliver webhooks until SIGTERM")
    p_worker.add_argument(
        "--once",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="stop as soon as nothing is due (tests, CI)",
    )
    p_worker.add_argument("--max-seconds", type=float, default=None, help="stop after this long")
    args = parser.parse_args(argv)

    if args.command != "openapi":  # the document is made with throwaway settings
        from app.config import configuration_problems

        problems = configuration_problems()
        for problem in problems:
            print(f"configuration error: {problem}", file=sys.stderr)
        if problems:
            return 2
    try:
        if args.command == "migrate":
            migrate()
        elif args.command == "serve":
            serve(args.host, args.port, args.workers)
    except OperationalError as exc:  # migrations come first: the database is not reachable
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        print(f"error: the database cannot be reached: {reason}", file=sys.stderr)
        return 2
    if args.command == "create-firm":
        return create_firm(args)
    if args.command == "openapi":
        write_openapi(args.output)
    if args.command == "worker":
        try:
            return worker(args.once, args.max_seconds)
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            print(f"error: the database cannot be reached: {reason}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
