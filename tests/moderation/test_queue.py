"""The moderation queue: flagged items grouped, with counts and reasons, newest first."""

from __future__ import annotations

import re

from civicboard.extensions import db
from civicboard.moderation import queries, services
from tests.staff.factories import add_comment


def test_queue_groups_open_flags_per_item_newest_first(problem_factory, residents):
    first, second = problem_factory(), problem_factory()
    a, b, c = residents(3)
    services.flag(a, "problem", first.id, "spam", "")
    services.flag(b, "problem", second.id, "abuse", "")
    services.flag(c, "problem", first.id, "other", "Copied from a shop's site.")
    db.session.commit()
    items = queries.flag_queue().items
    assert [(i.target_id, i.open_count) for i in items] == [(first.id, 2), (second.id, 1)]
    assert dict(items[0].reasons) == {"spam": 1, "other": 1}
    assert [f.note for f in items[0].notes] == ["Copied from a shop's site."]


def test_resolved_flags_leave_the_queue(moderator, problem_factory, residents):
    problem = problem_factory()
    (reporter,) = residents(1)
    services.flag(reporter, "problem", problem.id, "spam", "")
    services.dismiss_flags(moderator, "problem", problem.id)
    db.session.commit()
    assert queries.flag_queue().items == []


def test_queue_pages_by_the_newest_flag(problem_factory, residents):
    reporters = residents(5)
    problems = [problem_factory() for _ in range(5)]
    for reporter, problem in zip(reporters, problems, strict=True):
        services.flag(reporter, "problem", problem.id, "spam", "")
    db.session.commit()
    page = queries.flag_queue(limit=3)
    rest = queries.flag_queue(before=int(page.next_cursor), limit=3)
    assert [i.target_id for i in page.items + rest.items] == [p.id for p in reversed(problems)]
    assert rest.next_cursor is None


def test_queue_page_shows_items_and_marks_hidden_ones(moderator_client, problem_factory, residents):
    problem = problem_factory(title="Buy cheap watches")
    comment = add_comment(problem_factory(), residents(1)[0], body="You are all idiots.")
    for reporter in residents(3):
        services.flag(reporter, "problem", problem.id, "spam", "")
    services.flag(residents(1)[0], "comment", comment.id, "abuse", "")
    db.session.commit()
    html = moderator_client.get("/moderation").get_data(as_text=True)
    assert "Buy cheap watches" in html and "You are all idiots." in html
    assert "hidden automatically, pending review" in html
    assert "3 open reports" in html and "Spam or advertising (3)" in html
    assert f"/moderation/problems/{problem.id}/restore" in html


def test_queue_is_for_moderators(logged_in, make_client, user_factory, login):
    client, _ = logged_in
    assert client.get("/moderation").status_code == 403
    staff_client = make_client()
    login(staff_client, user_factory(roles=["staff"]))
    assert staff_client.get("/moderation").status_code == 403


def test_queue_page_asks_a_fixed_number_of_queries(moderator_client, problem_factory, residents, count_queries):
    reporters = residents(2)
    counts = []
    for n in (10, 20):
        while len(queries.flag_queue(limit=100).items) < n:
            problem = problem_factory()
            comment = add_comment(problem, reporters[0])
            services.flag(reporters[1], "problem", problem.id, "spam", "")
            services.flag(reporters[1], "comment", comment.id, "abuse", "")
        db.session.commit()
        moderator_client.get("/moderation")
        with count_queries() as counter:
            html = moderator_client.get("/moderation").get_data(as_text=True)
        counts.append(counter.count)
        assert len(re.findall(r'class="queue-item"', html)) == min(n, queries.QUEUE_PAGE_SIZE)
    assert counts[0] == counts[1] <= 6
