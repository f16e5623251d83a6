"""Safe retries of POSTs that carry an `Idempotency-Key` (IETF httpapi idempotency-key draft).

A plain ASGI middleware: a request without the header costs a method comparison and a look
through its headers, nothing more. With it:

1. the key is checked (1-255 printable ASCII characters, bare or as a quoted string);
2. the body is read whole and fingerprinted (SHA-256), the caller authenticated (its firm
   account owns the key; no token: the sign-up, keyed by the key alone);
3. the key is claimed: an INSERT, committed at once, that wins or loses on the unique
   (firm account, key) constraint; that is how two requests racing with one key are decided,
   on both databases. The loser reads the record: a finished one with the same method, path
   and fingerprint is replayed, another request is 422 `idempotency_key_reused`, one still in
   flight 409 `idempotency_key_in_flight`;
4. the request runs with its answer held back. A use case that succeeds hands its transaction
   over still open (`app.db.DEFERRED_COMMIT`): the answer is written into the record in that
   same transaction, and both are committed before the answer is sent, so no crash leaves a
   done operation without its answer or the reverse. Answers of use cases that failed (their
   writes rolled back) are written on their own.

Not kept (the claim is given back, a retry runs again): 5xx (a 503 overloaded too), 401, 403,
408 and 429, whose retries may succeed as the same request. The `/v1/auth/` and
`/v1/api-clients` operations are never kept: their answers carry tokens or client secrets, which
are stored nowhere in clear.
"""

import hashlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import State
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.core.clock import Clock
from app.core.principal import Principal
from app.db import DEFERRED_COMMIT, Gate, SessionSource
from app.errors import DomainError, InvalidInput, Overloaded
from app.idempotency.errors import HEADER, KeyInFlight, KeyReused
from app.idempotency.models import ANONYMOUS, IdempotencyRecord
from app.problems import domain_problem

log = logging.getLogger("app.idempotency")

REPLAYED = (b"idempotent-replayed", b"true")
EXCLUDED_PREFIXES = ("/v1/auth/", "/v1/api-clients")
# Headers of an answer that a replay repeats (the others are the service's own, set again).
KEPT_HEADERS = frozenset((b"content-type", b"location", b"etag"))
# Answers a retry may turn into another one: never kept.
NOT_KEPT = frozenset((401, 403, 408, 429))
# A claim still in flight after this long was left by a process that died (its transaction
# rolled back with it): the next retry takes it over.
LEASE = timedelta(seconds=60)
_AGAIN = object()
_TABLE = IdempotencyRecord.__table__  # type: ignore[attr-defined]
_C = _TABLE.c

Authenticate = Callable[[Request, Sequence[str]], Awaitable[Principal]]


def parse_key(raw: bytes) -> str:
    """The key: 1-255 printable ASCII characters, sent bare or (as the draft writes it) as a
    structured-field string in double quotes, without escapes."""
    text = raw.decode("latin-1")
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
        if '"' in text or "\\" in text:
            raise _bad_key("a quoted key may not hold a quote or a backslash")
    if not 1 <= len(text) <= 255:
        raise _bad_key("must be 1 to 255 characters long")
    if not all(" " <= c <= "~" for c in text):
        raise _bad_key("only printable ASCII characters are allowed")
    return text


def _bad_key(message: str) -> InvalidInput:
    return InvalidInput(HEADER, message, type="idempotency_key_format", location="header")


@dataclass(slots=True)
class Stored:
    status: int
    headers: list[list[str]]
    body: bytes


class _Taker:
    """Takes the use case's transaction when it succeeds (`app.db._write_session`)."""

    __slots__ = ("gate", "session")

    def __init__(self) -> None:
        self.session: AsyncSession | None = None
        self.gate: Gate | None = None

    def take(self, session: AsyncSession, gate: Gate) -> None:
        self.session, self.gate = session, gate


class IdempotencyKeys:
    def __init__(self, app: ASGIApp, *, authenticate: Authenticate) -> None:
        self.app = app
        self.authenticate = authenticate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        raw = [value for name, value in scope["headers"] if name == b"idempotency-key"]
        if not raw:
            await self.app(scope, receive, send)
            return
        try:
            if len(raw) > 1:
                raise _bad_key("send it once")
            key = parse_key(raw[0])
        except DomainError as exc:
            await domain_problem(exc)(scope, receive, send)
            return
        if scope["path"].startswith(EXCLUDED_PREFIXES):
            await self.app(scope, receive, send)  # tokens and secrets are never kept
            return
        await _Request(self, scope, receive, send, key).run()


class _Request:
    """One keyed POST through the middleware."""

    def __init__(
        self, outer: IdempotencyKeys, scope: Scope, receive: Receive, send: Send, key: str
    ) -> None:
        self.outer, self.scope, self.receive, self.send, self.key = outer, scope, receive, send, key
        state: State = scope["app"].state
        self.settings: Settings = state.settings
        self.clock: Clock = state.clock
        self.factory: SessionSource = state.session_factory
        self.gate: Gate = state.write_gate
        query = scope.get("query_string", b"").decode("latin-1")
        self.path = scope["path"] + (f"?{query}" if query else "")
        self.body = b""
        self.body_given = False
        self.read_error: HTTPException | None = None
        self.record_id: uuid.UUID | None = None

    async def run(self) -> None:
        await self._read_body()
        owner = None if self.read_error else await self._owner()
        if owner is None:
            # A body over its limit (the app answers 413) or a caller it refuses (401):
            # nothing to keep.
            await self.outer.app(self.scope, self._replay_body, self.send)
            return
        fingerprint = hashlib.sha256(self.body).hexdigest()
        try:
            stored = await self._claim(owner, fingerprint)
        except (OperationalError, PoolTimeout):  # no connection, or SQLite's lock held
            stored = Overloaded()
        except DomainError as exc:
            stored = exc
        if isinstance(stored, DomainError):
            await domain_problem(stored)(self.scope, self.receive, self.send)
        elif stored is not None:
            await self._replay(stored)
        else:
            await self._run_claimed()

    async def _read_body(self) -> None:
        chunks: list[bytes] = []
        more = True
        try:
            while more:
                message = await self.receive()
                if message["type"] != "http.request":
                    break
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
        except HTTPException as exc:  # over MAX_JSON_BYTES / MAX_UPLOAD_BYTES while streamed
            self.read_error = exc
        self.body = b"".join(chunks)

    async def _replay_body(self) -> Message:
        if self.read_error is not None:
            raise self.read_error
        if not self.body_given:
            self.body_given = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        return await self.receive()

    async def _owner(self) -> uuid.UUID | None:
        """The caller's firm account, its token and status checked as the routes do; None for
        a caller the app will refuse."""
        if not any(name == b"authorization" for name, _ in self.scope["headers"]):
            return ANONYMOUS
        try:
            principal = await self.outer.authenticate(Request(self.scope), ())
        except DomainError:
            return None
        return principal.firm_account_id

    def _session(self) -> AsyncSession:
        return self.factory(write=True)

    async def _claim(self, owner: uuid.UUID, fingerprint: str) -> Stored | DomainError | None:
        """None once this request owns the key; the answer to replay otherwise."""
        now = self.clock.now()
        ttl = timedelta(seconds=self.settings.idempotency_ttl_seconds)
        for _ in range(3):
            async with self.gate:
                session = self._session()
                try:
                    outcome = await self._try_claim(session, owner, fingerprint, now, ttl)
                finally:
                    await session.close()
            if outcome is not _AGAIN:
                return outcome  # type: ignore[return-value]
        raise KeyInFlight()

    async def _try_claim(
        self,
        session: AsyncSession,
        owner: uuid.UUID,
        fingerprint: str,
        now: datetime,
        ttl: timedelta,
    ) -> object:
        """None (claimed), the `Stored` answer, or `_AGAIN`."""
        try:
            # The firm's expired keys go first (this one too, if it is).
            await session.exec(
                delete(_TABLE).where(_C.firm_account_id == owner, _C.created_at <= now - ttl)
            )
            record_id = uuid.uuid4()
            await session.exec(
                insert(_TABLE).values(
                    id=record_id,
                    firm_account_id=owner,
                    key=self.key,
                    method="POST",
                    path=self.path,
                    fingerprint=fingerprint,
                    created_at=now,
                )
            )
            await session.commit()
            self.record_id = record_id
            return None
        except IntegrityError:
            await session.rollback()
        row = (
            await session.exec(  # type: ignore[call-overload]
                select(_TABLE).where(_C.firm_account_id == owner, _C.key == self.key)
            )
        ).first()
        if row is None:
            return _AGAIN  # given back meanwhile: claim again
        if row.path != self.path or row.fingerprint != fingerprint:
            raise KeyReused()
        if row.completed_at is not None:
            return Stored(row.status, json.loads(row.headers), bytes(row.body))
        if row.created_at > now - LEASE:
            raise KeyInFlight()
        taken = await session.exec(
            update(_TABLE)
            .where(_C.id == row.id, _C.completed_at.is_(None), _C.created_at == row.created_at)
            .values(created_at=now)
        )
        await session.commit()
        if taken.rowcount != 1:
            raise KeyInFlight()
        self.record_id = row.id
        return None

    async def _run_claimed(self) -> None:
        taker = _Taker()
        self.scope[DEFERRED_COMMIT] = taker
        start: Message | None = None
        parts: list[bytes] = []

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))

        try:
            await self.outer.app(self.scope, self._replay_body, hold)
        except BaseException:
            await self._end_taken(taker, commit=False)
            await self._store_alone(None)
            raise
        assert start is not None
        answer = Stored(
            start["status"],
            [
                [name.decode("latin-1"), value.decode("latin-1")]
                for name, value in start.get("headers", ())
                if name.lower() in KEPT_HEADERS
            ],
            b"".join(parts),
        )
        keep = answer.status < 500 and answer.status not in NOT_KEPT
        if taker.session is not None:
            try:
                await self._write(taker.session, answer if keep else None)
                await self._end_taken(taker, commit=True)
            except (OperationalError, PoolTimeout):
                await self._end_taken(taker, commit=False)
                await self._store_alone(None)
                await domain_problem(Overloaded())(self.scope, self.receive, self.send)
                return
            except BaseException:
                await self._end_taken(taker, commit=False)
                await self._store_alone(None)
                raise
        else:
            # The use case failed (its writes rolled back) or wrote nothing: its answer is
            # known, and sent even if it cannot be kept (the claim then lapses with its lease).
            try:
                await self._store_alone(answer if keep else None)
            except (OperationalError, PoolTimeout, DomainError):
                log.warning("idempotency: an answer could not be kept")
        await self.send(start)
        await self.send({"type": "http.response.body", "body": answer.body})

    async def _write(self, session: AsyncSession, answer: Stored | None) -> None:
        """The answer into the record, or the claim given back (`None`)."""
        where = _C.id == self.record_id
        if answer is None:
            await session.exec(delete(_TABLE).where(where))
            return
        await session.exec(
            update(_TABLE)
            .where(where)
            .values(
                completed_at=self.clock.now(),
                status=answer.status,
                headers=json.dumps(answer.headers),
                body=answer.body,
            )
        )

    async def _end_taken(self, taker: _Taker, *, commit: bool) -> None:
        session, gate = taker.session, taker.gate
        if session is None or gate is None:
            return
        taker.session = taker.gate = None
        try:
            if commit:
                await session.commit()
            else:
                await session.rollback()
        finally:
            try:
                await session.close()
            finally:
                await gate.__aexit__()

    async def _store_alone(self, answer: Stored | None) -> None:
        """`_write` in a transaction of its own (`None`: the claim given back, a retry runs)."""
        async with self.gate:
            session = self._session()
            try:
                await self._write(session, answer)
                await session.commit()
            finally:
                await session.close()

    async def _replay(self, stored: Stored) -> None:
        headers: list[tuple[bytes, bytes]] = [
            (name.encode("latin-1"), value.encode("latin-1")) for name, value in stored.headers
        ]
        headers += [(b"content-length", str(len(stored.body)).encode()), REPLAYED]
        await self.send(
            {"type": "http.response.start", "status": stored.status, "headers": headers}
        )
        await self.send({"type": "http.response.body", "body": stored.body})
