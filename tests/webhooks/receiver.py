"""A webhook receiver on 127.0.0.1, in a thread of the test process: it checks every request's
signature with the Standard Webhooks library and answers the statuses it is told to."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: Any  # the parsed payload when the signature checks out, else None


@dataclass
class Receiver:
    url: str
    secret: str | None = None
    # Answered in order, then 200 for ever.
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verified(self) -> list[Any]:
        return [r.verified for r in self.received if r.verified is not None]


@contextmanager
def receiving(**options: Any) -> Iterator[Receiver]:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            verified = None
            if receiver.secret is not None:
                try:
                    verified = Webhook(receiver.secret).verify(body, headers)
                except WebhookVerificationError:
                    verified = None
            if receiver.delay:
                threading.Event().wait(receiver.delay)
            with receiver.lock:
                receiver.received.append(Received(headers, body, verified))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
            answer = json.dumps({"ok": status < 300, "pad": "x" * 3000}).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks", **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
