"""The staff queue: what waits for a first response, most votes first, then the longest waiting."""

from __future__ import annotations

import re
from datetime import timedelta

from civicboard.auth.services import get_or_create_department
from civicboard.extensions import db
from civicboard.staff import queries, services
from civicboard.timeutil import utcnow


def _ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/problems/(\d+)">#', html)]


def test_queue_lists_only_open_visible_unanswered_problems(staff, problem_factory):
    waiting = problem_factory()
    problem_factory(status="acknowledged")
    problem_factory(hidden_at=utcnow(), hidden_reason="spam")
    answered = problem_factory()
    services.respond(staff, answered, "Seen.")
    db.session.commit()
    assert [p.id for p in queries.staff_queue().items] == [waiting.id]


def test_queue_sorts_by_votes_then_oldest_first(problem_factory):
    now = utcnow()
    new_popular = problem_factory(vote_count=5, created_at=now)
    old_quiet = problem_factory(vote_count=1, created_at=now - timedelta(days=9))
    older_popular = problem_factory(vote_count=5, created_at=now - timedelta(days=3))
    assert [p.id for p in queries.staff_queue().items] == [older_popular.id, new_popular.id, old_quiet.id]


def test_queue_pages_with_a_cursor(problem_factory):
    now = utcnow()
    made = [problem_factory(vote_count=i % 3, created_at=now - timedelta(hours=i)) for i in range(7)]
    seen, cursor = [], None
    while True:
        page = queries.staff_queue(after=cursor, limit=3)
        seen += [p.id for p in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(p.id for p in made) and len(seen) == len(set(seen))
    assert seen == [p.id for p in queries.staff_queue(limit=10).items]


def test_queue_filters_by_department_category_and_dataset(problem_factory, category_factory, dataset_factory):
    roads = get_or_create_department("Roads")
    db.session.commit()
    potholes = category_factory("Potholes", department_id=roads.id)
    parks = category_factory("Parks")
    dataset = dataset_factory()
    by_department = problem_factory(category_id=potholes.id)
    by_category = problem_factory(category_id=parks.id)
    by_dataset = problem_factory(datasets=[dataset])
    assert [p.id for p in queries.staff_queue(department_id=roads.id).items] == [by_department.id]
    assert [p.id for p in queries.staff_queue(category_id=parks.id).items] == [by_category.id]
    assert [p.id for p in queries.staff_queue(dataset_id=dataset.id).items] == [by_dataset.id]


def test_data_requests_tab_lists_requests_waiting_for_an_answer(problem_factory):
    waiting = problem_factory(data_request="Bike counter data, hourly.")
    problem_factory(data_request="Tree inventory.", data_request_status="planned")
    problem_factory(data_request="Noise data.", status="declined")
    problem_factory()
    page = queries.staff_queue(queries.QueueTab.DATA_REQUESTS)
    assert [p.id for p in page.items] == [waiting.id]


def test_queue_page_shows_problems_and_filters(staff_client, problem_factory, dataset_factory):
    dataset = dataset_factory(title="Street Trees", problem_count=1)
    problem = problem_factory(title="Dead trees on Elm", datasets=[dataset])
    html = staff_client.get("/staff?department=").get_data(as_text=True)
    assert _ids(html) == [problem.id]
    assert "Street Trees" in html
    assert f'<option value="{dataset.id}"' in html
    assert _ids(staff_client.get(f"/staff?department=&dataset={dataset.id + 1}").get_data(as_text=True)) == []


def test_queue_shows_the_staff_members_own_department_by_default(
    staff, staff_client, problem_factory, category_factory
):
    other = get_or_create_department("Housing")
    db.session.commit()
    ours = problem_factory(category_id=category_factory("Signals", department_id=staff.department_id).id)
    problem_factory(category_id=category_factory("Rents", department_id=other.id).id)
    html = staff_client.get("/staff").get_data(as_text=True)
    assert _ids(html) == [ours.id]
    assert f'<option value="{staff.department_id}" selected>' in html


def test_queue_shows_every_department_when_staff_choose_all(staff_client, problem_factory, category_factory):
    other = get_or_create_department("Housing")
    db.session.commit()
    theirs = problem_factory(category_id=category_factory("Rents", department_id=other.id).id)
    html = staff_client.get("/staff?department=").get_data(as_text=True)
    assert _ids(html) == [theirs.id]


def test_to_resolve_tab_lists_acknowledged_and_in_progress_problems(problem_factory):
    acknowledged = problem_factory(status="acknowledged", vote_count=2)
    in_progress = problem_factory(status="in_progress", vote_count=1)
    problem_factory(status="open")
    problem_factory(status="resolved")
    problem_factory(status="in_progress", hidden_at=utcnow(), hidden_reason="spam")
    page = queries.staff_queue(queries.QueueTab.TO_RESOLVE)
    assert [p.id for p in page.items] == [acknowledged.id, in_progress.id]


def test_queue_tabs_are_a_navigation_list_marking_the_current_tab(staff_client):
    html = staff_client.get("/staff?tab=to-resolve").get_data(as_text=True)
    nav = html.split('<nav aria-label="Queue">')[1].split("</nav>")[0]
    assert '<ul class="tabs">' in nav
    current = re.findall(r'<a href="([^"]+)" aria-current="page">([^<]+)</a>', nav)
    assert len(current) == 1 and "tab=to-resolve" in current[0][0] and current[0][1] == "Still to resolve"


def test_queue_is_for_staff_only(logged_in):
    client, _ = logged_in
    assert client.get("/staff").status_code == 403


def test_queue_page_asks_a_fixed_number_of_queries(
    staff_client, problem_factory, dataset_factory, category_factory, count_queries
):
    roads = get_or_create_department("Roads")
    db.session.commit()
    category = category_factory("Potholes", department_id=roads.id)
    datasets = [dataset_factory(problem_count=1) for _ in range(3)]

    def make(n: int) -> None:
        for i in range(n):
            problem_factory(category_id=category.id, datasets=datasets[: 1 + i % 3])

    counts = []
    for n in (20, 20):
        make(n)
        staff_client.get("/staff")  # warm up the login session
        with count_queries() as counter:
            response = staff_client.get("/staff?department=&after=")
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]
    assert counts[0] <= 8


def test_department_page_lists_its_responses_newest_first(client, staff, user_factory, problem_factory):
    other = user_factory(roles=["staff"], department="Parks")
    first, second, elsewhere = (
        problem_factory(title="First one"),
        problem_factory(title="Second one"),
        problem_factory(),
    )
    services.respond(staff, first, "Earlier answer.")
    db.session.commit()
    services.respond(staff, second, "Later answer.")
    services.respond(other, elsewhere, "Parks answer.")
    db.session.commit()
    html = client.get(f"/departments/{staff.department.slug}").get_data(as_text=True)
    assert html.index("Later answer.") < html.index("Earlier answer.")
    assert "Parks answer." not in html


def test_department_page_hides_responses_on_hidden_problems(client, staff, problem_factory):
    problem = problem_factory()
    services.respond(staff, problem, "Answer on a hidden problem.")
    problem.hidden_at = utcnow()
    db.session.commit()
    assert "Answer on a hidden problem." not in client.get(f"/departments/{staff.department.slug}").get_data(
        as_text=True
    )


def test_unknown_department_is_404(client):
    assert client.get("/departments/nowhere").status_code == 404


def test_department_page_pages_and_asks_a_fixed_number_of_queries(client, staff, problem_factory, count_queries):
    slug = staff.department.slug
    counts = []
    for _ in range(2):
        for _ in range(20):
            services.respond(staff, problem_factory(), "Answer.")
        db.session.commit()
        with count_queries() as counter:
            assert client.get(f"/departments/{slug}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1] <= 3
    page = queries.department_responses(staff.department_id, limit=25)
    rest = queries.department_responses(staff.department_id, limit=25, before=page.next_cursor)
    assert len(page.items) == 25 and len(rest.items) == 15 and rest.next_cursor is None


def test_an_empty_department_queue_links_to_every_department(staff_client, problem_factory):
    problem_factory()  # waiting, but in no department
    html = staff_client.get("/staff").get_data(as_text=True)
    assert "Nothing is waiting here for this department." in html
    assert 'href="/staff?tab=responses&amp;department=">See every department</a>' in html
