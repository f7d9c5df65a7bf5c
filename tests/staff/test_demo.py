"""The staff demo: responses and evidence on the demo problems, a report or two."""

from __future__ import annotations

from sqlalchemy import select

from civicboard import demo
from civicboard.extensions import db
from civicboard.moderation.models import Flag
from civicboard.staff import demo as staff_demo
from civicboard.staff.models import Evidence, Response
from tests.staff.factories import add_comment


def test_without_problems_the_demo_does_nothing(app):
    demo.seed_people()
    assert staff_demo.seed_demo() == {"responses": 0, "evidence": 0, "flags": 0}
    assert db.session.execute(select(Response)).first() is None


def test_demo_answers_problems_with_evidence_and_reports(app, problem_factory, dataset_factory, user_factory):
    demo.seed_people()
    db.session.commit()
    author = user_factory()
    problems = [problem_factory(author=author, datasets=[dataset_factory()]) for _ in range(5)]
    add_comment(problems[0], author, body="Buy cheap watches at example.com")
    counts = staff_demo.seed_demo()
    db.session.commit()
    assert counts == {"responses": 4, "evidence": 2, "flags": 2}
    statuses = [r.status_to for r in db.session.execute(select(Response).order_by(Response.id)).scalars()]
    assert statuses == ["acknowledged", "in_progress", "resolved", "declined"]
    stances = {e.stance for e in db.session.execute(select(Evidence)).scalars()}
    assert stances == {"supports", "contradicts"}
    assert {f.target_type for f in db.session.execute(select(Flag)).scalars()} == {"problem", "comment"}
    assert staff_demo.seed_demo()["responses"] == 0  # a second run adds nothing
