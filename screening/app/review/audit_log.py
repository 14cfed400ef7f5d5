"""The audit log for administrators: the newest events and whether the chain is intact."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ... import audit
from .web import Console, Staff, guarded, refusal, render

PAGE_SIZE = 100


class AuditLog:
    def __init__(self, console: Console):
        self.console = console

    def routes(self) -> list[Route]:
        return [Route("/review/audit", guarded(self.console, "audit.view", self.page), methods=["GET"])]

    async def page(self, request: Request, staff: Staff, form) -> Response:
        before = request.query_params.get("before", "")
        if before and not before.isdigit():
            return refusal(400, "before must be an event number.", staff)
        with self.console.transaction() as unit:
            chain = audit.verify(unit.conn, self.console.audit_keys)
            events = list(audit.recent(unit.conn, PAGE_SIZE, int(before) if before else None))
            self.console.audit(unit, staff, "audit.view")
        older = events[-1].seq if len(events) == PAGE_SIZE else None
        return render("audit.html", staff=staff, chain=chain, events=events, older=older)
