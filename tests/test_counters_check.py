"""`flask counters check [--fix]`: every stored counter against a recount of its rows."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.moderation import services as moderation
from civicboard.problems import services
from civicboard.problems.models import Problem
from civicboard.problems.ranking import hot_score


@pytest.fixture
def board(app, dataset_factory, residents, user_factory):
    """A problem tied to a dataset, with votes, a comment, its author following, a flag and a notification."""
    dataset = dataset_factory()
    author = user_factory()
    problem = services.create_problem(
        author, title="A broken streetlight", description="Dark at night.", dataset_ids=[dataset.id]
    )
    voters = residents(3)
    for voter in voters:
        services.vote(voter, problem.id)
    services.add_comment(voters[0], problem, "Still broken.")  # the author hears of it
    moderation.flag(voters[1], "problem", problem.id, "spam")
    db.session.commit()
    return {"problem_id": problem.id, "dataset_id": dataset.id, "author_id": author.id}


def corrupt(sql: str, **params) -> None:
    db.session.execute(text(sql), params)
    db.session.commit()


def test_check_passes_when_every_counter_matches(runner, board):
    result = runner.invoke(args=["counters", "check"])
    assert result.exit_code == 0, result.output
    assert "Every counter matches its recount." in result.output


def test_check_reports_each_drifted_counter_and_fails(runner, board):
    corrupt(
        "UPDATE problems SET vote_count = 7, comment_count = 0, follower_count = 9, flag_count = 0 WHERE id = :id",
        id=board["problem_id"],
    )
    corrupt("UPDATE datasets SET problem_count = 2, demand = -2 WHERE id = :id", id=board["dataset_id"])
    corrupt("UPDATE users SET unread_notifications = 5 WHERE id = :id", id=board["author_id"])

    result = runner.invoke(args=["counters", "check"])

    assert result.exit_code == 1
    pid, did = board["problem_id"], board["dataset_id"]
    for line in (
        f"problems {pid} vote_count: stored 7, actual 3",
        f"problems {pid} comment_count: stored 0, actual 1",
        f"problems {pid} follower_count: stored 9, actual 1",
        f"problems {pid} flag_count: stored 0, actual 1",
        f"datasets {did} problem_count: stored 2, actual 1",
        f"datasets {did} demand: stored -2, actual 3",
        f"users {board['author_id']} unread_notifications: stored 5, actual 1",
        "counters differ from a recount",
    ):
        assert line in result.output


def test_check_without_fix_changes_nothing(runner, board):
    corrupt("UPDATE datasets SET demand = -2 WHERE id = :id", id=board["dataset_id"])
    runner.invoke(args=["counters", "check"])
    db.session.expire_all()
    assert db.session.get(Dataset, board["dataset_id"]).demand == -2


def test_check_reports_a_hot_score_that_does_not_match_the_counts(runner, board):
    corrupt("UPDATE problems SET hot = 0 WHERE id = :id", id=board["problem_id"])
    result = runner.invoke(args=["counters", "check"])
    assert result.exit_code == 1
    assert f"problems {board['problem_id']} hot: stored 0.0" in result.output


def test_a_hot_score_is_judged_against_the_recounted_votes_and_comments(runner, board):
    corrupt("UPDATE problems SET vote_count = 7 WHERE id = :id", id=board["problem_id"])
    result = runner.invoke(args=["counters", "check"])
    assert "vote_count: stored 7, actual 3" in result.output
    assert " hot:" not in result.output  # it still matches the 3 real votes


def test_fix_sets_every_counter_to_its_recount(runner, board):
    corrupt(
        "UPDATE problems SET vote_count = 7, comment_count = 0, follower_count = 9, hot = 0 WHERE id = :id",
        id=board["problem_id"],
    )
    corrupt("UPDATE datasets SET problem_count = 2, demand = -2 WHERE id = :id", id=board["dataset_id"])
    corrupt("UPDATE users SET unread_notifications = 5 WHERE id = :id", id=board["author_id"])

    fixed = runner.invoke(args=["counters", "check", "--fix"])

    assert fixed.exit_code == 0, fixed.output
    assert "Repaired" in fixed.output
    db.session.expire_all()
    problem = db.session.get(Problem, board["problem_id"])
    assert (problem.vote_count, problem.comment_count, problem.follower_count) == (3, 1, 1)
    assert problem.hot == pytest.approx(hot_score(3, 1, problem.created_at))
    dataset = db.session.get(Dataset, board["dataset_id"])
    assert (dataset.problem_count, dataset.demand) == (1, 3)
    again = runner.invoke(args=["counters", "check"])
    assert again.exit_code == 0, again.output


def test_the_demo_city_seeds_counters_that_match_a_recount(runner):
    seeded = runner.invoke(args=["demo", "seed"])
    assert seeded.exit_code == 0, seeded.output
    assert db.session.execute(text("SELECT count(*) FROM votes")).scalar_one() > 0
    result = runner.invoke(args=["counters", "check"])
    assert result.exit_code == 0, result.output
