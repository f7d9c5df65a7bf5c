"""Confirmed accounts: the emailed /verify/<token> link, and what an unconfirmed account may not do."""

from __future__ import annotations

import re
from datetime import timedelta

import flask_migrate
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from civicboard.auth import confirmation
from civicboard.auth import services as auth_services
from civicboard.auth.models import User
from civicboard.extensions import db
from civicboard.mail import outbox
from civicboard.moderation import services as moderation_services
from civicboard.moderation.services import counts_towards_hiding
from civicboard.outbox.services import deliver_due
from civicboard.permissions import ConfirmationRequired, can_act
from civicboard.problems import services as problem_services
from civicboard.problems.models import Follow, Problem
from civicboard.timeutil import utcnow
from tests.api.conftest import Api
from tests.conftest import DEFAULT_PASSWORD, make_app


def register(client, email: str = "new@example.org"):
    response = client.form(
        "/register", {"email": email, "name": "New Resident", "password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def emailed_link() -> str:
    deliver_due()
    body = outbox()[-1].get_content()
    return re.search(r"http://localhost(/verify/\S+)", body).group(1)


def test_registration_emails_a_confirmation_link(client):
    user = register(client)
    assert not user.is_confirmed
    link = emailed_link()
    assert outbox()[-1]["To"] == "new@example.org"
    assert link.startswith("/verify/")


def test_following_the_link_confirms_the_address(client):
    user = register(client)
    link = emailed_link()
    page = client.get(link)
    assert page.status_code == 200 and "Confirm my address" in page.get_data(as_text=True)
    assert client.form(link).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).is_confirmed


def test_opening_the_link_alone_does_not_confirm(client):
    # Mail scanners fetch links: only the button (a POST with a CSRF token) confirms.
    user = register(client)
    client.get(emailed_link())
    db.session.expire_all()
    assert not db.session.get(User, user.id).is_confirmed


def test_the_link_works_once(client):
    register(client)
    link = emailed_link()
    client.form(link)
    assert client.form(link).status_code == 400
    assert client.get(link).status_code == 400


def test_the_link_expires_after_48_hours(client, monkeypatch):
    register(client)
    link = emailed_link()
    import itsdangerous.timed

    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + 48 * 3600 + 1)
    assert client.form(link).status_code == 400


def test_a_tampered_link_is_refused(client):
    register(client)
    link = emailed_link()
    assert client.form(link[:-2] + "xx").status_code == 400


def test_sending_the_link_again_is_throttled(client):
    register(client)
    deliver_due()
    assert len(outbox()) == 1
    response = client.form("/verify/resend", {"next": "/account"})
    assert response.status_code == 302
    deliver_due()
    assert len(outbox()) == 1  # registration just sent one: not again so soon
    assert "ask again in" in client.get("/account").get_data(as_text=True)


def test_the_link_can_be_sent_again_after_the_wait(client, app):
    user = register(client)
    app.config["CONFIRMATION_RESEND_SECONDS"] = 0
    client.form("/verify/resend", {"next": "/account"})
    deliver_due()
    assert [m["To"] for m in outbox()] == [user.email, user.email]


def test_an_unconfirmed_account_can_follow(user_factory, problem_factory):
    user = user_factory(confirmed=False)
    problem = problem_factory()
    assert problem_services.follow_problem(user, problem)
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(Follow)).scalar_one() >= 1


@pytest.mark.parametrize("action", ["vote", "comment", "flag"])
def test_an_unconfirmed_account_cannot_act(user_factory, problem_factory, action):
    user = user_factory(confirmed=False)
    problem = problem_factory()
    with pytest.raises(ConfirmationRequired):
        if action == "vote":
            problem_services.vote(user, problem.id)
        elif action == "comment":
            problem_services.add_comment(user, problem, "A comment")
        else:
            moderation_services.flag(user, "problem", problem.id, "spam")
    assert not can_act(user)


def test_an_unconfirmed_account_cannot_propose_and_the_page_says_why(client, user_factory, login, dataset_factory):
    user = user_factory(confirmed=False)
    login(client, user)
    dataset = dataset_factory()
    data = {
        "title": "Potholes on Broadway near Ball Square",
        "description": "Three deep potholes since March.",
        "dataset_ids": [str(dataset.id)],
        "category_id": "",
        "neighbourhood": "",
        "data_request": "",
        "action": "post",
    }
    assert client.get("/problems/new").status_code == 200  # drafting is allowed
    response = client.form("/problems/new", data)
    text = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Confirm your email address" in text and "Send the confirmation link again" in text
    assert db.session.execute(select(func.count()).select_from(Problem)).scalar_one() == 0


def test_the_api_refuses_an_unconfirmed_account(make_client, user_factory, problem_factory):
    user = user_factory(confirmed=False)
    problem = problem_factory()
    _token, raw = auth_services.create_api_token(user, "tests")
    db.session.commit()
    response = Api(make_client(), raw).put(f"/problems/{problem.id}/vote")
    assert response.status_code == 403
    assert "Confirm your email address" in response.get_json()["error"]["message"]


def test_a_confirmed_account_can_vote(user_factory, problem_factory):
    user = user_factory()
    assert problem_services.vote(user, problem_factory().id) == (True, 1)


def test_every_page_offers_an_unconfirmed_account_the_link_again(client, user_factory, login):
    login(client, user_factory(confirmed=False))
    assert "Send the confirmation link again" in client.get("/").get_data(as_text=True)


def test_accounts_made_on_the_command_line_are_confirmed(runner):
    result = runner.invoke(args=["users", "create", "cli@example.org", "--name", "Cli"], input="a long password\n")
    assert result.exit_code == 0, result.output
    user = db.session.execute(select(User).where(User.email == "cli@example.org")).scalar_one()
    assert user.is_confirmed
    assert outbox() == [] and deliver_due().sent == 0


def test_a_token_for_an_old_address_does_not_confirm_a_new_one(user_factory):
    user = user_factory(confirmed=False)
    token = confirmation.make_confirmation_token(user)
    user.email = "changed@example.org"
    db.session.commit()
    assert confirmation.user_for_confirmation_token(token) is None


def test_the_migration_confirms_existing_accounts(empty_database_url):
    app = make_app(empty_database_url)
    with app.app_context():
        script = ScriptDirectory(app.extensions["migrate"].directory)
        step = next(r for r in script.walk_revisions() if r.path.endswith("_email_confirmation.py"))
        flask_migrate.upgrade(revision=step.down_revision)
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (email, name, password_hash, bio, created_at, password_changed_at, "
                    "ban_reason, unread_notifications) VALUES ('old@example.org', 'Old', 'x', '', "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '', 0)"
                )
            )
        flask_migrate.upgrade(revision=step.revision)
        with db.engine.connect() as conn:
            confirmed = conn.execute(text("SELECT email_confirmed_at FROM users")).scalar_one()
        db.engine.dispose()
    assert confirmed is not None


def test_only_confirmed_established_accounts_count_towards_hiding(user_factory):
    confirmed, unconfirmed = user_factory(), user_factory(confirmed=False)
    for user in (confirmed, unconfirmed):
        user.created_at = utcnow() - timedelta(days=30)
    assert counts_towards_hiding(confirmed)
    assert not counts_towards_hiding(unconfirmed)
