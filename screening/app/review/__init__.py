"""The screener console (/review) and the public completion check (/verify)."""
from __future__ import annotations

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..context import AppContext, Feature
from ..talkback import Talkback
from .accounts_page import AccountsPage
from .audit_log import AuditLog
from .auth import SignIn
from .cases import Cases
from .dashboard import Dashboard
from .talk import Talk
from .verify import CompletionVerification
from .web import HERE, Console


def review_feature(context: AppContext, talkback: Talkback | None = None) -> Feature:
    console = Console(context)
    talk = Talk(console, talkback or Talkback(context))
    routes = [Mount("/review/static", app=StaticFiles(directory=str(HERE / "static")), name="review-static")]
    for part in (SignIn(console), Cases(console, talk), talk, Dashboard(console), AuditLog(console),
                 AccountsPage(console), CompletionVerification(console)):
        routes += part.routes()
    return Feature(routes=routes)
