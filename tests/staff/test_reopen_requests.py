"""Reopen requests: a resident says a resolved problem is still not fixed; staff reopen or dismiss."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civicboard.extensions import db
from civicboard.permissions import PermissionDenied
from civicboard.problems.models import Problem
from civicboard.staff import reopen, services
from civicboard.staff.models import Response
from civicboard.validation import ConflictError


@pytest.fixture
def resolved(problem_factory, staff):
    """A problem staff resolved through the status service."""
    problem = problem_factory(title="Broken streetlights on Elm Street")
    services.respond(staff, problem, "Fixed last week.", status="resolved")
    db.session.commit()
    return problem


def fresh(problem_id: int) -> Problem:
    db.session.expire_all()
    return db.session.get(Problem, problem_id)


def test_a_resident_asks_to_reopen_and_the_request_reaches_the_staff_queue(logged_in, resolved, staff_client):
    client, _ = logged_in
    response = client.form(f"/problems/{resolved.id}/reopen-request", {"reason": "Two lights are still out."})
    assert response.status_code == 303
    html = staff_client.get("/staff").get_data(as_text=True)
    queue = html[html.index('id="reopen-requests"') :]
    assert "Broken streetlights on Elm Street" in queue and "Two lights are still out." in queue


def test_the_problem_page_says_the_request_was_sent_instead_of_asking_again(logged_in, resolved):
    client, user = logged_in
    assert "Ask staff to reopen it" in client.get(f"/problems/{resolved.id}").get_data(as_text=True)
    reopen.request_reopen(user, resolved, "Still dark.")
    db.session.commit()
    html = client.get(f"/problems/{resolved.id}").get_data(as_text=True)
    assert "You said this is still not fixed" in html and "Ask staff to reopen it" not in html


def test_one_request_per_person_per_problem(resolved, user_factory):
    resident = user_factory()
    reopen.request_reopen(resident, resolved, "Still dark.")
    db.session.commit()
    with pytest.raises(ConflictError):
        reopen.request_reopen(resident, resolved, "Still dark, really.")


def test_only_a_resolved_problem_can_be_asked_to_reopen(problem_factory, user_factory):
    with pytest.raises(ConflictError):
        reopen.request_reopen(user_factory(), problem_factory(), "It was never fixed.")


def test_staff_reopen_the_problem_through_the_status_service(resolved, user_factory, staff_client):
    request = reopen.request_reopen(user_factory(), resolved, "Still dark.")
    db.session.commit()
    response = staff_client.form(
        f"/staff/reopen-requests/{request.id}/reopen", {"body": "Reopened: the crew goes back on Monday."}
    )
    assert response.status_code == 303
    problem = fresh(resolved.id)
    assert problem.status == "open" and problem.resolved_at is None
    last = db.session.execute(select(Response).order_by(Response.id.desc()).limit(1)).scalar_one()
    assert (last.status_from, last.status_to) == ("resolved", "open")
    assert db.session.get(reopen.ReopenRequest, request.id).status == "reopened"


def test_staff_dismiss_a_request_and_the_problem_stays_resolved(resolved, user_factory, staff_client):
    request = reopen.request_reopen(user_factory(), resolved, "Still dark.")
    db.session.commit()
    staff_client.form(f"/staff/reopen-requests/{request.id}/dismiss")
    assert fresh(resolved.id).status == "resolved"
    db.session.expire_all()
    assert db.session.get(reopen.ReopenRequest, request.id).status == "dismissed"
    assert "Still dark." not in staff_client.get("/staff").get_data(as_text=True)


def test_residents_cannot_decide_reopen_requests(resolved, user_factory):
    resident = user_factory()
    request = reopen.request_reopen(user_factory(), resolved, "Still dark.")
    with pytest.raises(PermissionDenied):
        reopen.reopen(resident, request, "Reopening it myself.")
    with pytest.raises(PermissionDenied):
        reopen.dismiss(resident, request)


def test_a_decided_request_cannot_be_decided_again(resolved, user_factory, staff):
    request = reopen.request_reopen(user_factory(), resolved, "Still dark.")
    reopen.dismiss(staff, request)
    with pytest.raises(ConflictError):
        reopen.reopen(staff, request, "Reopened after all.")
