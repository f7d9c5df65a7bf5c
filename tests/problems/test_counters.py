"""Dataset.problem_count and Dataset.demand stay exact through creation, edits, votes, hiding."""

from __future__ import annotations

from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.problems import counters, services


def counts(dataset) -> tuple[int, int]:
    db.session.expire_all()
    fresh = db.session.get(Dataset, dataset.id)
    return fresh.problem_count, fresh.demand


def test_a_new_problem_counts_once_per_dataset(make_problem, dataset_factory):
    a, b = dataset_factory(), dataset_factory()
    make_problem(datasets=[a, b])
    make_problem(datasets=[a])
    assert counts(a) == (2, 0) and counts(b) == (1, 0)


def test_changing_datasets_moves_problems_and_demand(make_problem, dataset_factory, user_factory):
    a, b = dataset_factory(), dataset_factory()
    author = user_factory()
    problem = make_problem(author=author, datasets=[a])
    services.vote(user_factory(), problem.id)
    services.vote(user_factory(), problem.id)
    db.session.commit()
    services.edit_problem(author, problem, title=problem.title, description=problem.description, dataset_ids=[b.id])
    db.session.commit()
    assert counts(a) == (0, 0)
    assert counts(b) == (1, 2)


def test_closing_and_reopening_moves_demand(make_problem, dataset_factory, user_factory):
    dataset = dataset_factory()
    problem = make_problem(datasets=[dataset])
    services.vote(user_factory(), problem.id)
    db.session.commit()
    problem.status = "resolved"
    counters.on_status_change(problem, "open")
    db.session.commit()
    assert counts(dataset) == (1, 0)
    problem.status = "open"
    counters.on_status_change(problem, "resolved")
    db.session.commit()
    assert counts(dataset) == (1, 1)


def test_hiding_removes_a_problem_from_every_count(make_problem, dataset_factory, user_factory):
    dataset = dataset_factory()
    problem = make_problem(datasets=[dataset])
    services.vote(user_factory(), problem.id)
    db.session.commit()
    problem.hidden_at = problem.created_at
    counters.on_visibility_change(problem, was_hidden=False)
    db.session.commit()
    assert counts(dataset) == (0, 0)
    problem.hidden_at = None
    counters.on_visibility_change(problem, was_hidden=True)
    db.session.commit()
    assert counts(dataset) == (1, 1)
