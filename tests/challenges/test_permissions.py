"""Only organizers and admins organize: residents get 403 on every organizer route and service."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civicboard.challenges import services
from civicboard.challenges.models import Challenge, ChallengeDataset, ChallengeProblem
from civicboard.extensions import db
from civicboard.permissions import PermissionDenied

ORGANIZER_ROUTES = [
    ("GET", "/challenges/manage"),
    ("GET", "/challenges/new"),
    ("POST", "/challenges/new"),
    ("GET", "/challenges/{slug}/edit"),
    ("POST", "/challenges/{slug}/edit"),
    ("POST", "/challenges/{slug}/status"),
    ("GET", "/challenges/{slug}/curate"),
    ("POST", "/challenges/{slug}/problems"),
    ("POST", "/challenges/{slug}/problems/{problem}/move"),
    ("POST", "/challenges/{slug}/problems/{problem}/note"),
    ("POST", "/challenges/{slug}/problems/{problem}/remove"),
    ("POST", "/challenges/{slug}/datasets"),
    ("POST", "/challenges/{slug}/datasets/{dataset}/remove"),
    ("POST", "/challenges/{slug}/projects/1/feature"),
    ("POST", "/challenges/{slug}/projects/1/award"),
]


@pytest.fixture
def setup(challenge_factory, problem_factory, dataset_factory):
    problem, dataset = problem_factory(), dataset_factory()
    challenge = challenge_factory(problems=[problem], datasets=[dataset])
    return {"slug": challenge.slug, "problem": problem.id, "dataset": dataset.id, "challenge": challenge}


@pytest.mark.parametrize(("method", "path"), ORGANIZER_ROUTES)
@pytest.mark.parametrize("role", [None, "staff", "moderator"])
def test_non_organizers_get_403_on_organizer_routes(client, login, user_factory, setup, method, path, role):
    login(client, user_factory(roles=[role] if role else []))
    url = path.format(**setup)
    data = {"status": "published", "problem_id": setup["problem"], "dataset_id": setup["dataset"], "direction": "up"}
    response = client.get(url) if method == "GET" else client.form(url, data)
    assert response.status_code == 403


@pytest.mark.parametrize(("method", "path"), ORGANIZER_ROUTES[:3])
def test_anonymous_visitors_are_sent_to_log_in(client, method, path):
    response = client.get(path) if method == "GET" else client.form(path, {})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_nothing_changes_when_a_resident_tries(client, login, user_factory, setup):
    login(client, user_factory())
    client.form(f"/challenges/{setup['slug']}/status", {"status": "published"})
    client.form(f"/challenges/{setup['slug']}/problems/{setup['problem']}/remove")
    db.session.expire_all()
    assert db.session.execute(select(Challenge.status)).scalar_one() == "draft"
    assert db.session.execute(select(ChallengeProblem)).first() is not None


SERVICE_CALLS = {
    "create": lambda u, s: services.create_challenge(
        u,
        title="Jam",
        starts_at="2026-05-02T10:00",
        ends_at="2026-05-03T10:00",
        timezone="UTC",
        place="Hall",
        contact="a@example.org",
    ),
    "update": lambda u, s: services.update_challenge(u, s["challenge"], title="Renamed"),
    "publish": lambda u, s: services.publish_challenge(u, s["challenge"]),
    "close": lambda u, s: services.close_challenge(u, s["challenge"]),
    "status": lambda u, s: services.change_status(u, s["challenge"], "published"),
    "add_problem": lambda u, s: services.add_problem(u, s["challenge"], s["problem"]),
    "remove_problem": lambda u, s: services.remove_problem(u, s["challenge"], s["problem"]),
    "move_problem": lambda u, s: services.move_problem(u, s["challenge"], s["problem"], "down"),
    "note": lambda u, s: services.set_problem_note(u, s["challenge"], s["problem"], "x"),
    "add_dataset": lambda u, s: services.add_dataset(u, s["challenge"], s["dataset"]),
    "remove_dataset": lambda u, s: services.remove_dataset(u, s["challenge"], s["dataset"]),
}


@pytest.mark.parametrize("name", sorted(SERVICE_CALLS))
def test_services_refuse_residents(user_factory, setup, name):
    with pytest.raises(PermissionDenied):
        SERVICE_CALLS[name](user_factory(), setup)


def test_admins_organize_too(client, login, user_factory, setup):
    login(client, user_factory(roles=["admin"]))
    assert client.get("/challenges/manage").status_code == 200
    client.form(f"/challenges/{setup['slug']}/datasets/{setup['dataset']}/remove")
    assert db.session.execute(select(ChallengeDataset)).first() is None
