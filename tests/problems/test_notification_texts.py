"""What each notification says: a response's status move and a moderated author's notice
(what, why, how to ask for a review). The challenge a problem joined: tests/challenges."""

from __future__ import annotations

from civicboard.extensions import db
from civicboard.moderation import services as moderation
from civicboard.problems import notifications
from civicboard.staff import services as staff_services
from tests.staff.factories import add_comment


def _page(client) -> str:
    return client.get("/notifications").get_data(as_text=True)


def test_a_response_notification_names_the_status_change(logged_in, make_problem, user_factory):
    client, user = logged_in
    problem = make_problem("Broken bench", author=user)
    notifications.follow(user, problem_id=problem.id)
    staff = user_factory(roles=["staff"], department="Parks")
    staff_services.respond(staff, problem, "We will fix it.", "acknowledged")
    db.session.commit()
    html = _page(client)
    assert "posted an official response on" in html
    assert "status: Open → <strong>Acknowledged</strong>" in html


def test_a_response_without_a_status_change_names_none(logged_in, make_problem, user_factory):
    client, user = logged_in
    problem = make_problem("Broken bench", author=user)
    notifications.follow(user, problem_id=problem.id)
    staff_services.respond(user_factory(roles=["staff"]), problem, "Noted.")
    db.session.commit()
    assert "status:" not in _page(client)


def test_an_author_is_told_when_a_moderator_hides_their_problem(logged_in, make_problem, user_factory):
    client, user = logged_in
    problem = make_problem("My street", author=user)
    moderation.hide(user_factory(roles=["moderator"]), problem, "It names a private person.")
    db.session.commit()
    html = _page(client)
    assert "Your problem" in html and "was hidden by a moderator" in html
    assert "It names a private person." in html
    assert "ask for a review" in html and "mailto:" in html
    assert f'href="/problems/{problem.id}"' in html  # its author may still open it


def test_an_author_is_told_when_their_comment_is_hidden_and_restored(logged_in, make_problem, user_factory):
    client, user = logged_in
    problem = make_problem("Someone else's problem", author=user_factory())
    comment = add_comment(problem, user, "A heated remark.")
    moderator = user_factory(roles=["moderator"])
    moderation.hide(moderator, comment, "Insults another resident.")
    db.session.commit()
    moderation.restore(moderator, comment, "Reviewed: it is within the rules.")
    db.session.commit()
    html = _page(client)
    assert html.index("was restored by a moderator") < html.index("was hidden by a moderator")
    assert "Your comment on" in html
    assert "Insults another resident." in html and "Reviewed: it is within the rules." in html
    assert f"#comment-{comment.id}" in html


def test_the_moderator_acting_on_their_own_item_is_not_notified(make_problem, user_factory):
    moderator = user_factory(roles=["moderator"])
    problem = make_problem("Own problem", author=moderator)
    moderation.hide(moderator, problem, "Duplicate I posted by mistake.")
    db.session.commit()
    assert moderator.unread_notifications == 0
