"""The outbox's guarantees: nothing from a rollback, nothing lost, retried then failed, never twice."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from civicboard.extensions import db
from civicboard.outbox import services, worker
from civicboard.outbox.models import OutboxMessage, OutboxStatus
from civicboard.timeutil import utcnow
from tests.smtp import free_port


def queue(n: int = 1, prefix: str = "event") -> None:
    for i in range(n):
        services.queue_email(f"{prefix}:{i}", f"person{i}@example.org", f"Subject {i}", f"Body {i}\n")


def statuses() -> list[str]:
    db.session.expire_all()
    return list(db.session.execute(select(OutboxMessage.status).order_by(OutboxMessage.id)).scalars())


def test_an_action_that_rolls_back_sends_nothing(app, smtp_server):
    worker.huey.flush()
    queue()
    db.session.rollback()
    report = services.deliver_due()
    assert report.sent == 0
    assert smtp_server.messages == []
    assert worker.huey.pending_count() == 0


def test_a_commit_that_queued_mail_wakes_the_worker(app):
    worker.huey.flush()
    queue()
    db.session.commit()
    assert [task.name for task in worker.huey.pending()] == ["deliver_outbox"]


def test_queued_mail_is_delivered_by_smtp_once(app, smtp_server):
    queue()
    db.session.commit()
    assert services.deliver_due().sent == 1
    assert services.deliver_due().sent == 0
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["To"] == "person0@example.org"
    assert smtp_server.messages[0]["Subject"] == "Subject 0"
    assert statuses() == ["sent"]


def test_a_delivery_pass_sends_over_one_connection(app, smtp_server):
    queue(5)
    db.session.commit()
    assert services.deliver_due().sent == 5
    assert len(smtp_server.messages) == 5 and len(set(smtp_server.peers)) == 1


def test_a_dropped_connection_retries_that_message_later_and_reconnects(app, smtp_server, monkeypatch):
    from civicboard import mail

    queue(3)
    db.session.commit()
    sent = []
    original = mail._send_smtp

    def drop_after_first(message):
        if len(sent) == 1 and mail._pass.smtp is not None:
            mail._pass.smtp.sock.shutdown(socket.SHUT_RDWR)  # the server hung up between two messages
        sent.append(message)
        original(message)

    monkeypatch.setattr(mail, "_send_smtp", drop_after_first)
    report = services.deliver_due()
    assert report.sent == 2 and report.retried == 1
    assert len(set(smtp_server.peers)) == 2


def test_the_same_event_queued_twice_is_one_message(app, smtp_server):
    queue()
    db.session.commit()
    queue()
    db.session.commit()
    services.deliver_due()
    assert len(smtp_server.messages) == 1


def test_a_crash_between_commit_and_enqueue_loses_nothing(app, smtp_server, monkeypatch):
    def queue_unreachable():
        raise ConnectionError("the queue is down")

    monkeypatch.setattr(worker.huey, "enqueue", lambda task: queue_unreachable())
    queue()
    db.session.commit()  # the wake-up fails, and is only logged
    assert smtp_server.messages == []
    worker.sweep_outbox.call_local()  # the periodic sweep, as the consumer runs it every minute
    assert len(smtp_server.messages) == 1


def test_the_worker_task_delivers_in_its_own_app_context(app, smtp_server):
    queue()
    db.session.commit()
    worker.deliver_outbox.call_local()
    assert len(smtp_server.messages) == 1


def test_smtp_down_is_retried_with_backoff_then_failed(app, smtp_to):
    app.config.update(MAIL_MAX_ATTEMPTS=3, MAIL_RETRY_BASE_SECONDS=60)
    smtp_to(free_port())  # nothing listens there
    queue()
    db.session.commit()
    started = utcnow()
    assert services.deliver_due().retried == 1
    message = db.session.execute(select(OutboxMessage)).scalar_one()
    assert message.status == OutboxStatus.QUEUED.value and message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    first_delay = message.next_attempt_at - started
    assert timedelta(seconds=59) < first_delay < timedelta(seconds=70)
    assert services.deliver_due().sent == 0  # not due yet: nothing tried
    assert services.deliver_due(limit=1, now=utcnow() + timedelta(hours=1)).retried == 1
    db.session.expire_all()
    assert message.attempts == 2 and message.next_attempt_at - utcnow() > timedelta(seconds=110)
    assert services.deliver_due(limit=1, now=utcnow() + timedelta(hours=1)).failed == 1
    assert statuses() == ["failed"]


def test_failed_mail_is_shown_to_admins_and_can_be_retried(app, client, smtp_to, smtp_server, user_factory, login):
    services.queue_email("event:1", "resident@example.org", "Your problem was answered", "Body\n")
    message = db.session.execute(select(OutboxMessage)).scalar_one()
    message.status, message.attempts, message.last_error = "failed", 5, "ConnectionRefusedError: down"
    db.session.commit()
    login(client, user_factory(roles=["admin"]))
    page = client.get("/admin").get_data(as_text=True)
    assert "Mail that could not be sent" in page
    assert "<strong>1</strong> message failed" in page
    assert "resident@example.org" in page and "ConnectionRefusedError: down" in page
    assert client.form(f"/admin/mail/{message.id}/retry").status_code == 302
    services.deliver_due()
    assert [m["To"] for m in smtp_server.messages] == ["resident@example.org"]


def test_only_admins_may_retry_failed_mail(app, logged_in):
    client, _user = logged_in
    services.queue_email("event:1", "resident@example.org", "Subject", "Body\n")
    db.session.commit()
    assert client.form("/admin/mail/1/retry").status_code == 403


def test_two_workers_racing_deliver_each_message_once(app, smtp_server):
    queue(40)
    db.session.commit()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run_worker() -> None:
        with app.app_context():
            try:
                barrier.wait()
                services.deliver_due()
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
    ids = smtp_server.message_ids()
    assert len(ids) == 40 and len(set(ids)) == 40
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(f"person{i}@example.org" for i in range(40))
    assert statuses() == ["sent"] * 40


def test_a_worker_killed_while_sending_never_sends_that_message_again(app, smtp_server):
    queue(2)
    db.session.commit()
    claimed = services.claim_next()  # the worker claimed the first message, then was killed
    assert claimed is not None
    assert services.deliver_due().sent == 1  # a restarted worker sends the other one
    assert services.deliver_due(now=utcnow() + timedelta(minutes=11)).interrupted == 1
    assert len(smtp_server.messages) == 1 and smtp_server.messages[0]["To"] == "person1@example.org"
    interrupted = db.session.get(OutboxMessage, claimed[0])
    assert interrupted.status == OutboxStatus.FAILED.value
    assert "interrupted" in interrupted.last_error
    assert services.failed_count() == 1


def test_a_stale_claim_cannot_overwrite_a_newer_outcome(app, smtp_server):
    queue()
    db.session.commit()
    message_id, claim_id = services.claim_next()
    services.fail_interrupted(now=utcnow() + timedelta(minutes=11))
    assert services.deliver_claimed(message_id, claim_id) == "failed"
    assert smtp_server.messages == []


@pytest.mark.parametrize("overrides", [{"ENV_NAME": "production"}, {"MAIL_SERVER": "mail.example.org"}])
def test_the_development_mail_page_is_absent_with_a_mail_server_or_in_production(database_url, overrides):
    from tests.conftest import make_app

    app = make_app(database_url, MAIL_BACKEND=None, **overrides)
    assert app.test_client().get("/dev/mail").status_code == 404


def test_development_mail_is_kept_and_listed(app, client, user_factory):
    app.config["MAIL_BACKEND"] = "log"
    user = user_factory(email="known@example.org")
    client.form("/password/forgot", {"email": user.email})
    services.deliver_due()
    page = client.get("/dev/mail").get_data(as_text=True)
    assert "known@example.org" in page and "/password/reset/" in page and "<strong>Status:</strong> Sent" in page


def test_flask_mail_deliver_sends_what_is_due(app, runner, smtp_server):
    queue(2)
    db.session.commit()
    result = runner.invoke(args=["mail", "deliver"])
    assert result.exit_code == 0, result.output
    assert "sent 2" in result.output
    assert len(smtp_server.messages) == 2
