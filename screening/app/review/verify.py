"""GET /verify: public check of a completion code. It answers valid or not, the
completion date and the citation date if the person gave one; nothing else.
Rate-limited per client address; codes are never logged."""
from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...completion_check import check_code
from ...rate_limit import RateLimiter
from .web import Console, render

CHECKS_PER_MINUTE = 10


class CompletionVerification:
    def __init__(self, console: Console):
        self.console = console
        self.limiter = RateLimiter(CHECKS_PER_MINUTE, timedelta(minutes=1), console.context.clock)

    def routes(self) -> list[Route]:
        return [Route("/verify", self.page, methods=["GET"])]

    async def page(self, request: Request) -> Response:
        code = request.query_params.get("code", "").strip()[:32]
        if not code:
            return render("verify.html", result=None, staff=None)
        if not self.limiter.allow(request.client.host if request.client else "unknown"):
            return render("verify.html", 429, result=None, staff=None,
                          error="Too many checks from here. Please wait a minute and try again.")
        with self.console.transaction() as unit:
            result = check_code(unit.conn, code, self.console.now())
        return render("verify.html", result=result, staff=None)
