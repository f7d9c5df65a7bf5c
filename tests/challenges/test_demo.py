"""The demo seed: a published data jam curating demo problems, a draft, and a project."""

from __future__ import annotations

from sqlalchemy import select

from civicboard import demo as city_demo
from civicboard.challenges import demo
from civicboard.challenges.models import Challenge, ChallengeProblem, Project
from civicboard.extensions import db


def test_seed_demo_creates_a_published_jam_a_draft_and_a_project(app, problem_factory):
    city_demo.seed_people()
    for title in ("Unsafe street crossing", "Bike lane gaps", "Sidewalk snow", "Library hours"):
        problem_factory(title=title)
    summary = demo.seed_demo()
    db.session.commit()
    jam = db.session.execute(select(Challenge).where(Challenge.slug == demo.JAM_SLUG)).scalar_one()
    draft = db.session.execute(select(Challenge).where(Challenge.slug == demo.SPRINT_SLUG)).scalar_one()
    curated = db.session.execute(select(ChallengeProblem).where(ChallengeProblem.challenge_id == jam.id)).all()
    assert jam.title == "Somerville Streets Data Jam" and jam.status == "published"
    assert draft.status == "draft"
    assert len(curated) == 3
    assert db.session.execute(select(Project.challenge_id)).scalar_one() == jam.id
    assert summary == {"challenges": 2, "projects": 1}


def test_seed_demo_runs_twice_without_duplicates(app, problem_factory):
    city_demo.seed_people()
    problem_factory(title="Unsafe street crossing")
    demo.seed_demo()
    db.session.commit()
    assert demo.seed_demo() == {"challenges": 0, "projects": 0}
    assert len(db.session.execute(select(Challenge)).all()) == 2
