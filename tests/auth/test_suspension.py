"""A suspended or banned account is inert on every path: session, remember cookie, API token.

Its roles stay on record (profiles, the admin page) but none is in force until the
suspension ends; public pages stay readable without credentials.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from civicboard.auth import services as auth_services
from civicboard.auth.models import User, UserSession
from civicboard.challenges import services as challenge_services
from civicboard.challenges.models import Challenge
from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.permissions import PermissionDenied, has_capability
from civicboard.problems import services as problem_services
from civicboard.problems.models import Problem
from civicboard.timeutil import utcnow
from tests.api.conftest import Api, error_of


@pytest.fixture
def admin(user_factory):
    return user_factory(roles=["admin"], name="Ada Admin")


@pytest.fixture
def suspend(admin):
    """suspend(user): suspended for a week through the ban service (committed)."""

    def do(user: User) -> User:
        auth_services.ban_user(admin, user, utcnow() + timedelta(days=7), "Abuse of privileges.")
        db.session.commit()
        return user

    return do


@pytest.fixture
def api_with_token(make_client):
    """api_with_token(user) -> an API client with a token made before any suspension."""

    def make(user: User) -> Api:
        _token, raw = auth_services.create_api_token(user, "script")
        db.session.commit()
        return Api(make_client(), raw)

    return make


def _published_challenge(organizer, problem):
    start = utcnow() + timedelta(days=7)
    challenge = challenge_services.create_challenge(
        organizer,
        title="Streets Data Jam",
        summary="Fix the streets with data.",
        starts_at=start.isoformat() + "Z",
        ends_at=(start + timedelta(days=1)).isoformat() + "Z",
        timezone="America/New_York",
        place="City Hall",
        contact="organizers@example.org",
    )
    challenge_services.add_problem(organizer, challenge, problem.id)
    challenge_services.publish_challenge(organizer, challenge)
    db.session.commit()
    return challenge


# -- the API, by token ------------------------------------------------------------------------


def test_suspended_moderator_cannot_patch_anothers_problem_by_token(
    api_with_token, suspend, user_factory, problem_factory
):
    moderator = user_factory(roles=["moderator"])
    api = api_with_token(moderator)
    problem = problem_factory(title="A resident's own words")
    suspend(moderator)
    response = api.patch(f"/problems/{problem.id}", json={"title": "Rewritten by a suspended moderator"})
    assert response.status_code == 403
    assert "suspended" in error_of(response)["message"]
    db.session.expire_all()
    assert db.session.get(Problem, problem.id).title == "A resident's own words"


def test_suspended_moderator_cannot_read_hidden_problems_by_token(
    api_with_token, suspend, user_factory, problem_factory
):
    moderator = user_factory(roles=["moderator"])
    api = api_with_token(moderator)
    hidden = problem_factory(title="Hidden pending review", hidden_at=utcnow())
    assert api.get(f"/problems/{hidden.id}").status_code == 200
    suspend(moderator)
    assert api.get(f"/problems/{hidden.id}").status_code == 403
    listing = api.get("/problems")
    assert listing.status_code == 403
    assert "Hidden pending review" not in listing.get_data(as_text=True)


def test_suspended_staff_cannot_create_a_dataset_by_token(api_with_token, suspend, user_factory):
    staff = user_factory(roles=["staff"], department="Transportation")
    api = api_with_token(staff)
    suspend(staff)
    response = api.post("/datasets", json={"title": "Snow Routes"})
    assert response.status_code == 403
    assert db.session.execute(select(Dataset.id)).first() is None


def test_suspended_staff_cannot_rename_a_dataset_by_token(api_with_token, suspend, user_factory, dataset_factory):
    staff = user_factory(roles=["staff"], department="Transportation")
    api = api_with_token(staff)
    dataset = dataset_factory(title="Street Trees")
    suspend(staff)
    assert api.patch(f"/datasets/{dataset.id}", json={"title": "Renamed"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Dataset, dataset.id).title == "Street Trees"


def test_suspended_organizer_cannot_edit_a_published_challenge_by_token(
    api_with_token, suspend, user_factory, problem_factory
):
    organizer = user_factory(roles=["organizer"])
    challenge = _published_challenge(organizer, problem_factory())
    api = api_with_token(organizer)
    suspend(organizer)
    response = api.patch(f"/challenges/{challenge.slug}", json={"title": "Rewritten Jam"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).title == "Streets Data Jam"


def test_a_token_works_again_when_the_suspension_is_lifted(api_with_token, suspend, admin, user_factory):
    resident = user_factory()
    api = api_with_token(resident)
    suspend(resident)
    assert api.get("/me").status_code == 403
    auth_services.unban_user(admin, db.session.get(User, resident.id), "Appeal granted.")
    db.session.commit()
    assert api.get("/me").get_json()["id"] == resident.id


def test_public_api_reads_work_without_the_suspended_token(make_client, suspend, user_factory, problem_factory):
    problem = problem_factory(title="Broken streetlight")
    suspend(user_factory())
    assert Api(make_client()).get(f"/problems/{problem.id}").status_code == 200


# -- services: the one rule every path asks --------------------------------------------------


def test_a_suspended_account_holds_no_capability(suspend, user_factory):
    everyone = user_factory(roles=["staff", "moderator", "organizer"], department="Parks")
    assert has_capability(everyone, "moderate")
    suspend(everyone)
    for capability in ("moderate", "respond", "manage_datasets", "manage_challenges", "view_audit_log"):
        assert not has_capability(everyone, capability)
    assert not (everyone.is_moderator or everyone.is_staff or everyone.is_organizer)


def test_a_suspended_account_keeps_its_roles_on_record(suspend, user_factory):
    moderator = user_factory(roles=["moderator"])
    suspend(moderator)
    assert "moderator" in moderator.role_set


def test_a_suspended_admin_holds_no_capability(admin, user_factory):
    other_admin = user_factory(roles=["admin"])
    auth_services.ban_user(admin, other_admin, None, "Compromised account.")
    db.session.commit()
    assert not other_admin.is_admin
    assert not has_capability(other_admin, "manage_roles")


def test_the_edit_service_refuses_a_suspended_moderator(suspend, user_factory, problem_factory):
    moderator = user_factory(roles=["moderator"])
    problem = problem_factory()
    suspend(moderator)
    with pytest.raises(PermissionDenied):
        problem_services.edit_problem(moderator, problem, title="Taken over title", description="Taken over text.")


def test_a_moderator_cannot_change_an_admins_ban(admin, user_factory):
    moderator = user_factory(roles=["moderator"])
    other_admin = user_factory(roles=["admin"])
    auth_services.ban_user(admin, other_admin, None, "Compromised account.")
    db.session.commit()
    with pytest.raises(PermissionDenied):
        auth_services.ban_user(moderator, other_admin, utcnow() + timedelta(days=1), "Shorter.")


# -- pages, by session and remember cookie ------------------------------------------------------


def _suspend_leaving_sessions(user: User) -> None:
    """Suspend by writing the row only, as if the sessions had outlived it."""
    db.session.get(User, user.id).banned_at = utcnow()
    db.session.commit()


def test_a_suspended_moderators_session_opens_no_moderation_page(client, login, user_factory):
    moderator = user_factory(roles=["moderator"])
    login(client, moderator)
    assert client.get("/moderation").status_code == 200
    _suspend_leaving_sessions(moderator)
    assert db.session.execute(select(UserSession.id)).first() is not None
    assert client.get("/moderation").status_code == 302


def test_a_suspended_accounts_remember_cookie_logs_no_one_in(client, login, user_factory):
    user = user_factory()
    login(client, user, remember=True)
    with client.session_transaction() as sess:
        sess.clear()  # a new browser session: only the remember cookie is left
    assert client.get("/account").status_code == 200
    with client.session_transaction() as sess:
        sess.clear()
    _suspend_leaving_sessions(user)
    assert client.get("/account").status_code == 302


def test_a_suspended_account_still_reads_public_pages(client, login, user_factory, problem_factory):
    user = user_factory()
    problem = problem_factory(title="Broken streetlight")
    login(client, user)
    _suspend_leaving_sessions(user)
    assert client.get(f"/problems/{problem.id}").status_code == 200


def test_a_suspended_moderators_session_reads_no_hidden_problem(client, login, user_factory, problem_factory):
    moderator = user_factory(roles=["moderator"])
    hidden = problem_factory(title="Hidden pending review", hidden_at=utcnow())
    login(client, moderator)
    assert client.get(f"/problems/{hidden.id}").status_code == 200
    _suspend_leaving_sessions(moderator)
    assert client.get(f"/problems/{hidden.id}").status_code == 404
    assert client.get(f"/api/v1/problems/{hidden.id}").status_code == 404
