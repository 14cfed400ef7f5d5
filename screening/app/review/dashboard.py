"""The program dashboard (supervisors, administrators): charts drawn as inline SVG
on the server, each with a title, a description and the numbers as a table."""
from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...program_figures import program_figures
from ...reminder_figures import reminder_figures
from ...reminders import OUTCOME_WORDS
from .web import Console, Staff, guarded, render

BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, BAR_AREA = 22, 8, 150, 300


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: int
    width: int


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    height: int
    label_width: int = LABEL_WIDTH
    bar_area: int = BAR_AREA


def bar_chart(chart_id: str, title: str, pairs: list[tuple[str, int]]) -> BarChart:
    largest = max((value for _, value in pairs), default=0) or 1
    bars = [Bar(label.replace("_", " "), value, n * (BAR_HEIGHT + BAR_GAP), round(BAR_AREA * value / largest))
            for n, (label, value) in enumerate(pairs)]
    description = "; ".join(f"{b.label}: {b.value}" for b in bars) or "no screenings yet"
    return BarChart(chart_id, title, description, bars, max(len(bars), 1) * (BAR_HEIGHT + BAR_GAP))


class Dashboard:
    def __init__(self, console: Console):
        self.console = console

    def routes(self) -> list[Route]:
        return [Route("/review/dashboard", guarded(self.console, "dashboard.view", self.page), methods=["GET"])]

    async def page(self, request: Request, staff: Staff, form) -> Response:
        with self.console.transaction() as unit:
            figures = program_figures(unit.conn, unit.cipher)
            reminded = reminder_figures(unit.conn)
            self.console.audit(unit, staff, "dashboard.view")
        charts = [bar_chart("funnel", "Screenings: started, consented, completed", figures.funnel),
                  bar_chart("needs", "Needs people named", figures.needs),
                  bar_chart("positive-domains", "Positive screening results, by domain", figures.positive_domains),
                  bar_chart("languages", "Languages", figures.languages),
                  bar_chart("channels", "Channels", figures.channels),
                  bar_chart("finished-by-day", "Completed, by days since start", reminded.finished_by_day)]
        return render("dashboard.html", staff=staff, charts=charts, figures=figures, reminded=reminded,
                      outcomes=OUTCOME_WORDS)
