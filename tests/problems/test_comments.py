"""Comments: Markdown, one level of replies, edits with revisions, deletes, exact counts, notices."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civicboard.auth.models import User
from civicboard.extensions import db
from civicboard.permissions import PermissionDenied
from civicboard.problems import counters, services
from civicboard.problems.models import Comment, CommentRevision, Notification
from civicboard.problems.ranking import hot_score
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError, ValidationError
from tests.problems.conftest import live_comments, stored


def test_posting_a_comment_renders_markdown_and_counts(logged_in, make_problem):
    client, user = logged_in
    problem = make_problem()
    response = client.form(f"/problems/{problem.id}/comments", {"body": "Agreed, **badly**."})
    comment = db.session.execute(select(Comment)).scalar_one()
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/problems/{problem.id}?comment={comment.id}#comment-{comment.id}")
    assert comment.body_html == "<p>Agreed, <strong>badly</strong>.</p>"
    fresh = stored(problem.id)
    assert fresh.comment_count == 1
    assert fresh.hot == hot_score(0, 1, fresh.created_at)
    assert "<p>Agreed, <strong>badly</strong>.</p>" in client.get(f"/problems/{problem.id}").get_data(as_text=True)


def test_an_empty_comment_is_refused_and_shown_again(logged_in, make_problem):
    client, _ = logged_in
    problem = make_problem()
    response = client.form(f"/problems/{problem.id}/comments", {"body": "   \n  "})
    assert response.status_code == 422
    assert "Comment is required." in response.get_data(as_text=True)
    assert stored(problem.id).comment_count == 0


def test_a_failed_reply_keeps_its_text_in_its_thread(logged_in, make_problem, user_factory):
    client, _ = logged_in
    problem = make_problem()
    parent = services.add_comment(user_factory(), problem, "Top-level")
    db.session.commit()
    too_long = "x" * (services.COMMENT_MAX_LENGTH + 1)
    response = client.form(f"/problems/{problem.id}/comments", {"body": too_long, "parent_id": str(parent.id)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert '<details class="reply" open>' in html
    assert too_long in html


def test_a_reply_to_a_reply_joins_the_top_level_thread(make_problem, user_factory):
    problem = make_problem()
    top = services.add_comment(user_factory(), problem, "Top")
    reply = services.add_comment(user_factory(), problem, "Reply", parent_id=top.id)
    nested = services.add_comment(user_factory(), problem, "Reply to reply", parent_id=reply.id)
    assert reply.parent_id == top.id and nested.parent_id == top.id


def test_replies_to_another_problems_comment_are_refused(make_problem, user_factory):
    other = services.add_comment(user_factory(), make_problem(), "Elsewhere")
    with pytest.raises(ValidationError):
        services.add_comment(user_factory(), make_problem(), "Here", parent_id=other.id)


def test_replies_notify_the_replied_to_author_and_followers_once(make_problem, user_factory):
    author = user_factory()
    problem = make_problem(author=author)
    commenter = user_factory()
    top = services.add_comment(commenter, problem, "Top")
    db.session.commit()
    services.follow_problem(commenter, problem)
    replier = user_factory()
    services.add_comment(replier, problem, "A reply", parent_id=top.id)
    db.session.commit()
    kinds = sorted(
        (n.user_id, n.kind)
        for n in db.session.execute(select(Notification).where(Notification.actor_id == replier.id)).scalars()
    )
    assert kinds == sorted([(commenter.id, "reply"), (author.id, "comment")])
    db.session.expire_all()
    assert db.session.get(User, commenter.id).unread_notifications == 1


def test_new_comments_notify_followers_but_not_the_commenter(make_problem, user_factory):
    author = user_factory()
    problem = make_problem(author=author)
    services.add_comment(author, problem, "My own comment")
    db.session.commit()
    assert db.session.execute(select(Notification)).first() is None
    services.add_comment(user_factory(), problem, "Someone else")
    db.session.commit()
    notification = db.session.execute(select(Notification)).scalar_one()
    assert (notification.user_id, notification.kind) == (author.id, "comment")


def test_no_comments_on_locked_problems(make_problem, user_factory):
    problem = make_problem()
    problem.locked_at = utcnow()
    db.session.commit()
    with pytest.raises(ConflictError):
        services.add_comment(user_factory(), problem, "Hello")


def test_no_comments_on_hidden_problems(logged_in, make_problem):
    client, _ = logged_in
    problem = make_problem()
    problem.hidden_at = utcnow()
    db.session.commit()
    assert client.form(f"/problems/{problem.id}/comments", {"body": "Hello"}).status_code == 404


def test_editing_keeps_the_earlier_text_as_a_revision(logged_in, make_problem):
    client, user = logged_in
    problem = make_problem()
    comment = services.add_comment(user, problem, "First text")
    db.session.commit()
    response = client.form(f"/problems/{problem.id}/comments/{comment.id}/edit", {"body": "Second *text*"})
    assert response.status_code == 303
    db.session.expire_all()
    comment = db.session.get(Comment, comment.id)
    assert comment.body_html == "<p>Second <em>text</em></p>" and comment.edited_at is not None
    assert db.session.execute(select(CommentRevision.body)).scalars().all() == ["First text"]


def test_only_the_author_edits(make_problem, user_factory):
    comment = services.add_comment(user_factory(), make_problem(), "Mine")
    with pytest.raises(PermissionDenied):
        services.edit_comment(user_factory(), comment, "Not yours")


def test_moderators_see_earlier_versions(make_client, login, make_problem, user_factory, moderator):
    author = user_factory()
    problem = make_problem()
    comment = services.add_comment(author, problem, "Original words")
    services.edit_comment(author, comment, "New words")
    db.session.commit()
    url = f"/problems/{problem.id}/comments/{comment.id}/history"
    browser = make_client()
    login(browser, author)
    assert browser.get(url).status_code == 403
    browser = make_client()
    login(browser, moderator)
    assert "Original words" in browser.get(url).get_data(as_text=True)


def test_deleting_leaves_a_placeholder_and_counts_down(logged_in, make_problem, user_factory):
    client, user = logged_in
    problem = make_problem()
    comment = services.add_comment(user, problem, "Regrettable words")
    reply = services.add_comment(user_factory(), problem, "A reply", parent_id=comment.id)
    db.session.commit()
    response = client.form(f"/problems/{problem.id}/comments/{comment.id}/delete")
    assert response.status_code == 303
    html = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert "Comment deleted." in html and "Regrettable words" not in html
    assert "A reply" in html
    assert stored(problem.id).comment_count == 1 == live_comments(problem.id)
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body == ""
    assert reply.id


def test_deleting_twice_counts_once(make_problem, user_factory):
    author = user_factory()
    problem = make_problem()
    comment = services.add_comment(author, problem, "Once")
    services.add_comment(author, problem, "Twice")
    assert services.delete_comment(author, comment) is True
    assert services.delete_comment(author, comment) is False
    db.session.commit()
    assert stored(problem.id).comment_count == 1 == live_comments(problem.id)


def test_others_cannot_delete_my_comment(make_problem, user_factory):
    comment = services.add_comment(user_factory(), make_problem(), "Mine")
    with pytest.raises(PermissionDenied):
        services.delete_comment(user_factory(), comment)


def test_counters_add_comments_moves_the_count_and_the_hot_score(make_problem, user_factory):
    problem = make_problem()
    comment = services.add_comment(user_factory(), problem, "Rude")
    db.session.commit()
    comment.hidden_at = utcnow()
    assert counters.add_comments(problem.id, -1) == 0
    db.session.commit()
    fresh = stored(problem.id)
    assert fresh.comment_count == 0 == live_comments(problem.id)
    assert fresh.hot == hot_score(0, 0, fresh.created_at)


def test_hidden_comments_are_hidden_from_others_but_keep_the_thread(client, make_problem, user_factory):
    problem = make_problem()
    top = services.add_comment(user_factory(), problem, "Rude words")
    services.add_comment(user_factory(), problem, "Polite reply", parent_id=top.id)
    lone = services.add_comment(user_factory(), problem, "Spam link")
    top.hidden_at = lone.hidden_at = utcnow()
    db.session.commit()
    html = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert "Rude words" not in html and "Spam link" not in html
    assert "Comment hidden by a moderator." in html and "Polite reply" in html
    assert f'id="comment-{lone.id}"' not in html


def test_each_comment_includes_the_moderation_partial(app, client, make_problem, user_factory):
    from jinja2 import ChoiceLoader, DictLoader

    problem = make_problem()
    comment = services.add_comment(user_factory(), problem, "Hello")
    db.session.commit()
    app.jinja_loader  # noqa: B018
    app.jinja_env.loader = ChoiceLoader(
        [DictLoader({"moderation/_comment_actions.html": "MOD-ACTIONS-{{ comment.id }}"}), app.jinja_env.loader]
    )
    assert f"MOD-ACTIONS-{comment.id}" in client.get(f"/problems/{problem.id}").get_data(as_text=True)
