"""Every list endpoint asks the database a fixed number of questions, at 20 items as at 40."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from civicboard.challenges import services as challenge_services
from civicboard.extensions import db
from civicboard.problems import services as problem_services
from civicboard.staff import services as staff_services

# Statements per request, token lookup included (its last-used stamp is warmed up first).
BUDGET = 6
# A challenge's document: the challenge, its problems (with datasets and evidence), its
# datasets (with distributions) and its projects (with members and problems).
CHALLENGE_BUDGET = 10


def measure(api, url: str, count_queries, expected_items: int) -> int:
    """How many statements one GET costs; also checks the page holds every item."""
    api.get(url)  # warm up: the token's last_used_at is stamped on first use
    db.session.expire_all()
    with count_queries() as counter:
        response = api.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = response.get_json()
    items = body["items"] if "items" in body else body["problems"]
    assert len(items) == expected_items
    return counter.count


def same_cost_at_20_and_40(api, url: str, count_queries, add: Callable[[int], Any], budget: int = BUDGET) -> None:
    add(20)
    at_20 = measure(api, url, count_queries, 20)
    add(20)
    at_40 = measure(api, url, count_queries, 40)
    assert at_20 == at_40, f"{url}: {at_20} statements at 20 items, {at_40} at 40"
    assert at_40 <= budget, f"{url}: {at_40} statements"


def test_problems(
    as_resident, resident, count_queries, problem_factory, dataset_factory, category_factory, user_factory
):
    category = category_factory("Streets")
    datasets = [dataset_factory(), dataset_factory()]

    def add(n: int) -> None:
        for _ in range(n):
            problem = problem_factory(author=user_factory(), datasets=datasets, category_id=category.id)
            problem_services.vote(resident, problem.id)
        db.session.commit()

    same_cost_at_20_and_40(as_resident, "/problems?limit=100", count_queries, add)


def test_voted_problems(as_resident, resident, count_queries, problem_factory):
    def add(n: int) -> None:
        for _ in range(n):
            problem_services.vote(resident, problem_factory().id)
        db.session.commit()

    same_cost_at_20_and_40(as_resident, "/problems?limit=100&voted=1&sort=top", count_queries, add)


def test_comments(as_resident, count_queries, make_problem, user_factory):
    problem = make_problem()

    def add(n: int) -> None:
        for _ in range(n):
            problem_services.add_comment(user_factory(), problem, "A comment.")
        db.session.commit()

    same_cost_at_20_and_40(as_resident, f"/problems/{problem.id}/comments?limit=100", count_queries, add)


def test_responses(as_resident, count_queries, make_problem, user_factory):
    problem = make_problem()

    def add(n: int) -> None:
        for i in range(n):
            staff = user_factory(roles=["staff"], department=f"Department {i}")
            staff_services.respond(staff, problem, "An answer.")
        db.session.commit()

    same_cost_at_20_and_40(as_resident, f"/problems/{problem.id}/responses", count_queries, add)


def test_evidence(as_resident, count_queries, make_problem, user_factory, dataset_factory):
    problem = make_problem()

    def add(n: int) -> None:
        for _ in range(n):
            staff = user_factory(roles=["staff"])
            staff_services.add_evidence(staff, problem, dataset_factory(), None, "A caption.", "context", None)
        db.session.commit()

    same_cost_at_20_and_40(as_resident, f"/problems/{problem.id}/evidence", count_queries, add)


def test_datasets(as_resident, count_queries, dataset_factory):
    def add(n: int) -> None:
        for i in range(n):
            dataset_factory(
                keywords=["a", "b"],
                distributions=[
                    ("CSV", f"https://d.example.org/{i}.csv", "CSV"),
                    ("API", "https://d.example.org/api", "JSON"),
                ],
            )

    same_cost_at_20_and_40(as_resident, "/datasets?limit=100", count_queries, add)


def test_challenges(as_organizer, organizer, count_queries, problem_factory):
    def add(n: int) -> None:
        for i in range(n):
            challenge = challenge_services.create_challenge(
                organizer,
                title=f"Challenge {i}",
                starts_at="2031-01-01T10:00Z",
                ends_at="2031-01-02T10:00Z",
                timezone="UTC",
                is_online=True,
                contact="o@example.org",
            )
            challenge_services.add_problem(organizer, challenge, problem_factory().id)
        db.session.commit()

    same_cost_at_20_and_40(as_organizer, "/challenges", count_queries, add)


@pytest.mark.parametrize("with_projects", [False, True])
def test_one_challenge(as_organizer, organizer, count_queries, problem_factory, dataset_factory, with_projects):
    challenge = challenge_services.create_challenge(
        organizer,
        title="Big Jam",
        starts_at="2020-01-01T10:00Z",
        ends_at="2099-01-02T10:00Z",
        timezone="UTC",
        is_online=True,
        contact="o@example.org",
    )
    db.session.commit()

    def add(n: int) -> None:
        for _ in range(n):
            problem = problem_factory(datasets=[dataset_factory()])
            challenge_services.add_problem(organizer, challenge, problem.id)
            challenge_services.add_dataset(organizer, challenge, dataset_factory().id)
            if with_projects:
                if challenge.is_draft:
                    challenge_services.publish_challenge(organizer, challenge)
                challenge_services.submit_project(
                    organizer, challenge, name="A project", description="It helps.", problem_ids=[problem.id]
                )
        db.session.commit()

    same_cost_at_20_and_40(as_organizer, f"/challenges/{challenge.slug}", count_queries, add, CHALLENGE_BUDGET)
