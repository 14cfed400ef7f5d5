"""The screener console (/review) and the public completion check (/verify)."""
from __future__ import annotations

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from ..context import AppContext, Feature
from .audit_log import AuditLog
from .auth import SignIn
from .cases import Cases
from .dashboard import Dashboard
from .verify import CompletionVerification
from .web import HERE, Console


def review_feature(context: AppContext) -> Feature:
    console = Console(context)
    routes = [Mount("/review/static", app=StaticFiles(directory=str(HERE / "static")), name="review-static")]
    for part in (SignIn(console), Cases(console), Dashboard(console), AuditLog(console),
                 CompletionVerification(console)):
        routes += part.routes()
    return Feature(routes=routes)
