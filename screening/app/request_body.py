"""Reading request bodies with a size cap that holds while the body streams in.

A declared Content-Length over the cap is refused before a byte is read; a chunked body
(no Content-Length) is read chunk by chunk and refused as soon as it passes the cap, so
no one can make the app hold a large body in memory. Console forms are read only as
`application/x-www-form-urlencoded` (what an HTML form without files sends): multipart
bodies are refused before any parsing.
"""
from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.datastructures import FormData
from starlette.requests import Request

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_FIELDS = 50


class BodyRefused(Exception):
    """The body is too large (413) or of a kind this endpoint does not take (415)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


TOO_LARGE = "The request is too large."


def declared_too_large(request: Request, limit: int) -> bool:
    declared = request.headers.get("content-length")
    return declared is not None and (not declared.strip().isdigit() or int(declared) > limit)


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, at most `limit` bytes; BodyRefused(413) past it, without reading on."""
    if declared_too_large(request, limit):
        raise BodyRefused(413, TOO_LARGE)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyRefused(413, TOO_LARGE)
        chunks.append(chunk)
    return b"".join(chunks)


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


NOT_A_FORM = "This form must be sent as a plain web form."


async def read_form(request: Request, limit: int) -> FormData:
    """A url-encoded form of at most `limit` bytes and MAX_FORM_FIELDS fields (no content
    type: an empty form, if the body is empty)."""
    kind = media_type(request)
    if kind not in (FORM_TYPE, ""):
        raise BodyRefused(415, NOT_A_FORM)
    raw = await read_body(request, limit)
    if kind == "" and raw:
        raise BodyRefused(415, NOT_A_FORM)
    try:
        pairs = parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True,
                          max_num_fields=MAX_FORM_FIELDS)
    except ValueError:
        raise BodyRefused(413, "The form has too many fields.") from None
    return FormData(pairs)
