"""Read a request body up to a limit, refusing as soon as it is passed.

A declared Content-Length over the limit is refused before anything is read; a chunked
body (no length declared) is read piece by piece and refused the moment it passes the
limit, so no client makes the app hold more than `limit` bytes of its request.
"""
from __future__ import annotations

from starlette.requests import Request


class BodyTooLarge(Exception):
    """The request's body is over the limit (answer 413)."""


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.strip().isdigit() or int(declared) > limit):
        raise BodyTooLarge()
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limit:
            raise BodyTooLarge()
    return bytes(received)
