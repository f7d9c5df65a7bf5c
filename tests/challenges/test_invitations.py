"""Team members are invited by email: the answer never says whether an address has an account."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from civicboard.challenges import services
from civicboard.challenges.models import Project, ProjectInvitation
from civicboard.extensions import db
from civicboard.mail import outbox
from civicboard.outbox.models import OutboxMessage
from civicboard.outbox.services import deliver_due
from civicboard.permissions import PermissionDenied
from civicboard.problems.models import Notification


def _form(problem_id, name, member_emails):
    return {
        "name": name,
        "description": "A map.",
        "problem_ids": [problem_id],
        "member_emails": member_emails,
        "team_names": "",
        "repository_url": "",
        "demo_url": "",
    }


@pytest.fixture
def running(challenge_factory, problem_factory):
    problem = problem_factory(title="Crossing problem")
    return challenge_factory(status="published", problems=[problem]), problem


def _normalised(html: str) -> str:
    """A page without what legitimately differs between two submissions (names, ids, tokens)."""
    html = re.sub(r'name="csrf_token"[^>]*>', "", html)
    html = re.sub(r"Project (one|two)", "Project", html)
    html = re.sub(r"project-\d+|projects/\d+", "project-N", html)
    return re.sub(r"(registered|nobody)@example\.org", "someone@example.org", html)


def test_registered_and_unregistered_addresses_get_the_same_answer(logged_in, running, user_factory):
    client, _ = logged_in
    challenge, problem = running
    user_factory(email="registered@example.org")
    url = f"/challenges/{challenge.slug}/projects/new"
    known = client.form(url, _form(problem.id, "Project one", "registered@example.org"))
    unknown = client.form(url, _form(problem.id, "Project two", "nobody@example.org"))
    assert known.status_code == unknown.status_code == 302
    assert _normalised(known.headers["Location"]) == _normalised(unknown.headers["Location"])
    assert _normalised(known.get_data(as_text=True)) == _normalised(unknown.get_data(as_text=True))
    invited = set(db.session.execute(select(ProjectInvitation.email)).scalars())
    assert invited == {"registered@example.org", "nobody@example.org"}
    deliver_due()
    assert sorted(m["To"] for m in outbox()) == ["nobody@example.org", "registered@example.org"]


def test_a_long_list_of_addresses_is_refused_before_any_is_checked(logged_in, running):
    client, _ = logged_in
    challenge, problem = running
    emails = "\n".join(f"person{n}@example.org" for n in range(60_000))
    response = client.form(f"/challenges/{challenge.slug}/projects/new", _form(problem.id, "Big team", emails))
    assert response.status_code in (400, 413, 422)
    assert db.session.execute(select(Project)).first() is None
    assert outbox() == []


def test_the_invitee_joins_by_accepting_from_the_emailed_link(app, make_client, login, running, user_factory):
    challenge, problem = running
    creator, invitee = user_factory(), user_factory(email="mate@example.org")
    project = services.submit_project(creator, challenge, **_form(problem.id, "Map", "mate@example.org"))
    db.session.commit()
    deliver_due()
    path = re.search(r"/challenges/invitations/\S+", outbox()[-1].get_content()).group(0)
    browser = make_client()
    login(browser, invitee)
    page = browser.get(path)
    assert page.status_code == 200 and "Join the team" in page.get_data(as_text=True)
    invitation = project.invitations[0]
    response = browser.form(f"/challenges/invitations/{invitation.id}/accept")
    assert response.status_code == 302
    db.session.expire_all()
    assert {m.user_id for m in project.members} == {creator.id, invitee.id}
    assert project.invitations[0].accepted_at is not None


def test_an_invitation_that_rolls_back_sends_nothing(running, user_factory):
    challenge, problem = running
    services.submit_project(user_factory(), challenge, **_form(problem.id, "Map", "mate@example.org"))
    assert outbox() == []  # nothing leaves during the request: the email waits in the outbox
    db.session.rollback()
    deliver_due()
    assert outbox() == []
    assert db.session.execute(select(OutboxMessage)).first() is None


def test_a_registered_invitee_hears_of_it_in_their_notifications(running, user_factory, make_client, login):
    challenge, problem = running
    creator, invitee = user_factory(), user_factory(email="mate@example.org")
    services.submit_project(creator, challenge, **_form(problem.id, "Map", "mate@example.org"))
    db.session.commit()
    assert db.session.execute(select(Notification.kind).where(Notification.user_id == invitee.id)).scalar_one() == (
        "project_invitation"
    )
    browser = make_client()
    login(browser, invitee)
    assert "Map" in browser.get("/challenges/invitations").get_data(as_text=True)


def test_someone_else_cannot_accept_an_invitation(running, user_factory):
    challenge, problem = running
    creator, stranger = user_factory(), user_factory(email="stranger@example.org")
    project = services.submit_project(creator, challenge, **_form(problem.id, "Map", "mate@example.org"))
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.invitations.accept(stranger, project.invitations[0])
    assert {m.user_id for m in project.members} == {creator.id}


def test_taking_an_address_off_the_team_withdraws_its_invitation(running, user_factory):
    challenge, problem = running
    creator = user_factory()
    project = services.submit_project(creator, challenge, **_form(problem.id, "Map", "mate@example.org"))
    db.session.commit()
    services.update_project(creator, project, member_emails="")
    db.session.commit()
    assert db.session.execute(select(ProjectInvitation)).first() is None
