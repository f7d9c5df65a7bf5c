"""Official responses: signed by a department, moving the status only along allowed transitions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civicboard.audit.models import AuditEntry
from civicboard.extensions import db
from civicboard.problems.models import Notification, Problem
from civicboard.staff import services
from civicboard.staff.models import Response
from civicboard.timeutil import utcnow
from civicboard.validation import ValidationError
from tests.staff.factories import add_comment, add_follower, add_votes


def test_response_is_signed_with_the_department_and_rendered(staff, problem_factory):
    problem = problem_factory()
    response = services.respond(staff, problem, "We are **on it**.\n\n<script>alert(1)</script>")
    db.session.commit()
    assert response.department.name == "Transportation"
    assert response.author_id == staff.id
    assert "<strong>on it</strong>" in response.body_html
    assert "<script>" not in response.body_html
    assert (response.status_from, response.status_to) == (None, None)


def test_staff_without_a_department_may_respond_unsigned(user_factory, problem_factory):
    loner = user_factory(roles=["staff"])
    response = services.respond(loner, problem_factory(), "Looking into it.")
    db.session.commit()
    assert response.department_id is None


def test_status_change_records_from_and_to(staff, problem_factory):
    problem = problem_factory()
    response = services.respond(staff, problem, "Acknowledged.", "acknowledged")
    db.session.commit()
    assert (response.status_from, response.status_to) == ("open", "acknowledged")
    assert problem.status == "acknowledged"
    assert problem.status_changed_at is not None


def test_choosing_the_current_status_is_no_change(staff, problem_factory):
    problem = problem_factory()
    response = services.respond(staff, problem, "Still open.", "open")
    assert (response.status_from, response.status_to) == (None, None)
    assert problem.status_changed_at is None


def test_disallowed_transition_is_refused_with_a_clear_message(staff, problem_factory):
    problem = problem_factory(status="resolved")
    with pytest.raises(ValidationError) as caught:
        services.respond(staff, problem, "Moving on.", "in_progress")
    assert caught.value.status == 422
    assert "can only be reopened" in caught.value.message
    assert "status" in caught.value.fields


def test_unknown_status_is_refused(staff, problem_factory):
    with pytest.raises(ValidationError) as caught:
        services.respond(staff, problem_factory(), "Hm.", "finished")
    assert "status" in caught.value.fields


def test_empty_body_is_refused(staff, problem_factory):
    with pytest.raises(ValidationError) as caught:
        services.respond(staff, problem_factory(), "   ", "acknowledged")
    assert "body" in caught.value.fields


def test_first_response_time_is_set_once(staff, problem_factory):
    problem = problem_factory()
    services.respond(staff, problem, "First.")
    db.session.commit()
    first = problem.first_response_at
    services.respond(staff, problem, "Second.", "acknowledged")
    db.session.commit()
    assert first is not None and problem.first_response_at == first


def test_resolving_sets_resolved_at_and_reopening_clears_it(staff, problem_factory):
    problem = problem_factory()
    services.respond(staff, problem, "Fixed.", "resolved")
    db.session.commit()
    assert problem.resolved_at is not None
    response = services.respond(staff, problem, "It came back.", "open")
    db.session.commit()
    assert problem.status == "open" and problem.resolved_at is None
    assert (response.status_from, response.status_to) == ("resolved", "open")


def test_closing_removes_votes_from_dataset_demand_and_reopening_restores_them(
    staff, problem_factory, dataset_factory, residents
):
    dataset = dataset_factory()
    problem = problem_factory(datasets=[dataset])
    add_votes(problem, residents(3))
    db.session.refresh(dataset)
    assert dataset.demand == 3
    services.respond(staff, problem, "Declined.", "declined")
    db.session.commit()
    db.session.refresh(dataset)
    assert dataset.demand == 0
    services.respond(staff, problem, "Reopened.", "open")
    db.session.commit()
    db.session.refresh(dataset)
    assert dataset.demand == 3


def test_followers_are_notified_but_not_the_responder(staff, problem_factory, user_factory):
    author, follower = user_factory(), user_factory()
    problem = problem_factory(author=author)
    add_follower(problem, author)
    add_follower(problem, follower)
    add_follower(problem, staff)
    response = services.respond(staff, problem, "Thanks.", "acknowledged")
    db.session.commit()
    rows = db.session.execute(select(Notification).where(Notification.response_id == response.id)).scalars().all()
    assert sorted(n.user_id for n in rows) == sorted([author.id, follower.id])
    assert {n.kind for n in rows} == {"response"}
    db.session.refresh(follower)
    assert follower.unread_notifications == 1


def test_response_and_status_change_are_audited(staff, problem_factory):
    problem = problem_factory()
    response = services.respond(staff, problem, "On it.", "in_progress")
    db.session.commit()
    entries = {
        e.action: e
        for e in db.session.execute(select(AuditEntry).where(AuditEntry.target_id == str(problem.id))).scalars()
    }
    assert entries["response.create"].actor_id == staff.id
    assert entries["response.create"].details["response_id"] == response.id
    assert entries["problem.status"].details["status_from"] == "open"
    assert entries["problem.status"].details["status_to"] == "in_progress"


def test_staff_cannot_respond_to_a_hidden_problem(staff, problem_factory):
    from civicboard.permissions import NotFound
    from civicboard.timeutil import utcnow

    problem = problem_factory(hidden_at=utcnow(), hidden_reason="spam")
    with pytest.raises(NotFound):
        services.respond(staff, problem, "Hello.")


def test_status_choices_list_only_allowed_transitions(problem_factory):
    assert [v for v, _ in services.status_choices(problem_factory(status="declined"))] == ["open"]
    assert "open" not in [v for v, _ in services.status_choices(problem_factory(status="acknowledged"))]


# -- the route -------------------------------------------------------------------------------


def test_response_form_posts_and_redirects_to_the_problem(staff_client, problem_factory):
    problem = problem_factory()
    response = staff_client.form(
        f"/staff/problems/{problem.id}/respond", {"body": "We will look.", "status": "acknowledged"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/problems/{problem.id}")
    db.session.expire_all()
    assert db.session.get(Problem, problem.id).status == "acknowledged"


def test_response_form_with_a_bad_transition_shows_the_error(staff_client, problem_factory):
    problem = problem_factory(status="declined")
    response = staff_client.form(f"/staff/problems/{problem.id}/respond", {"body": "Go.", "status": "resolved"})
    assert response.status_code == 422
    assert "can only be reopened" in response.get_data(as_text=True)
    assert db.session.execute(select(Response)).first() is None


def test_response_form_page_offers_only_allowed_statuses(staff_client, problem_factory):
    problem = problem_factory(status="resolved")
    html = staff_client.get(f"/staff/problems/{problem.id}/respond").get_data(as_text=True)
    assert 'value="open"' in html
    assert 'value="in_progress"' not in html


def test_respond_page_shows_the_problem_and_its_latest_comments(staff_client, problem_factory, user_factory):
    problem = problem_factory(title="Broken signal at Elm", description="The light stays **red**.")
    neighbour = user_factory(name="Nina Neighbour")
    for n in range(7):
        add_comment(problem, neighbour, f"Comment number {n}.")
    add_comment(problem, neighbour, "A hidden remark.", hidden_at=utcnow(), hidden_reason="spam")
    html = staff_client.get(f"/staff/problems/{problem.id}/respond").get_data(as_text=True)
    assert "Broken signal at Elm" in html and "<strong>red</strong>" in html
    assert "Comment number 6." in html and "Comment number 2." in html
    assert "Comment number 1." not in html  # only the latest five
    assert "A hidden remark." not in html
    assert html.index("Comment number 6.") < html.index('name="body"')


def test_respond_page_asks_a_fixed_number_of_queries(staff_client, problem_factory, user_factory, count_queries):
    problem = problem_factory()
    counts = []
    for _ in range(2):
        for n in range(3):
            add_comment(problem, user_factory(), f"Comment {n}.")
        staff_client.get(f"/staff/problems/{problem.id}/respond")  # warm up the login session
        with count_queries() as counter:
            assert staff_client.get(f"/staff/problems/{problem.id}/respond").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_problem_page_shows_the_staff_panel_after_responses_and_comments(
    staff, staff_client, problem_factory, user_factory
):
    problem = problem_factory()
    services.respond(staff, problem, "We have it on our list.")
    db.session.commit()
    add_comment(problem, user_factory(), "Thanks for the update.")
    html = staff_client.get(f"/problems/{problem.id}").get_data(as_text=True)
    panel = html.index('id="staff-actions-heading"')
    assert html.index("We have it on our list.") < panel
    assert html.index("Thanks for the update.") < panel
