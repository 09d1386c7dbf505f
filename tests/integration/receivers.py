"""A real local HTTP receiver for delivery tests: answers from a script, records every request."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Receiver", "Received"]


@dataclass
class Received:
    path: str
    idempotency_key: str
    body: dict[str, Any]
    status: int
    signature_ok: bool | None  # None when the receiver has no secret to check against


@dataclass
class Receiver:
    """``answer(path) -> (status, headers)`` decides each response; ``delay`` slows every answer."""

    answer: Any = None
    delay: float = 0.0
    secret: bytes | None = None  # verify X-Oreradar-Signature the way the README tells receivers to
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                body = json.loads(raw or b"{}")
                signature_ok = None
                if receiver.secret is not None:
                    stamp = self.headers.get("X-Oreradar-Timestamp", "")
                    expected = "sha256=" + hmac.new(receiver.secret, stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
                    signature_ok = hmac.compare_digest(expected, self.headers.get("X-Oreradar-Signature", ""))
                if receiver.delay:
                    time.sleep(receiver.delay)
                status, headers = receiver.answer(self.path) if receiver.answer else (200, {})
                with receiver.lock:
                    receiver.requests.append(Received(self.path, self.headers.get("Idempotency-Key", ""), body, status, signature_ok))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def ok(self, path: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if 200 <= r.status < 300 and (path is None or r.path == path)]

    def all(self, path: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if path is None or r.path == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
