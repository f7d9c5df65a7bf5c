"""The staff demo: responses and evidence on the demo problems, a report or two."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from civicboard import demo
from civicboard.extensions import db
from civicboard.moderation.models import Flag
from civicboard.problems.models import Notification
from civicboard.problems.notifications import follow
from civicboard.staff import demo as staff_demo
from civicboard.staff.models import Evidence, Response
from civicboard.timeutil import utcnow
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


def test_demo_answers_data_requests_as_requests_never_by_resolving_them(app, problem_factory, user_factory):
    demo.seed_people()
    db.session.commit()
    author = user_factory()
    wanted = problem_factory(author=author, data_request="Bike rack counts.", vote_count=9)
    waiting = problem_factory(author=author, data_request="Bus stop inventory.", vote_count=1)
    problem_factory(author=author)
    staff_demo.seed_demo()
    db.session.commit()
    answered = {r.problem_id for r in db.session.execute(select(Response)).scalars()}
    assert wanted.id not in answered and waiting.id not in answered
    db.session.refresh(wanted)
    db.session.refresh(waiting)
    assert (wanted.status, wanted.data_request_status) == ("open", "planned")
    assert waiting.data_request_status in (None, "requested")


def test_demo_responses_come_after_the_discussion_and_date_their_notifications(
    app, problem_factory, dataset_factory, user_factory
):
    demo.seed_people()
    db.session.commit()
    author = user_factory()
    nine_days_ago = utcnow() - timedelta(days=9)
    problem = problem_factory(author=author, datasets=[dataset_factory()], created_at=nine_days_ago)
    comment = add_comment(problem, author, body="Still broken.")
    comment.created_at = nine_days_ago + timedelta(hours=3)
    follow(author, problem_id=problem.id)
    db.session.commit()
    staff_demo.seed_demo()
    db.session.commit()
    response = db.session.execute(select(Response)).scalar_one()
    assert comment.created_at < response.created_at < utcnow() - timedelta(days=3)
    assert problem.first_response_at == response.created_at
    note = db.session.execute(select(Notification).where(Notification.response_id == response.id)).scalar_one()
    assert note.created_at == response.created_at


def test_demo_evidence_cites_only_the_problems_own_datasets(app, problem_factory, dataset_factory, user_factory):
    demo.seed_people()
    db.session.commit()
    dataset_factory(title="Catalog")
    author = user_factory()
    for _ in range(4):
        problem_factory(author=author)  # no dataset tied
    counts = staff_demo.seed_demo()
    db.session.commit()
    assert counts["responses"] == 4 and counts["evidence"] == 0
