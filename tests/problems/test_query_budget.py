"""Pages ask the database a fixed number of times, whatever the number of items."""

from __future__ import annotations

from civicboard.extensions import db
from civicboard.problems import services
from civicboard.staff.models import Evidence, Response

LIST_BUDGET = 4
PAGE_BUDGET = 8  # the budget, with challenge badges and duplicates included
PROFILE_BUDGET = 5
NOTIFICATIONS_BUDGET = 4
SEARCH_BUDGET = 7


def queries_for(client, count_queries, url: str) -> int:
    client.get(url)  # warm-up: first-request work (template compilation) is not the page's cost
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def seed_board(n: int, user_factory, dataset_factory, category_factory, problem_factory, voter):
    category = category_factory(name=f"Category for {n}")
    datasets = [dataset_factory() for _ in range(3)]
    authors = [user_factory() for _ in range(3)]
    for i in range(n):
        problem = problem_factory(
            f"Pothole report {i}", author=authors[i % 3], datasets=datasets[: 1 + i % 3], category_id=category.id
        )
        if i % 2:
            services.vote(voter, problem.id)
    db.session.commit()
    return category, datasets


def test_the_board_runs_a_fixed_number_of_queries(
    logged_in, count_queries, user_factory, dataset_factory, category_factory, problem_factory
):
    client, user = logged_in
    counts = []
    for n in (20, 40):
        category, datasets = seed_board(n, user_factory, dataset_factory, category_factory, problem_factory, user)
        url = f"/?sort=top&status=open&category={category.slug}&dataset={datasets[0].id}&voted=1"
        counts.append(queries_for(client, count_queries, url))
        counts.append(queries_for(client, count_queries, "/"))
    assert counts[0] == counts[2] and counts[1] == counts[3]
    assert max(counts) <= LIST_BUDGET, counts


def seed_problem_page(n: int, make_problem, user_factory, dataset_factory, staff):
    datasets = [dataset_factory() for _ in range(3)]
    problem = make_problem(datasets=datasets)
    people = [user_factory() for _ in range(4)]
    tops = []
    for i in range(n):
        parent = tops[i % len(tops)].id if tops and i % 3 == 0 else None
        comment = services.add_comment(people[i % 4], problem, f"Comment {i}", parent_id=parent)
        if parent is None:
            tops.append(comment)
    for i in range(n // 4):
        db.session.add(
            Response(
                problem_id=problem.id,
                author_id=staff.id,
                department_id=staff.department_id,
                body=f"R{i}",
                body_html=f"<p>R{i}</p>",
            )
        )
        db.session.add(
            Evidence(
                problem_id=problem.id,
                dataset_id=datasets[i % 3].id,
                stance="context",
                caption=f"E{i}",
                created_by_id=staff.id,
            )
        )
    db.session.commit()
    return problem


def test_the_problem_page_runs_a_fixed_number_of_queries(
    logged_in, count_queries, make_problem, user_factory, dataset_factory, staff
):
    client, user = logged_in
    counts = []
    for n in (20, 40):
        problem = seed_problem_page(n, make_problem, user_factory, dataset_factory, staff)
        services.vote(user, problem.id)
        db.session.commit()
        counts.append(queries_for(client, count_queries, f"/problems/{problem.id}"))
    assert counts[0] == counts[1]
    assert counts[0] <= PAGE_BUDGET, counts


def test_the_problem_page_is_cheap_for_visitors_too(
    client, count_queries, make_problem, user_factory, dataset_factory, staff
):
    problem = seed_problem_page(20, make_problem, user_factory, dataset_factory, staff)
    assert queries_for(client, count_queries, f"/problems/{problem.id}") <= PAGE_BUDGET - 2


def test_profiles_run_a_fixed_number_of_queries(client, count_queries, user_factory, problem_factory, make_problem):
    counts = []
    for n in (20, 40):
        user = user_factory()
        target = make_problem()
        for i in range(n):
            problem_factory(author=user)
            services.add_comment(user, target, f"Comment {i}")
        db.session.commit()
        counts.append(queries_for(client, count_queries, f"/users/{user.id}"))
    assert counts[0] == counts[1] and counts[0] <= PROFILE_BUDGET, counts


def test_notifications_run_a_fixed_number_of_queries(make_client, login, count_queries, user_factory, make_problem):
    counts = []
    for n in (20, 40):
        user = user_factory()
        problem = make_problem(author=user)
        others = [user_factory() for _ in range(3)]
        for i in range(n):
            services.add_comment(others[i % 3], problem, f"Comment {i}")
        db.session.commit()
        client = make_client()
        login(client, user)
        with count_queries() as counter:
            assert client.get("/notifications").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1] and counts[0] <= NOTIFICATIONS_BUDGET, counts


def test_search_runs_a_fixed_number_of_queries(
    logged_in, count_queries, user_factory, dataset_factory, category_factory, problem_factory
):
    client, user = logged_in
    counts = []
    for n in (20, 40):
        seed_board(n, user_factory, dataset_factory, category_factory, problem_factory, user)
        counts.append(queries_for(client, count_queries, "/search?q=pothole"))
    assert counts[0] == counts[1] and counts[0] <= SEARCH_BUDGET, counts
