"""The worker's schedule: every periodic task is registered, and each does its work when run."""

from __future__ import annotations

from civicboard.extensions import db
from civicboard.insights import store
from civicboard.insights import tasks as insights_tasks
from civicboard.interop import exports
from civicboard.interop import tasks as interop_tasks
from civicboard.notify import tasks as notify_tasks
from civicboard.outbox.worker import huey
from civicboard.problems import notifications
from civicboard.problems.services import add_comment
from tests.smtp import body_of


def test_every_periodic_task_is_on_the_schedule(app):
    names = {task.name.rpartition(".")[2] for task in huey._registry.periodic_tasks}
    assert {
        "sweep_outbox",
        "sweep_notifications",
        "daily_digests",
        "weekly_digests",
        "nightly_refresh",
        "refresh_exports",
        "refresh_insights",
        "prune_pending_photos",
    } <= names


def test_the_export_task_builds_the_stored_exports(app, problem_factory):
    problem_factory("Exported problem")
    assert exports.manifest(app) is None
    assert interop_tasks.refresh_exports.call_local() == exports.BUILT
    assert "Exported problem" in exports.stored_file(app, "csv").read_text()
    assert interop_tasks.refresh_exports.call_local() == exports.FRESH  # not due again yet


def test_the_insights_task_computes_the_figures(app, problem_factory):
    problem_factory()
    assert store.computed_at(app) is None
    assert insights_tasks.refresh_insights.call_local() == store.COMPUTED
    assert store.computed_at(app) is not None


def test_the_daily_digest_task_sends_the_digests(app, problem_factory, user_factory, smtp_server):
    from civicboard.notify import dispatch
    from civicboard.outbox.services import deliver_due

    problem = problem_factory("Leaking hydrant")
    resident = user_factory(email="ana@example.org")
    notifications.follow(resident, problem_id=problem.id)
    db.session.commit()
    add_comment(user_factory(), problem, "Still leaking.")
    db.session.commit()
    dispatch.run()
    notify_tasks.daily_digests.call_local()
    deliver_due()
    [message] = smtp_server.messages
    assert message["Subject"].startswith("Your daily digest") and "> Still leaking." in body_of(message)


def test_the_notification_task_dispatches_in_the_workers_app_context(app, problem_factory, user_factory, smtp_server):
    from civicboard.outbox.services import deliver_due
    from civicboard.staff import services as staff_services

    problem = problem_factory()
    resident = user_factory(email="ana@example.org")
    notifications.follow(resident, problem_id=problem.id)
    db.session.commit()
    staff_services.respond(user_factory(roles=["staff"]), problem, "Done.", "resolved")
    db.session.commit()
    notify_tasks.dispatch_notifications.call_local()
    deliver_due()
    assert [m["To"] for m in smtp_server.messages] == ["ana@example.org"]


def test_a_commit_that_notified_wakes_the_notification_task(app, problem_factory, user_factory):
    huey.flush()
    problem = problem_factory()
    notifications.follow(user_factory(), problem_id=problem.id)
    db.session.commit()
    assert not [t for t in huey.pending() if t.name.endswith("dispatch_notifications")]
    add_comment(user_factory(), problem, "Hello.")
    db.session.commit()
    assert [t for t in huey.pending() if t.name.endswith("dispatch_notifications")]
