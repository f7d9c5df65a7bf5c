"""Helpers shared by the staff and moderation tests: votes, follows and comments as rows."""

from __future__ import annotations

from typing import Any

from civicboard.extensions import db
from civicboard.markup import render
from civicboard.problems import counters
from civicboard.problems.models import Comment, Problem, Vote
from civicboard.problems.notifications import follow
from civicboard.problems.ranking import hot_score


def add_votes(problem: Problem, users: list[Any]) -> None:
    """Vote for a problem as each user, keeping the stored counters exact (as the vote service does)."""
    for user in users:
        db.session.add(Vote(user_id=user.id, problem_id=problem.id))
    db.session.flush()
    counters.votes_recounted(problem.id)
    db.session.commit()


def add_follower(problem: Problem, user: Any) -> None:
    """Make a user follow a problem."""
    follow(user, problem_id=problem.id)
    db.session.commit()


def add_comment(problem: Problem, author: Any, body: str = "A comment.", **fields: Any) -> Comment:
    """A live comment on a problem, counted in its stored comment count."""
    comment = Comment(problem_id=problem.id, author_id=author.id, body=body, body_html=render(body), **fields)
    db.session.add(comment)
    if comment.deleted_at is None and comment.hidden_at is None:
        problem.comment_count += 1
        problem.hot = hot_score(problem.vote_count, problem.comment_count, problem.created_at)
    db.session.commit()
    return comment
