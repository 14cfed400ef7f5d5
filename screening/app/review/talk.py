"""Talking with the person from a case page: take over, reply, hand back, and the JSON the
page polls for new lines (see screening/talkback.py and static/talk.js).

Who may: the screener the case is assigned to, or a supervisor; the role needs
"cases.talk". Every step is audited: take-over, each reply (its channel and size, never
its words), hand-back, and every read of new lines through the poll.
"""
from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ... import talkback
from ...casework import CaseError, Viewer, review_state, screening_exists, transcript_lines
from ..person_outbox import why_not_reachable
from ..talkback import Talkback
from .web import Console, Staff, guarded, refusal

POLL_LIMIT = 200
NOT_YOURS = ("Only the screener this case is assigned to, or a supervisor, can talk with the person. "
             "Ask a supervisor to assign the case to you.")


@dataclass(frozen=True)
class TalkView:
    """What the case page shows about talking with the person."""
    may_talk: bool
    hold: talkback.Hold | None
    held_by_me: bool
    unreachable: str | None
    saved: list[talkback.SavedReply]
    idle_minutes: int
    max_chars: int = talkback.REPLY_MAX_CHARS


def viewer_of(staff: Staff) -> Viewer:
    return Viewer(staff.account_id, staff.username, staff.role)


class Talk:
    def __init__(self, console: Console, service: Talkback):
        self.console = console
        self.service = service

    def routes(self) -> list[Route]:
        c = self.console
        base = "/review/cases/{case_id}"
        return [
            Route(f"{base}/takeover", guarded(c, "cases.talk", self.take_over), methods=["POST"]),
            Route(f"{base}/reply", guarded(c, "cases.talk", self.reply), methods=["POST"]),
            Route(f"{base}/release", guarded(c, "cases.talk", self.release), methods=["POST"]),
            # The page asks by itself every few seconds: not activity that keeps a session alive.
            Route(f"{base}/conversation", guarded(c, "cases.view", self.poll, touch=False), methods=["GET"]),
        ]

    # ------------------------------------------------------------------ checks
    def _refused(self, unit, staff: Staff, case_id: str, talking: bool) -> tuple[int, str] | None:
        if not screening_exists(unit.conn, case_id):
            return 404, "There is no case with that id."
        viewer = viewer_of(staff)
        assigned_to = review_state(unit.conn, case_id).assigned_to_id
        if not viewer.may_open(assigned_to):
            return 403, "This case is assigned to another screener."
        if talking and not talkback.may_talk(viewer, assigned_to):
            return 403, NOT_YOURS
        return None

    def view(self, unit, staff: Staff, screening) -> TalkView:
        """The case page's talk section (inside the page's transaction)."""
        viewer = viewer_of(staff)
        hold = talkback.hold_of(unit.conn, screening.id)
        assigned_to = review_state(unit.conn, screening.id).assigned_to_id
        route = talkback.route_of(unit, screening.participant_id)
        return TalkView(
            may_talk=talkback.may_talk(viewer, assigned_to) and staff.role != "admin",
            hold=hold, held_by_me=bool(hold and hold.held_by == staff.account_id),
            unreachable=why_not_reachable(unit, route),
            saved=talkback.saved_replies(self.service.catalog, screening.language),
            idle_minutes=int(self.service.idle.total_seconds() // 60))

    # ------------------------------------------------------------------ steps
    async def _step(self, request: Request, staff: Staff, action: str, step) -> Response:
        case_id = request.path_params["case_id"]
        now = self.console.now()
        try:
            with self.console.transaction() as unit:
                refused = self._refused(unit, staff, case_id, talking=True)
                if refused:
                    return refusal(*refused, staff)
                details = step(unit, case_id, now)
                self.console.audit(unit, staff, action, case_id, **details)
        except CaseError as error:
            return refusal(error.status, str(error), staff)
        return RedirectResponse(f"/review/cases/{case_id}#talk", status_code=303)

    async def take_over(self, request: Request, staff: Staff, form) -> Response:
        return await self._step(request, staff, "case.take_over", lambda unit, case_id, now:
                                self.service.take_over(unit, case_id, viewer_of(staff), now))

    async def reply(self, request: Request, staff: Staff, form) -> Response:
        text = str(form.get("text") or "")
        saved = str(form.get("saved") or "")

        def step(unit, case_id, now):
            details = self.service.reply(unit, case_id, viewer_of(staff), text, now)
            if saved in talkback.SAVED_REPLIES:
                details["started_from"] = saved
            return details
        return await self._step(request, staff, "case.reply", step)

    async def release(self, request: Request, staff: Staff, form) -> Response:
        return await self._step(request, staff, "case.release", lambda unit, case_id, now:
                                self.service.release(unit, case_id, viewer_of(staff), now))

    # ------------------------------------------------------------------ the page's poll
    async def poll(self, request: Request, staff: Staff, form) -> Response:
        """New lines after message `after` (each saying who wrote it), who holds the conversation,
        and unread counts. Lines it returns count as read, and that read is audited."""
        case_id = request.path_params["case_id"]
        raw = request.query_params.get("after", "0")
        if not raw.isdigit() or len(raw) > 18:
            return JSONResponse({"error": "after must be a message number."}, status_code=400)
        now = self.console.now()
        with self.console.transaction() as unit:
            refused = self._refused(unit, staff, case_id, talking=False)
            if refused:
                return JSONResponse({"error": refused[1]}, status_code=refused[0])
            lines = transcript_lines(unit.conn, unit.cipher, case_id, after_id=int(raw), limit=POLL_LIMIT)
            if lines:
                read = talkback.mark_read(unit.conn, case_id, lines[-1].id, now)
                self.console.audit(unit, staff, "case.conversation_read", case_id, lines=len(lines),
                                   from_person=sum(1 for line in lines if line.direction == "in"),
                                   first_read=read)
            hold = talkback.hold_of(unit.conn, case_id)
            unread = talkback.unread_count(unit.conn, case_id)
        return JSONResponse({
            "lines": [{"id": line.id, "who": line.who, "kind": line.who_kind, "channel": line.channel,
                       "at": line.at.strftime("%Y-%m-%d %H:%M UTC"), "text": line.text} for line in lines],
            "held_by": hold.holder if hold else None,
            "held_by_me": bool(hold and hold.held_by == staff.account_id),
            "unread": unread,
        })
