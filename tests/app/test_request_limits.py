"""Request bodies are capped while they stream in: a chunked body (no Content-Length) past
the limit gets a clean 413 after at most the limit is read, never a 500 and never the whole
body in memory; a multipart sign-in form is refused before a byte of it is read."""
from __future__ import annotations

import asyncio
import socket

import pytest

from .conftest import app_settings, engine_app, serve

CHUNK = b"x" * 1024
CHUNKS = 1024               # 1 MiB offered, far past every limit


class EndlessBody:
    """An ASGI `receive` that offers CHUNKS chunks and counts how many the app took."""

    def __init__(self, chunks: int = CHUNKS):
        self.offered, self.taken = chunks, 0

    async def __call__(self):
        if self.taken >= self.offered:
            return {"type": "http.disconnect"}
        self.taken += 1
        return {"type": "http.request", "body": CHUNK, "more_body": self.taken < self.offered}


def call(app, path: str, headers: dict[str, str], body: EndlessBody) -> tuple[int, dict[str, str], bytes]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, body, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return (start["status"], {k.decode(): v.decode() for k, v in start["headers"]},
            b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))


@pytest.fixture
def app(sqlite_url, clock):
    return engine_app(app_settings(sqlite_url), clock)


@pytest.mark.parametrize("path, content_type, limit", [
    ("/sms/twilio", "application/x-www-form-urlencoded", 16_384),
    ("/sms/twilio/status", "application/x-www-form-urlencoded", 16_384),
    ("/chat/api/conversations", "application/json", 8_192),
    ("/chat/api/messages", "application/json", 8_192),
    ("/chat/api/exit", "text/plain", 8_192),
])
def test_a_chunked_body_past_the_limit_gets_413_without_being_read_whole(app, path, content_type, limit):
    body = EndlessBody()
    status, _, text = call(app, path, {"content-type": content_type, "transfer-encoding": "chunked"}, body)
    assert status == 413 and b"too large" in text
    assert body.taken <= limit // len(CHUNK) + 1 < body.offered


def test_a_declared_length_past_the_limit_is_refused_before_reading(app):
    body = EndlessBody()
    status, _, _ = call(app, "/chat/api/messages", {"content-type": "application/json",
                                                    "content-length": str(10 * 1024 * 1024)}, body)
    assert status == 413 and body.taken == 0


def test_a_multipart_sign_in_is_refused_before_its_body_is_read(app):
    body = EndlessBody()
    status, _, text = call(app, "/review/login", {
        "content-type": "multipart/form-data; boundary=xyz", "origin": "http://127.0.0.1:8000",
        "host": "127.0.0.1:8000", "cookie": "review_login=a-login-cookie-value"}, body)
    assert status == 415 and b"plain web form" in text and body.taken == 0


def test_over_the_network_a_chunked_oversized_webhook_gets_a_clean_413(sqlite_url, clock):
    """Through uvicorn: the 413 comes back while the client is still sending (no end chunk yet)."""
    with serve(engine_app(app_settings(sqlite_url), clock)) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"POST /sms/twilio HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK)
            for _ in range(20):                  # 20 KiB, past the 16 KiB limit; the body never ends
                sock.sendall(chunk)
            reply = b""
            while b"\r\n\r\n" not in reply:
                data = sock.recv(4096)
                if not data:
                    break
                reply += data
    assert reply.startswith(b"HTTP/1.1 413 ")
