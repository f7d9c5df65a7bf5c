"""Notification emails: one per event and recipient, by the topic's setting, with one-click unsubscribe."""

from __future__ import annotations

import re
import threading

from civicboard.extensions import db
from civicboard.moderation import services as moderation
from civicboard.notify import dispatch
from civicboard.outbox.models import OutboxMessage
from civicboard.problems import preferences
from civicboard.problems.models import EmailState, Notification
from civicboard.problems.services import add_comment
from civicboard.staff import services as staff_services
from tests.smtp import body_of


def _resolve(user_factory, problem, body="We fixed the bench this morning."):
    staff = user_factory(roles=["staff"], department="Parks", name="Sam Staff")
    staff_services.respond(staff, problem, body, "resolved")
    db.session.commit()
    return staff


def test_a_follower_gets_one_email_when_staff_resolve(
    app, problem_factory, follower, user_factory, smtp_server, worker_pass
):
    problem = problem_factory("Broken bench in the park")
    resident = follower(problem, email="ana@example.org", name="Ana")
    _resolve(user_factory, problem)
    worker_pass()
    worker_pass()  # a second pass sends nothing more
    [message] = smtp_server.to("ana@example.org")
    body = body_of(message)
    assert message["Subject"] == "“Broken bench in the park” is now Resolved"
    assert "Sam Staff (Parks) posted an official response on “Broken bench in the park”." in body
    assert "Status: Open → Resolved" in body
    assert "> We fixed the bench this morning." in body
    assert f"http://localhost/problems/{problem.id}#response-" in body
    assert "http://localhost/account/notifications" in body
    assert message["List-Unsubscribe"].startswith("<http://localhost/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert len(smtp_server.messages) == 1  # the staff member (the actor) is not told
    assert resident.id == db.session.execute(db.select(OutboxMessage.user_id)).scalar_one()


def test_the_email_is_written_by_the_worker_not_the_request(app, problem_factory, follower, user_factory):
    problem = problem_factory()
    follower(problem)
    _resolve(user_factory, problem)
    assert db.session.execute(db.select(OutboxMessage)).first() is None
    assert db.session.execute(db.select(Notification.email_state)).scalar_one() == EmailState.PENDING
    dispatch.run()
    assert db.session.execute(db.select(Notification.email_state)).scalar_one() == EmailState.SENT
    assert db.session.execute(db.select(OutboxMessage.message_key)).scalar_one().startswith("notification:")


def test_a_rolled_back_response_sends_nothing(app, problem_factory, follower, user_factory, smtp_server, worker_pass):
    problem = problem_factory()
    follower(problem)
    staff_services.respond(user_factory(roles=["staff"]), problem, "Oops.", "resolved")
    db.session.rollback()
    worker_pass()
    assert smtp_server.messages == []


def test_unconfirmed_and_suspended_accounts_get_no_email(
    app, problem_factory, follower, user_factory, smtp_server, worker_pass
):
    problem = problem_factory()
    follower(problem, email="new@example.org", confirmed=False)
    suspended = follower(problem, email="suspended@example.org")
    moderation.suspend_user(user_factory(roles=["moderator"]), suspended, None, "Spam")
    follower(problem, email="ok@example.org")
    db.session.commit()
    _resolve(user_factory, problem)
    worker_pass()
    assert [m["To"] for m in smtp_server.messages] == ["ok@example.org"]


def test_only_on_the_site_sends_no_email_but_still_notifies(
    app, problem_factory, follower, user_factory, smtp_server, worker_pass
):
    problem = problem_factory()
    resident = follower(problem)
    preferences.set_delivery(resident.id, "responses", "off")
    db.session.commit()
    _resolve(user_factory, problem)
    worker_pass()
    assert smtp_server.messages == []
    assert db.session.execute(db.select(Notification.user_id)).scalar_one() == resident.id


def test_comments_wait_for_the_daily_digest_by_default(
    app, problem_factory, follower, user_factory, smtp_server, worker_pass
):
    problem = problem_factory()
    follower(problem)
    add_comment(user_factory(), problem, "Same here.")
    db.session.commit()
    worker_pass()
    assert smtp_server.messages == []
    assert db.session.execute(db.select(Notification.email_state)).scalar_one() == EmailState.DAILY


def test_comments_at_once_when_chosen(app, problem_factory, follower, user_factory, smtp_server, worker_pass):
    problem = problem_factory("Dark underpass")
    resident = follower(problem)
    preferences.set_delivery(resident.id, "comments", "immediate")
    db.session.commit()
    add_comment(user_factory(name="Bo"), problem, "It is **very** dark at night.")
    db.session.commit()
    worker_pass()
    [message] = smtp_server.messages
    assert message["Subject"] == "Bo commented on “Dark underpass”"
    assert "> It is **very** dark at night." in body_of(message)


def _unsubscribe_path(message) -> str:
    return re.search(r"<http://localhost(/unsubscribe/[^>]+)>", message["List-Unsubscribe"]).group(1)


def test_one_click_unsubscribe_turns_that_kind_off(
    app, make_client, problem_factory, follower, user_factory, smtp_server, worker_pass
):
    problem = problem_factory()
    resident = follower(problem)
    _resolve(user_factory, problem)
    worker_pass()
    path = _unsubscribe_path(smtp_server.messages[0])
    # RFC 8058: a POST with this body, no cookie, no CSRF token.
    answer = make_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert preferences.settings_of(resident.id)["responses"] is preferences.Delivery.OFF
    assert preferences.settings_of(resident.id)["comments"] is preferences.Delivery.DAILY
    staff_services.respond(user_factory(roles=["staff"]), problem, "Reopened.", "open")
    db.session.commit()
    worker_pass()
    assert len(smtp_server.messages) == 1


def test_the_unsubscribe_page_asks_before_turning_off(
    app, client, problem_factory, follower, user_factory, smtp_server, worker_pass
):
    problem = problem_factory()
    resident = follower(problem)
    _resolve(user_factory, problem)
    worker_pass()
    path = _unsubscribe_path(smtp_server.messages[0])
    page = client.get(path)
    assert page.status_code == 200 and "An official response or a status change" in page.get_data(as_text=True)
    assert preferences.settings_of(resident.id)["responses"] is preferences.Delivery.IMMEDIATE
    assert client.post(path).status_code == 400  # a person's form needs its CSRF token
    done = client.form(path)
    assert done.status_code == 200 and "Done" in done.get_data(as_text=True)
    assert preferences.settings_of(resident.id)["responses"] is preferences.Delivery.OFF


def test_a_forged_unsubscribe_token_is_refused(client):
    assert client.get("/unsubscribe/not-a-token").status_code == 404
    assert client.post("/unsubscribe/not-a-token", data={"List-Unsubscribe": "One-Click"}).status_code == 404


def test_the_settings_page_saves_a_choice_per_topic(app, logged_in):
    client, user = logged_in
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'name="responses" id="responses-immediate" value="immediate" checked' in page
    assert 'name="area_alerts" id="area_alerts-weekly" value="weekly" checked' in page
    choices = {t.key: t.default.value for t in preferences.TOPICS} | {"comments": "weekly", "responses": "off"}
    assert client.form("/account/notifications", choices).status_code == 302
    saved = preferences.settings_of(user.id)
    assert saved["comments"] is preferences.Delivery.WEEKLY and saved["responses"] is preferences.Delivery.OFF


def test_the_settings_page_refuses_an_unknown_choice_and_keeps_the_rest(app, logged_in):
    client, user = logged_in
    choices = {t.key: t.default.value for t in preferences.TOPICS} | {"comments": "hourly", "responses": "off"}
    answer = client.form("/account/notifications", choices)
    assert answer.status_code == 422
    assert 'id="responses-off" value="off" checked' in answer.get_data(as_text=True)
    assert preferences.settings_of(user.id)["responses"] is preferences.Delivery.IMMEDIATE


def test_the_settings_page_needs_a_login(client):
    assert client.get("/account/notifications").status_code == 302


def test_two_workers_racing_write_each_email_once(app, problem_factory, user_factory, follower):
    problem = problem_factory()
    for _ in range(30):
        follower(problem)
    _resolve(user_factory, problem)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run_worker() -> None:
        with app.app_context():
            try:
                barrier.wait()
                dispatch.run()
            except BaseException as exc:  # surfaced below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run_worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    keys = db.session.execute(db.select(OutboxMessage.message_key)).scalars().all()
    assert len(keys) == 30 and len(set(keys)) == 30


def test_a_comment_hidden_before_the_worker_runs_is_not_emailed(
    app, problem_factory, follower, user_factory, smtp_server, worker_pass
):
    problem = problem_factory()
    resident = follower(problem)
    preferences.set_delivery(resident.id, "comments", "immediate")
    db.session.commit()
    comment = add_comment(user_factory(), problem, "Buy cheap watches!")
    db.session.commit()
    moderation.hide_comment(user_factory(roles=["moderator"]), comment, "Spam")
    db.session.commit()
    worker_pass()
    assert [m["To"] for m in smtp_server.messages] == [comment.author.email]  # only its author, told of the hiding
    assert "was hidden by a moderator" in body_of(smtp_server.messages[0])
    assert "Reason: Spam" in body_of(smtp_server.messages[0])


def test_the_demo_seed_mails_nobody_about_its_history(app):
    from civicboard import demo

    demo.seed()
    db.session.commit()
    assert db.session.execute(db.select(Notification.id)).first() is not None
    report = dispatch.run()
    assert (report.emailed, report.digest) == (0, 0)


def test_a_problem_hidden_before_the_worker_runs_is_not_emailed_to_followers(
    app, problem_factory, follower, user_factory, smtp_server, worker_pass
):
    author = user_factory(email="author@example.org")
    problem = problem_factory(author=author)
    follower(problem, email="follower@example.org")
    _resolve(user_factory, problem)
    moderation.hide_problem(user_factory(roles=["moderator"]), problem, "Personal data in the description")
    db.session.commit()
    worker_pass()
    assert [m["To"] for m in smtp_server.messages] == ["author@example.org"]
    assert "Reason: Personal data in the description" in body_of(smtp_server.messages[0])


def test_a_worker_dying_mid_batch_leaves_it_pending_and_the_rerun_writes_each_email_once(
    app, problem_factory, follower, user_factory, monkeypatch
):
    from civicboard.notify import emails

    problem = problem_factory()
    for _ in range(3):
        follower(problem)
    _resolve(user_factory, problem)
    calls = {"n": 0}
    original = emails.single

    def dies_on_the_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the worker was killed")
        return original(*args, **kwargs)

    monkeypatch.setattr(emails, "single", dies_on_the_second)
    try:
        dispatch.run()
    except RuntimeError:
        db.session.rollback()
    states = db.session.execute(db.select(Notification.email_state)).scalars().all()
    assert states == ["pending"] * 3 and db.session.execute(db.select(OutboxMessage.id)).first() is None
    monkeypatch.setattr(emails, "single", original)
    dispatch.run()
    keys = db.session.execute(db.select(OutboxMessage.message_key)).scalars().all()
    assert len(keys) == 3 and len(set(keys)) == 3
