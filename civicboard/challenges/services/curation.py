"""Curation: the problems (in order, with notes) and extra datasets of a challenge.

Organizers only (capability "manage_challenges"). Adding a problem to a published challenge
tells its followers (see challenges.services.challenges for the first publication).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from sqlalchemy import delete, func, select

from civicboard.auth.models import User
from civicboard.challenges.models import Challenge, ChallengeDataset, ChallengeProblem
from civicboard.challenges.services.challenges import _notify_problem_followers
from civicboard.challenges.services.common import parse_int
from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.permissions import Capability, require
from civicboard.problems import visibility
from civicboard.problems.models import Problem
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError, ValidationError, clean_text


def _curated_rows(challenge: Challenge, actor: User | None) -> list[ChallengeProblem]:
    """The curated rows in order; hidden problems only for moderators (all rows for None)."""
    query = (
        select(ChallengeProblem)
        .join(Problem, Problem.id == ChallengeProblem.problem_id)
        .where(ChallengeProblem.challenge_id == challenge.id)
        .order_by(ChallengeProblem.position, ChallengeProblem.added_at, ChallengeProblem.problem_id)
    )
    if actor is not None:
        query = query.where(visibility.listed(Problem, actor))
    return list(db.session.execute(query).scalars().all())


def _curated_row(challenge: Challenge, problem_id: Any) -> ChallengeProblem:
    row = db.session.get(ChallengeProblem, (challenge.id, parse_int(problem_id, "problem_id")))
    if row is None:
        message = gettext("That problem is not in this challenge.")
        raise ValidationError(message, {"problem_id": message})
    return row


def _clean_note(note: Any) -> str:
    return clean_text(note, "note", label=gettext("Note"), max_length=2000, required=False)


def add_problem(actor: User, challenge: Challenge, problem_id: Any, note: Any = "") -> ChallengeProblem:
    """Curate a visible problem at the end of the list; tell its followers if published."""
    require(actor, Capability.MANAGE_CHALLENGES)
    problem = db.session.get(Problem, parse_int(problem_id, "problem_id"))
    if problem is None or not visibility.is_public(problem):
        message = gettext("There is no such problem.")
        raise ValidationError(message, {"problem_id": message})
    if db.session.get(ChallengeProblem, (challenge.id, problem.id)) is not None:
        message = gettext("This problem is already in the challenge.")
        raise ConflictError(message, {"problem_id": message})
    last = db.session.execute(
        select(func.max(ChallengeProblem.position)).where(ChallengeProblem.challenge_id == challenge.id)
    ).scalar_one()
    row = ChallengeProblem(
        challenge_id=challenge.id,
        problem_id=problem.id,
        position=(last + 1) if last is not None else 0,
        note=_clean_note(note),
        added_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    challenge.updated_at = utcnow()
    if challenge.is_published:
        _notify_problem_followers(actor, challenge, problem.id)
    return row


MAX_PROBLEMS_AT_ONCE = 100


def add_problems(actor: User, challenge: Challenge, problem_ids: list[Any], note: Any = "") -> list[ChallengeProblem]:
    """Curate several problems at once, in the order given, each with the same note.

    All or nothing: one problem that cannot be added (unknown, hidden, already in) refuses the
    whole batch, so the organizer sees the list as it was and the reason.
    """
    require(actor, Capability.MANAGE_CHALLENGES)
    ids = list(dict.fromkeys(parse_int(value, "problem_id") for value in problem_ids))
    if not ids:
        message = gettext("Choose at least one problem to add.")
        raise ValidationError(message, {"problem_id": message})
    if len(ids) > MAX_PROBLEMS_AT_ONCE:
        message = gettext("Add at most %(max)s problems at once.", max=MAX_PROBLEMS_AT_ONCE)
        raise ValidationError(message, {"problem_id": message})
    return [add_problem(actor, challenge, problem_id, note) for problem_id in ids]


def remove_problem(actor: User, challenge: Challenge, problem_id: Any) -> None:
    """Take a problem out of the challenge (projects keep the problems they named)."""
    require(actor, Capability.MANAGE_CHALLENGES)
    row = _curated_row(challenge, problem_id)
    db.session.delete(row)
    challenge.updated_at = utcnow()


def set_problem_note(actor: User, challenge: Challenge, problem_id: Any, note: Any) -> ChallengeProblem:
    """Write the organizer's note on a curated problem (plain text)."""
    require(actor, Capability.MANAGE_CHALLENGES)
    row = _curated_row(challenge, problem_id)
    row.note = _clean_note(note)
    challenge.updated_at = utcnow()
    return row


def move_problem(actor: User, challenge: Challenge, problem_id: Any, direction: str) -> bool:
    """Swap a curated problem with its neighbour above ("up") or below ("down").

    Neighbours are among the problems the organizer can see (hidden ones are skipped). Every
    row is renumbered 0..n-1 first, so ties left by concurrent additions never block a move.
    Returns False when the problem is already first (or last).
    """
    require(actor, Capability.MANAGE_CHALLENGES)
    if direction not in ("up", "down"):
        message = gettext("Direction must be up or down.")
        raise ValidationError(message, {"direction": message})
    target = _curated_row(challenge, problem_id)
    every_row = _curated_rows(challenge, None)  # each row's problem comes joined
    visible = [row for row in every_row if visibility.is_listed_for(row.problem, actor)]
    if target not in visible:
        raise ValidationError(gettext("That problem is not in this challenge."))
    index = visible.index(target)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(visible):
        return False
    for position, row in enumerate(every_row):
        row.position = position
    neighbour = visible[other]
    target.position, neighbour.position = neighbour.position, target.position
    challenge.updated_at = utcnow()
    return True


def add_dataset(actor: User, challenge: Challenge, dataset_id: Any, note: Any = "") -> ChallengeDataset:
    """Add an extra dataset to the challenge."""
    require(actor, Capability.MANAGE_CHALLENGES)
    dataset = db.session.get(Dataset, parse_int(dataset_id, "dataset_id"))
    if dataset is None:
        message = gettext("There is no such dataset.")
        raise ValidationError(message, {"dataset_id": message})
    if db.session.get(ChallengeDataset, (challenge.id, dataset.id)) is not None:
        message = gettext("This dataset is already an extra dataset of the challenge.")
        raise ConflictError(message, {"dataset_id": message})
    row = ChallengeDataset(challenge_id=challenge.id, dataset_id=dataset.id, note=_clean_note(note))
    db.session.add(row)
    db.session.flush()
    challenge.updated_at = utcnow()
    return row


def remove_dataset(actor: User, challenge: Challenge, dataset_id: Any) -> None:
    """Remove an extra dataset (datasets of curated problems stay: they come with the problems)."""
    require(actor, Capability.MANAGE_CHALLENGES)
    result = db.session.execute(
        delete(ChallengeDataset).where(
            ChallengeDataset.challenge_id == challenge.id,
            ChallengeDataset.dataset_id == parse_int(dataset_id, "dataset_id"),
        )
    )
    if not result.rowcount:
        message = gettext("That dataset is not an extra dataset of this challenge.")
        raise ValidationError(message, {"dataset_id": message})
    challenge.updated_at = utcnow()
