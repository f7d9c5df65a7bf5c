"""Duplicates: linked both ways, closed, and their votes carried over without counting anyone twice."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from civicboard.audit.models import AuditEntry
from civicboard.extensions import db
from civicboard.problems.models import Notification, Problem, Vote
from civicboard.problems.ranking import hot_score
from civicboard.staff import queries, services
from civicboard.timeutil import utcnow
from civicboard.validation import ValidationError
from tests.staff.factories import add_follower, add_votes


def _votes_on(problem_id: int) -> int:
    return db.session.execute(select(func.count()).select_from(Vote).where(Vote.problem_id == problem_id)).scalar_one()


def test_overlapping_voters_are_counted_once(staff, problem_factory, residents):
    original, duplicate = problem_factory(), problem_factory()
    both, only_original, only_duplicate = residents(2), residents(3), residents(4)
    add_votes(original, both + only_original)
    add_votes(duplicate, both + only_duplicate)
    services.respond(staff, duplicate, "Same as the other one.", "duplicate", original.id)
    db.session.commit()
    db.session.expire_all()
    original = db.session.get(Problem, original.id)
    assert original.vote_count == 2 + 3 + 4 == _votes_on(original.id)
    assert original.hot == hot_score(9, original.comment_count, original.created_at)


def test_duplicate_is_linked_closed_and_keeps_its_own_votes(staff, problem_factory, residents):
    original, duplicate = problem_factory(), problem_factory()
    add_votes(duplicate, residents(2))
    response = services.respond(staff, duplicate, "Duplicate.", "duplicate", str(original.id))
    db.session.commit()
    assert duplicate.status == "duplicate" and duplicate.is_closed
    assert duplicate.duplicate_of_id == original.id
    assert response.duplicate_of_id == original.id
    assert duplicate.vote_count == 2 == _votes_on(duplicate.id)
    assert [p.id for p in queries.duplicates_of(original.id)] == [duplicate.id]


def test_carried_votes_move_dataset_demand_to_the_original(staff, problem_factory, dataset_factory, residents):
    a, b = dataset_factory(), dataset_factory()
    original, duplicate = problem_factory(datasets=[a]), problem_factory(datasets=[b])
    shared = residents(1)
    add_votes(original, shared)
    add_votes(duplicate, [*shared, *residents(2)])
    services.respond(staff, duplicate, "Duplicate.", "duplicate", original.id)
    db.session.commit()
    db.session.refresh(a)
    db.session.refresh(b)
    assert (a.demand, b.demand) == (3, 0)


def test_duplicate_requires_the_original(staff, problem_factory):
    with pytest.raises(ValidationError) as caught:
        services.respond(staff, problem_factory(), "Duplicate.", "duplicate")
    assert "duplicate_of" in caught.value.fields


def test_duplicate_of_without_the_duplicate_status_is_refused(staff, problem_factory):
    other = problem_factory()
    with pytest.raises(ValidationError) as caught:
        services.respond(staff, problem_factory(), "Hm.", "acknowledged", other.id)
    assert "duplicate_of" in caught.value.fields


def test_a_problem_cannot_duplicate_itself(staff, problem_factory):
    problem = problem_factory()
    with pytest.raises(ValidationError) as caught:
        services.respond(staff, problem, "Me.", "duplicate", problem.id)
    assert "itself" in caught.value.message


def test_a_hidden_or_missing_original_is_refused(staff, problem_factory):
    hidden = problem_factory(hidden_at=utcnow(), hidden_reason="spam")
    for target in (hidden.id, 99999, "abc"):
        with pytest.raises(ValidationError):
            services.respond(staff, problem_factory(), "Dup.", "duplicate", target)


def test_a_chain_of_duplicates_is_followed_to_the_original(staff, problem_factory):
    original, middle, newest = problem_factory(), problem_factory(), problem_factory()
    services.respond(staff, middle, "Dup.", "duplicate", original.id)
    services.respond(staff, newest, "Dup.", "duplicate", middle.id)
    db.session.commit()
    assert newest.duplicate_of_id == original.id


def test_a_loop_is_refused(staff, problem_factory):
    a, b = problem_factory(), problem_factory()
    services.respond(staff, b, "Dup.", "duplicate", a.id)
    db.session.commit()
    # Reopen a? No: a is open. Marking a a duplicate of b would follow b to a itself.
    with pytest.raises(ValidationError) as caught:
        services.respond(staff, a, "Dup.", "duplicate", b.id)
    assert "loop" in caught.value.message


def test_duplicates_of_a_problem_follow_it_when_it_becomes_a_duplicate(staff, problem_factory, residents):
    first, second, third = problem_factory(), problem_factory(), problem_factory()
    add_votes(third, residents(2))
    services.respond(staff, third, "Dup.", "duplicate", second.id)
    services.respond(staff, second, "Dup.", "duplicate", first.id)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Problem, third.id).duplicate_of_id == first.id
    assert {p.id for p in queries.duplicates_of(first.id)} == {second.id, third.id}
    assert db.session.get(Problem, first.id).vote_count == 2


def test_followers_of_the_duplicate_are_notified(staff, problem_factory, user_factory):
    original, duplicate = problem_factory(), problem_factory()
    follower, original_follower = user_factory(), user_factory()
    add_follower(duplicate, follower)
    add_follower(original, original_follower)
    services.respond(staff, duplicate, "Dup.", "duplicate", original.id)
    db.session.commit()
    assert [n.user_id for n in db.session.execute(select(Notification)).scalars()] == [follower.id]


def test_merge_is_audited_with_the_votes_carried(staff, problem_factory, residents):
    original, duplicate = problem_factory(), problem_factory()
    shared = residents(1)
    add_votes(original, shared)
    add_votes(duplicate, [*shared, *residents(1)])
    services.respond(staff, duplicate, "Dup.", "duplicate", original.id)
    db.session.commit()
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "problem.merge")).scalar_one()
    assert entry.target_id == str(duplicate.id)
    assert entry.details["into"] == original.id
    assert entry.details["votes_carried"] == 1
    assert entry.details["vote_count"] == 2


def test_reopening_a_duplicate_clears_the_link(staff, problem_factory):
    original, duplicate = problem_factory(), problem_factory()
    services.respond(staff, duplicate, "Dup.", "duplicate", original.id)
    services.respond(staff, duplicate, "Not a duplicate after all.", "open")
    db.session.commit()
    assert duplicate.duplicate_of_id is None and duplicate.status == "open"
    assert queries.duplicates_of(original.id) == []


def test_hidden_duplicates_are_listed_only_for_moderators(staff, problem_factory, user_factory):
    original, duplicate = problem_factory(), problem_factory()
    services.respond(staff, duplicate, "Dup.", "duplicate", original.id)
    duplicate.hidden_at = utcnow()
    db.session.commit()
    assert queries.duplicates_of(original.id, user_factory()) == []
    assert [p.id for p in queries.duplicates_of(original.id, user_factory(roles=["moderator"]))] == [duplicate.id]
