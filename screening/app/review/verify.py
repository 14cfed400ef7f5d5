"""GET /verify: public check of a completion code. It answers valid or not, the
completion date, the citation date if the person gave one, and whether program staff
have confirmed the completion yet (and when); nothing else.
Rate-limited per client address; codes are never logged."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...completion_check import check_code, confirmation_of
from ...crypto import pseudonym
from ...rate_limits import AttemptLimiter
from ..counters import counter_store
from .web import Console, render

CHECKS_PER_MINUTE = 10


class CompletionVerification:
    def __init__(self, console: Console):
        self.console = console
        settings = console.context.settings
        self.secret_key = settings.secret_key
        self.limiter = AttemptLimiter(counter_store(settings.redis_url), CHECKS_PER_MINUTE, 60, name="verify-address")

    def routes(self) -> list[Route]:
        return [Route("/verify", self.page, methods=["GET"])]

    async def page(self, request: Request) -> Response:
        code = request.query_params.get("code", "").strip()[:32]
        if not code:
            return render("verify.html", result=None, staff=None)
        address = pseudonym(self.secret_key, "address", request.client.host if request.client else "unknown")
        if not self.limiter.allow(address, self.console.now()):
            return render("verify.html", 429, result=None, staff=None,
                          error="Too many checks from here. Please wait a minute and try again.")
        with self.console.transaction() as unit:
            result = check_code(unit.conn, code, self.console.now())
            confirmation = confirmation_of(unit.conn, code) if result.valid else None
        return render("verify.html", result=result, confirmation=confirmation, staff=None)
