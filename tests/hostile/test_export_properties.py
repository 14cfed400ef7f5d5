"""Export on any stored text: JSON lines and FHIR never raise and always encode, whatever
a person typed (free text, a town) and whatever an older instrument version left behind
(an item or an option id this version no longer has)."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select, update

from screening.dialogue.engine import ScreeningEngine
from screening.export import questionnaire_response, screening_records
from screening.records import migrate
from screening.records import models as m

from ..conftest import Clock, make_repository
from ..core.console_people import screen

RUN = settings(max_examples=120, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
# What a database column can hold: any text but NUL (PostgreSQL refuses it) and lone surrogates
# (not UTF-8, so no driver can store them).
STORED = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=300)


@pytest.fixture(scope="module")
def screened(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('export') / 'screening.db'}"
    migrate.upgrade(url)
    repository = make_repository(url)
    screen(ScreeningEngine(repository, clock=Clock()), "export-person", needs="food and housing")
    yield repository
    repository.engine.dispose()


def exported(repository) -> list[str]:
    lines = []
    with repository.transaction() as unit:
        for record in screening_records(unit, include_text=True):
            for document in (record, questionnaire_response(record)):
                line = json.dumps(document, ensure_ascii=False, sort_keys=True)
                line.encode("utf-8")
                lines.append(line)
    return lines


@RUN
@given(free_text=STORED, town=st.one_of(st.none(), STORED), item_id=st.text(min_size=1, max_size=32),
       option_id=STORED, language=st.text(max_size=8), domain=st.text(min_size=1, max_size=32))
def test_export_never_raises_on_stored_text(screened, free_text, town, item_id, option_id, language, domain):
    with screened.transaction() as unit:
        conn = unit.conn
        first = conn.execute(select(m.answers.c.id).order_by(m.answers.c.id)).scalars().first()
        original = conn.execute(select(m.answers).where(m.answers.c.id == first)).mappings().one()
        conn.execute(update(m.answers).values(free_text_enc=unit.cipher.encrypt(free_text)))
        conn.execute(update(m.answers).where(m.answers.c.id == first).values(
            item_id=item_id, option_ids=[option_id], language=language))
        conn.execute(update(m.screenings).values(location_town=town))
        scored = conn.execute(select(m.domain_results.c.screening_id, m.domain_results.c.domain)
                              .order_by(m.domain_results.c.domain)).first()
        taken = set(conn.execute(select(m.domain_results.c.domain)).scalars())
        if scored and domain not in taken:
            conn.execute(update(m.domain_results).where(m.domain_results.c.screening_id == scored.screening_id,
                                                        m.domain_results.c.domain == scored.domain)
                         .values(domain=domain, score=1))
        else:
            scored = None
    try:
        lines = exported(screened)
        assert lines and any(json.dumps(free_text, ensure_ascii=False)[1:-1] in line for line in lines)
    finally:
        with screened.transaction() as unit:
            unit.conn.execute(update(m.answers).where(m.answers.c.id == first).values(
                item_id=original["item_id"], option_ids=original["option_ids"], language=original["language"]))
            if scored:
                unit.conn.execute(update(m.domain_results).where(
                    m.domain_results.c.screening_id == scored.screening_id, m.domain_results.c.domain == domain)
                    .values(domain=scored.domain))
