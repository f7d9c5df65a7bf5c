"""Hide and restore, lock and unlock, dismiss: consistent hidden_* fields and counts that follow."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civicboard.audit.models import AuditEntry
from civicboard.extensions import db
from civicboard.moderation import services
from civicboard.moderation.models import Flag
from civicboard.problems.models import Comment, Problem
from civicboard.problems.ranking import hot_score
from civicboard.timeutil import utcnow
from civicboard.validation import ValidationError
from tests.staff.factories import add_comment, add_votes


def _problem_actions() -> list[str]:
    query = select(AuditEntry.action).where(AuditEntry.action.startswith("problem.")).order_by(AuditEntry.id)
    return list(db.session.execute(query).scalars())


def test_hiding_a_problem_needs_a_reason(moderator, problem_factory):
    with pytest.raises(ValidationError) as caught:
        services.hide(moderator, problem_factory(), "  ")
    assert "reason" in caught.value.fields


def test_hiding_a_problem_sets_every_hidden_field_and_leaves_the_counts(
    moderator, problem_factory, dataset_factory, residents
):
    dataset = dataset_factory(problem_count=1)
    problem = problem_factory(datasets=[dataset])
    add_votes(problem, residents(2))
    services.hide(moderator, problem, "Personal details of a neighbour.")
    db.session.commit()
    assert problem.hidden_at is not None and problem.hidden_by_id == moderator.id
    assert problem.hidden_reason == "Personal details of a neighbour."
    db.session.refresh(dataset)
    assert (dataset.problem_count, dataset.demand) == (0, 0)


def test_restoring_a_problem_brings_everything_back(moderator, problem_factory, dataset_factory, residents):
    dataset = dataset_factory(problem_count=1)
    problem = problem_factory(datasets=[dataset])
    add_votes(problem, residents(2))
    services.hide(moderator, problem, "Checking.")
    db.session.commit()
    assert services.restore(moderator, problem, "It was fine.") is True
    db.session.commit()
    assert (problem.hidden_at, problem.hidden_by_id, problem.hidden_reason) == (None, None, "")
    db.session.refresh(dataset)
    assert (dataset.problem_count, dataset.demand) == (1, 2)
    assert _problem_actions() == ["problem.hide", "problem.restore"]


def test_restoring_a_visible_problem_changes_nothing(moderator, problem_factory):
    assert services.restore(moderator, problem_factory()) is False
    assert _problem_actions() == []


def test_hiding_twice_does_not_count_twice(moderator, problem_factory, dataset_factory):
    dataset = dataset_factory(problem_count=1)
    problem = problem_factory(datasets=[dataset])
    services.hide(moderator, problem, "First reason.")
    services.hide(moderator, problem, "Better reason.")
    db.session.commit()
    db.session.refresh(dataset)
    assert dataset.problem_count == 0 and problem.hidden_reason == "Better reason."


def test_hiding_a_comment_lowers_the_live_count_and_hot(moderator, problem_factory, residents):
    (author,) = residents(1)
    problem = problem_factory()
    comments = [add_comment(problem, author) for _ in range(3)]
    services.hide(moderator, comments[0], "Abusive.")
    db.session.commit()
    db.session.expire_all()
    problem = db.session.get(Problem, problem.id)
    assert problem.comment_count == 2
    assert problem.hot == hot_score(problem.vote_count, 2, problem.created_at)
    comment = db.session.get(Comment, comments[0].id)
    assert (comment.hidden_by_id, comment.hidden_reason) == (moderator.id, "Abusive.")


def test_restoring_a_comment_brings_the_count_back(moderator, problem_factory, residents):
    (author,) = residents(1)
    problem = problem_factory()
    comment = add_comment(problem, author)
    services.hide(moderator, comment, "Abusive.")
    db.session.commit()
    services.restore(moderator, comment)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Problem, problem.id).comment_count == 1
    assert db.session.get(Comment, comment.id).hidden_at is None


def test_hiding_a_deleted_comment_leaves_the_count_alone(moderator, problem_factory, residents):
    (author,) = residents(1)
    problem = problem_factory()
    add_comment(problem, author)
    deleted = add_comment(problem, author, deleted_at=utcnow())
    services.hide(moderator, deleted, "Old abuse.")
    services.restore(moderator, deleted)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Problem, problem.id).comment_count == 1


def test_hiding_closes_open_flags_and_takes_the_item_out_of_the_queue(moderator, problem_factory, residents):
    problem = problem_factory()
    for reporter in residents(2):
        services.flag(reporter, "problem", problem.id, "spam", "")
    services.hide(moderator, problem, "Spam.")
    db.session.commit()
    flags = db.session.execute(select(Flag)).scalars().all()
    assert {(f.resolution, f.resolved_by_id) for f in flags} == {("hidden", moderator.id)}


def test_dismissing_flags_restores_an_automatically_hidden_item(moderator, problem_factory, residents):
    problem = problem_factory()
    for reporter in residents(3):
        services.flag(reporter, "problem", problem.id, "spam", "")
    assert problem.is_hidden
    assert services.dismiss_flags(moderator, "problem", problem.id, "Not spam.") == 3
    db.session.commit()
    assert not problem.is_hidden
    assert {f.resolution for f in db.session.execute(select(Flag)).scalars()} == {"dismissed"}


def test_dismissing_flags_keeps_a_moderator_hide(moderator, problem_factory):
    problem = problem_factory()
    services.hide(moderator, problem, "Off topic.")
    services.flag(moderator, "problem", problem.id, "off_topic", "")
    services.dismiss_flags(moderator, "problem", problem.id)
    db.session.commit()
    assert problem.is_hidden  # the moderator's own decision stands


def test_lock_and_unlock(moderator, problem_factory, residents):
    (resident,) = residents(1)
    problem = problem_factory()
    assert services.lock_problem(moderator, problem, "Heated.") is True
    assert problem.locked_by_id == moderator.id
    assert not problem.can_vote(resident) and not problem.can_comment(resident)
    assert services.lock_problem(moderator, problem) is False
    assert services.unlock_problem(moderator, problem) is True
    db.session.commit()
    assert problem.can_comment(resident)
    assert _problem_actions() == ["problem.lock", "problem.unlock"]


# -- routes ----------------------------------------------------------------------------------


def test_hide_route_redirects_to_the_problem(moderator_client, problem_factory):
    problem = problem_factory()
    response = moderator_client.form(f"/moderation/problems/{problem.id}/hide", {"reason": "Spam."})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/problems/{problem.id}")
    db.session.expire_all()
    assert db.session.get(Problem, problem.id).hidden_reason == "Spam."


def test_hide_route_without_a_reason_shows_the_form_again(moderator_client, problem_factory):
    problem = problem_factory()
    response = moderator_client.form(f"/moderation/problems/{problem.id}/hide", {"reason": ""})
    assert response.status_code == 422
    assert "Reason is required." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Problem, problem.id).hidden_at is None


def test_comment_routes_hide_and_restore(moderator_client, problem_factory, residents):
    (author,) = residents(1)
    problem = problem_factory()
    comment = add_comment(problem, author)
    response = moderator_client.form(
        f"/moderation/comments/{comment.id}/hide", {"reason": "Rude.", "next": "/moderation"}
    )
    assert response.headers["Location"].endswith("/moderation")
    moderator_client.form(f"/moderation/comments/{comment.id}/restore", {"reason": ""})
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).hidden_at is None
    assert db.session.get(Problem, problem.id).comment_count == 1


def test_lock_route_and_dismiss_route(moderator_client, problem_factory, residents):
    problem = problem_factory()
    (reporter,) = residents(1)
    services.flag(reporter, "problem", problem.id, "spam", "")
    db.session.commit()
    moderator_client.form(f"/moderation/problems/{problem.id}/lock", {"reason": ""})
    response = moderator_client.form(
        "/moderation/flags/dismiss", {"target_type": "problem", "target_id": problem.id, "next": "/moderation"}
    )
    assert response.headers["Location"].endswith("/moderation")
    db.session.expire_all()
    assert db.session.get(Problem, problem.id).locked_at is not None
    assert db.session.execute(select(Flag)).scalar_one().resolution == "dismissed"
