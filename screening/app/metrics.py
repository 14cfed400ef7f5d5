"""GET /metrics: the operator's gauges (screening/operations.py) in Prometheus' text format.

Counts only, but still not public: with METRICS_TOKEN set, a request needs
`Authorization: Bearer <token>`; without it, only requests from this machine are answered.
"""
from __future__ import annotations

import hmac

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from ..operations import operational_gauges, prometheus_text
from .context import AppContext, Feature

LOOPBACK = {"127.0.0.1", "::1"}


def metrics_feature(context: AppContext) -> Feature:
    token = context.settings.metrics_token

    def allowed(request: Request) -> bool:
        if token:
            given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            return hmac.compare_digest(given.encode(), token.encode())
        return bool(request.client) and request.client.host in LOOPBACK

    def read() -> str:
        with context.repository.transaction() as unit:
            return prometheus_text(operational_gauges(unit.conn, context.clock()))

    async def metrics(request: Request) -> PlainTextResponse:
        if not allowed(request):
            return PlainTextResponse("Metrics are for operators: ask from this machine, or with the metrics token.",
                                     status_code=403)
        return PlainTextResponse(await run_in_threadpool(read), media_type="text/plain; version=0.0.4")

    return Feature(routes=[Route("/metrics", metrics)])
