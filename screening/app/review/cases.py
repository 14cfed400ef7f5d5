"""Cases: the list (filters, search), one case, notes, status, assignment,
confirmed completion and the FHIR export. Every read and change is audited."""
from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ... import talkback
from ...accounts import AccountStore
from ...casework import (
    FLAG_KINDS, REVIEW_STATUSES, STATUS_MOVES, CaseError, CaseFilter, Viewer, add_note, assign, case_detail,
    confirm_completion, list_cases, review_state, screening_exists, set_status,
)
from ...dialogue.catalog import Catalog
from ...export import case_bundle, screening_record
from ...instrument import default_instrument
from ...needs import NEED_CATEGORIES
from ..sms.confirmation import queue_confirmation_text, queue_web_confirmation
from .talk import Talk
from .web import Console, Staff, guarded, refusal, render


def viewer_of(staff: Staff) -> Viewer:
    return Viewer(staff.account_id, staff.username, staff.role)


class Cases:
    def __init__(self, console: Console, talk: Talk):
        self.console = console
        self.talk = talk
        self.instrument = default_instrument()
        self.catalog = Catalog(console.context.program)
        self.verify_url = console.context.settings.verify_url

    def routes(self) -> list[Route]:
        c = self.console
        return [
            Route("/review", guarded(c, None, self.home), methods=["GET"]),
            Route("/review/cases", guarded(c, "cases.list", self.case_list), methods=["GET"]),
            Route("/review/cases/{case_id}", guarded(c, "cases.view", self.case_page), methods=["GET"]),
            Route("/review/cases/{case_id}/export", guarded(c, "cases.export", self.export), methods=["GET"]),
            Route("/review/cases/{case_id}/notes", guarded(c, "cases.note", self.note), methods=["POST"]),
            Route("/review/cases/{case_id}/status", guarded(c, "cases.status", self.status), methods=["POST"]),
            Route("/review/cases/{case_id}/assign", guarded(c, "cases.assign", self.assign), methods=["POST"]),
            Route("/review/cases/{case_id}/confirm", guarded(c, "cases.confirm", self.confirm), methods=["POST"]),
        ]

    async def home(self, request: Request, staff: Staff, form) -> Response:
        return RedirectResponse("/review/cases" if staff.role != "admin" else "/review/dashboard", status_code=303)

    async def case_list(self, request: Request, staff: Staff, form) -> Response:
        try:
            wanted = CaseFilter.from_params(request.query_params)
        except CaseError as error:
            return refusal(error.status, str(error), staff)
        with self.console.transaction() as unit:
            found = list_cases(unit.conn, viewer_of(staff), wanted, now=self.console.now(), cipher=unit.cipher)
            action = "cases.search" if wanted.code else "cases.list"
            self.console.audit(unit, staff, action, shown=len(found), **wanted.described())
        return render("cases.html", staff=staff, cases=found, wanted=wanted, statuses=REVIEW_STATUSES,
                      flags=FLAG_KINDS, needs=NEED_CATEGORIES)

    def _openable(self, unit, staff: Staff, case_id: str) -> Response | None:
        """A refusal when the case does not exist or is someone else's."""
        if not screening_exists(unit.conn, case_id):
            return refusal(404, "There is no case with that id.", staff)
        if not viewer_of(staff).may_open(review_state(unit.conn, case_id).assigned_to_id):
            return refusal(403, "This case is assigned to another screener.", staff)
        return None

    async def case_page(self, request: Request, staff: Staff, form) -> Response:
        case_id = request.path_params["case_id"]
        with self.console.transaction() as unit:
            refused = self._openable(unit, staff, case_id)
            if refused:
                return refused
            case = case_detail(unit.conn, unit.cipher, case_id, self.instrument)
            team = AccountStore(unit.conn, unit.cipher).screeners()
            talk = self.talk.view(unit, staff, case.screening)
            # The page shows every line: the person's messages to staff are read now.
            read = talkback.mark_read(unit.conn, case_id, case.transcript[-1].id, self.console.now()) \
                if case.transcript else 0
            self.console.audit(unit, staff, "case.view", case_id, **({"first_read": read} if read else {}))
        return render("case.html", staff=staff, case=case, next_statuses=sorted(STATUS_MOVES[case.review.status]),
                      team=team, talk=talk, last_line=case.transcript[-1].id if case.transcript else 0)

    async def export(self, request: Request, staff: Staff, form) -> Response:
        case_id = request.path_params["case_id"]
        with self.console.transaction() as unit:
            refused = self._openable(unit, staff, case_id)
            if refused:
                return refused
            document = case_bundle(unit, screening_record(unit, case_id, self.instrument), self.instrument)
            self.console.audit(unit, staff, "case.export", case_id, format="fhir-bundle")
        return Response(json.dumps(document, ensure_ascii=False, indent=2), media_type="application/fhir+json",
                        headers={"content-disposition": f'attachment; filename="screening-{case_id}.fhir.json"'})

    async def _change(self, request: Request, staff: Staff, action: str, change) -> Response:
        case_id = request.path_params["case_id"]
        try:
            with self.console.transaction() as unit:
                refused = self._openable(unit, staff, case_id)
                if refused:
                    return refused
                details = change(unit, case_id) or {}
                self.console.audit(unit, staff, action, case_id, **details)
        except CaseError as error:
            return refusal(error.status, str(error), staff)
        return RedirectResponse(f"/review/cases/{case_id}", status_code=303)

    async def note(self, request: Request, staff: Staff, form) -> Response:
        def change(unit, case_id):
            add_note(unit.conn, unit.cipher, case_id, staff.account_id, str(form.get("text") or ""),
                     self.console.now())
        return await self._change(request, staff, "case.note", change)

    async def status(self, request: Request, staff: Staff, form) -> Response:
        new_status = str(form.get("status") or "")

        def change(unit, case_id):
            old = set_status(unit.conn, case_id, new_status, self.console.now())
            return {"from": old, "to": new_status}
        return await self._change(request, staff, "case.status", change)

    async def assign(self, request: Request, staff: Staff, form) -> Response:
        raw = str(form.get("account_id") or "")
        if raw and not raw.isdigit():
            return refusal(400, "Choose a person from the list.", staff)
        account_id = int(raw) if raw else None

        def change(unit, case_id):
            assign(unit.conn, case_id, account_id, self.console.now())
            return {"assigned_to": account_id}
        return await self._change(request, staff, "case.assign", change)

    async def confirm(self, request: Request, staff: Staff, form) -> Response:
        def change(unit, case_id):
            if not confirm_completion(unit.conn, case_id, staff.account_id, self.console.now()):
                return {}
            # The summary told a person who screened by SMS that we would text them now; a person who
            # chatted on the web sees it in the chat when they come back with their code.
            texted = queue_confirmation_text(unit, case_id, self.catalog, self.verify_url, self.console.now())
            details = {"person_texted": texted}
            if not texted and queue_web_confirmation(unit, case_id, self.catalog, self.verify_url,
                                                     self.console.now()):
                details["person_told_in_chat"] = True
            return details
        return await self._change(request, staff, "case.confirm_completion", change)
