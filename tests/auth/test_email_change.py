"""Changing the email address: confirmed from the new address before it replaces the old; the old is told."""

from __future__ import annotations

import re

from civicboard.audit.models import AuditEntry
from civicboard.auth.models import User
from civicboard.extensions import db
from civicboard.outbox.services import deliver_due
from tests.conftest import DEFAULT_PASSWORD
from tests.smtp import body_of


def _ask(client, new="new@example.org", password=DEFAULT_PASSWORD):
    return client.form("/account/email", {"email-new_email": new, "email-current_password": password})


def _link(smtp_server, address) -> str:
    deliver_due()
    [message] = smtp_server.to(address)
    return re.search(r"http://localhost(/account/email/confirm/\S+)", body_of(message)).group(1)


def test_the_new_address_counts_only_once_confirmed(app, logged_in, smtp_server):
    client, user = logged_in
    old = user.email
    assert _ask(client).status_code == 302
    assert db.session.get(User, user.id).email == old  # nothing changed yet
    path = _link(smtp_server, "new@example.org")
    page = client.get(path)
    assert page.status_code == 200 and "new@example.org" in page.get_data(as_text=True)
    assert client.form(path).status_code == 302
    db.session.expire_all()
    changed = db.session.get(User, user.id)
    assert changed.email == "new@example.org" and changed.is_confirmed
    assert "user.email_change" in db.session.execute(db.select(AuditEntry.action)).scalars().all()


def test_the_old_address_is_told(app, logged_in, smtp_server):
    client, user = logged_in
    old = user.email
    _ask(client)
    client.form(_link(smtp_server, "new@example.org"))
    deliver_due()
    [notice] = smtp_server.to(old)
    assert "was changed" in notice["Subject"]
    assert "to new@example.org" in body_of(notice) and "/password/forgot" in body_of(notice)


def test_the_link_works_once(app, logged_in, smtp_server):
    client, _user = logged_in
    _ask(client)
    path = _link(smtp_server, "new@example.org")
    client.form(path)
    assert client.get(path).status_code == 400
    assert client.form(path).status_code == 400


def test_the_link_works_without_the_session_that_asked(app, logged_in, make_client, smtp_server):
    client, user = logged_in
    _ask(client)
    path = _link(smtp_server, "new@example.org")
    assert make_client().form(path).status_code == 302
    assert db.session.get(User, user.id).email == "new@example.org"


def test_a_wrong_password_changes_nothing_and_sends_nothing(app, logged_in, smtp_server):
    client, _user = logged_in
    answer = _ask(client, password="not my password at all")
    assert answer.status_code == 422
    assert "Your current password is not correct." in answer.get_data(as_text=True)
    assert 'value="new@example.org"' in answer.get_data(as_text=True)  # what was typed is kept
    deliver_due()
    assert smtp_server.messages == []


def test_an_address_another_account_uses_is_refused(app, logged_in, user_factory):
    client, _user = logged_in
    user_factory(email="taken@example.org")
    answer = _ask(client, new="taken@example.org")
    assert answer.status_code == 422 and "Another account uses that address." in answer.get_data(as_text=True)


def test_an_address_taken_meanwhile_is_refused_on_confirmation(app, logged_in, user_factory, smtp_server):
    client, user = logged_in
    _ask(client)
    path = _link(smtp_server, "new@example.org")
    user_factory(email="new@example.org")
    assert client.form(path).status_code == 409
    db.session.expire_all()
    assert db.session.get(User, user.id).email != "new@example.org"


def test_a_forged_link_is_refused(client):
    assert client.get("/account/email/confirm/forged").status_code == 400


def test_the_account_page_labels_both_password_fields_apart(logged_in):
    client, _user = logged_in
    html = client.get("/account").get_data(as_text=True)
    assert html.count('id="current_password"') == 1 and html.count('id="email-current_password"') == 1
