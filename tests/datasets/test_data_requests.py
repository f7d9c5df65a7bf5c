"""/data-requests: what residents want published, and staff's answers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from civicboard.audit.models import AuditEntry
from civicboard.auth.models import User
from civicboard.extensions import db
from civicboard.permissions import NotFound, PermissionDenied
from civicboard.problems.models import Notification, Problem, ProblemDataset, Vote
from civicboard.problems.notifications import follow
from civicboard.staff import services
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError, ValidationError


def shown_titles(html: str) -> list[str]:
    return re.findall(r'<h2 class="problem-title"><a href="/problems/\d+">([^<]+)</a>', html)


@pytest.fixture
def data_request(problem_factory):
    """A visible data request with votes."""

    def make(title: str = "Publish bike counter data", **fields):
        fields.setdefault("data_request", "Hourly counts from every bike counter.")
        return problem_factory(title, **fields)

    return make


# --------------------------------------------------------------------------- #
# The page
# --------------------------------------------------------------------------- #


def test_the_page_lists_visible_data_requests_by_votes(client, data_request, problem_factory):
    data_request("Few votes", vote_count=1)
    data_request("Most votes", vote_count=12)
    data_request("Hidden request", vote_count=99, hidden_at=utcnow())
    problem_factory("Not a data request", vote_count=50)

    html = client.get("/data-requests").get_data(as_text=True)

    assert shown_titles(html) == ["Most votes", "Few votes"]
    assert 'data-vote-count aria-label="12 votes">12<' in html


def test_the_newest_requests_come_first_on_request(client, data_request):
    data_request("Older", vote_count=10, created_at=utcnow() - timedelta(days=3))
    data_request("Newer", vote_count=0)

    html = client.get("/data-requests?sort=new").get_data(as_text=True)

    assert shown_titles(html) == ["Newer", "Older"]


def test_requests_can_be_narrowed_to_one_answer(client, data_request):
    data_request("Unanswered")
    data_request("Planned one", data_request_status="planned")

    assert shown_titles(client.get("/data-requests?status=requested").get_data(as_text=True)) == ["Unanswered"]
    assert shown_titles(client.get("/data-requests?status=planned").get_data(as_text=True)) == ["Planned one"]


def test_each_request_shows_its_answer_and_staff_note(client, data_request):
    data_request(data_request_status="declined", data_request_note="We do not collect this.")

    html = client.get("/data-requests").get_data(as_text=True)

    assert "Declined" in html and "We do not collect this." in html


def test_a_logged_in_resident_gets_a_vote_form_with_a_csrf_token(logged_in, data_request):
    client, _user = logged_in
    problem = data_request()

    html = client.get("/data-requests").get_data(as_text=True)

    form = re.search(
        rf'<form method="post" class="vote-form"\s+action="/problems/{problem.id}/vote".*?</form>', html, re.S
    )
    assert form and 'name="csrf_token"' in form.group(0)


def test_the_vote_form_says_when_the_viewer_has_voted(logged_in, data_request):
    client, user = logged_in
    problem = data_request(vote_count=1)
    db.session.add(Vote(user_id=user.id, problem_id=problem.id))
    db.session.commit()

    html = client.get("/data-requests").get_data(as_text=True)

    assert 'aria-pressed="true"' in html
    assert f'action="/problems/{problem.id}/unvote"' in html  # the button withdraws the vote


def test_anonymous_visitors_are_asked_to_log_in_to_vote(client, data_request):
    data_request()

    html = client.get("/data-requests").get_data(as_text=True)

    assert "Log in to vote" in html and 'method="post"' not in html.split('id="main"')[1].split("</main>")[0]


def test_the_page_asks_a_fixed_number_of_queries(logged_in, data_request, dataset_factory, count_queries):
    client, user = logged_in
    dataset = dataset_factory()

    def queries_for(total: int) -> int:
        while len(shown_titles(client.get("/data-requests?per_page=100").get_data(as_text=True))) < total:
            problem = data_request(datasets=[dataset], data_request_status="published")
            db.session.add(Vote(user_id=user.id, problem_id=problem.id))
            db.session.commit()
        with count_queries() as counter:
            html = client.get("/data-requests?per_page=100").get_data(as_text=True)
        assert len(shown_titles(html)) == total and html.count("Voted<") == total
        return counter.count

    at_20 = queries_for(20)
    at_40 = queries_for(40)

    assert at_20 == at_40
    assert at_20 <= 6  # login session, the page, its dataset links, the count, the viewer's votes


# --------------------------------------------------------------------------- #
# Answering
# --------------------------------------------------------------------------- #


def test_publishing_ties_the_dataset_keeps_counters_exact_and_notifies_followers(
    app, staff, data_request, dataset_factory, user_factory
):
    dataset = dataset_factory("Bike counters")
    problem = data_request(vote_count=7)
    follower = user_factory()
    follow(follower, problem_id=problem.id)
    follow(staff, problem_id=problem.id)
    db.session.commit()

    services.answer_data_request(staff, problem, "published", "Now in the catalog.", dataset)
    db.session.commit()

    db.session.expire_all()
    assert problem.data_request_status == "published" and problem.data_request_note == "Now in the catalog."
    links = db.session.execute(select(ProblemDataset.dataset_id).where(ProblemDataset.problem_id == problem.id))
    assert links.scalars().all() == [dataset.id]
    assert (dataset.problem_count, dataset.demand) == (1, 7)
    notes = db.session.execute(select(Notification)).scalars().all()
    assert [(n.user_id, n.kind, n.problem_id) for n in notes] == [(follower.id, "data_published", problem.id)]
    assert db.session.get(User, follower.id).unread_notifications == 1
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "data_request.answer")).scalar_one()
    assert entry.details == {"status": "published", "dataset_id": dataset.id}


def test_publishing_again_with_the_same_dataset_adds_no_second_tie(app, staff, data_request, dataset_factory):
    dataset = dataset_factory()
    problem = data_request(vote_count=2)
    services.answer_data_request(staff, problem, "published", "", dataset)
    services.answer_data_request(staff, problem, "published", "Updated note.", dataset)
    db.session.commit()

    db.session.expire_all()
    assert len(problem.dataset_links) == 1 and dataset.problem_count == 1


def test_publishing_needs_an_active_dataset(app, staff, data_request, dataset_factory):
    problem = data_request()
    withdrawn = dataset_factory(status="withdrawn")

    with pytest.raises(ValidationError) as missing:
        services.answer_data_request(staff, problem, "published", "")
    with pytest.raises(ValidationError) as inactive:
        services.answer_data_request(staff, problem, "published", "", withdrawn)
    assert "dataset" in missing.value.fields and "dataset" in inactive.value.fields


def test_declining_needs_a_reason(app, staff, data_request):
    problem = data_request()

    with pytest.raises(ValidationError) as error:
        services.answer_data_request(staff, problem, "declined", "  ")
    assert "note" in error.value.fields

    services.answer_data_request(staff, problem, "declined", "Personal data; we cannot publish it.")
    assert problem.data_request_status == "declined"


def test_planning_needs_no_dataset_and_notifies_nobody(app, staff, data_request, user_factory):
    problem = data_request()
    follow(user_factory(), problem_id=problem.id)

    services.answer_data_request(staff, problem, "planned", "Spring release.")
    db.session.commit()

    assert problem.data_request_status == "planned"
    assert db.session.execute(select(Notification)).first() is None


def test_a_dataset_is_linked_only_when_publishing(app, staff, data_request, dataset_factory):
    with pytest.raises(ValidationError):
        services.answer_data_request(staff, data_request(), "planned", "", dataset_factory())


@pytest.mark.parametrize("status", ["requested", "done", ""])
def test_only_planned_published_or_declined_are_answers(app, staff, data_request, status):
    with pytest.raises(ValidationError):
        services.answer_data_request(staff, data_request(), status, "note")


def test_a_problem_that_is_not_a_data_request_cannot_be_answered(app, staff, problem_factory):
    with pytest.raises(ConflictError):
        services.answer_data_request(staff, problem_factory(), "planned", "")


def test_residents_may_not_answer(app, resident, data_request):
    problem = data_request()

    with pytest.raises(PermissionDenied):
        services.answer_data_request(resident, problem, "planned", "")


def test_staff_answer_through_the_form_naming_the_dataset_by_its_address(staff_client, data_request, dataset_factory):
    dataset = dataset_factory("Bike counters")
    problem = data_request(vote_count=3)

    response = staff_client.form(
        f"/data-requests/{problem.id}/answer",
        {"status": "published", "dataset": f"http://localhost/datasets/{dataset.id}", "note": "Published."},
    )

    assert response.status_code == 302 and response.headers["Location"] == "/data-requests"
    db.session.expire_all()
    assert db.session.get(Problem, problem.id).data_request_status == "published"
    html = staff_client.get("/data-requests").get_data(as_text=True)
    assert f'<a href="/datasets/{dataset.id}">Bike counters</a>' in html


def test_an_unknown_dataset_in_the_form_is_refused(staff_client, data_request):
    problem = data_request()

    response = staff_client.form(
        f"/data-requests/{problem.id}/answer", {"status": "published", "dataset": "999", "note": ""}
    )

    assert response.status_code == 422
    assert "No dataset with that number" in response.get_data(as_text=True)


def test_the_answer_page_finds_datasets_by_title(staff_client, data_request, dataset_factory):
    dataset = dataset_factory("Bike counters")
    dataset_factory("Parking tickets")
    problem = data_request()

    html = staff_client.get(f"/data-requests/{problem.id}/answer?q=bike").get_data(as_text=True)

    assert f"<strong>{dataset.id}</strong>" in html and "Parking tickets" not in html


def test_staff_see_an_answer_link_and_residents_do_not(client, staff, resident, login, data_request, make_client):
    problem = data_request()
    login(client, staff)
    other = make_client()
    login(other, resident)

    assert f"/data-requests/{problem.id}/answer" in client.get("/data-requests").get_data(as_text=True)
    assert f"/data-requests/{problem.id}/answer" not in other.get("/data-requests").get_data(as_text=True)


def test_residents_get_403_on_the_answer_page(resident_client, data_request):
    problem = data_request()

    assert resident_client.get(f"/data-requests/{problem.id}/answer").status_code == 403
    response = resident_client.form(f"/data-requests/{problem.id}/answer", {"status": "planned", "note": ""})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Problem, problem.id).data_request_status is None


# --------------------------------------------------------------------------- #
# Hidden requests: staff who may not see them can neither open nor answer them
# --------------------------------------------------------------------------- #


def test_staff_who_are_not_moderators_cannot_answer_a_hidden_request(app, staff, data_request):
    problem = data_request(hidden_at=utcnow())

    with pytest.raises(NotFound):
        services.answer_data_request(staff, problem, "planned", "Spring release.")
    assert problem.data_request_status is None


def test_staff_who_are_not_moderators_get_404_on_a_hidden_requests_answer_page(staff_client, data_request):
    problem = data_request(hidden_at=utcnow())

    assert staff_client.get(f"/data-requests/{problem.id}/answer").status_code == 404
    response = staff_client.form(f"/data-requests/{problem.id}/answer", {"status": "planned", "note": "Soon."})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Problem, problem.id).data_request_status is None


def test_a_staff_moderator_may_still_answer_a_hidden_request(client, login, user_factory, data_request):
    moderator = user_factory(roles=["staff", "moderator"])
    problem = data_request(hidden_at=utcnow())
    login(client, moderator)

    response = client.form(f"/data-requests/{problem.id}/answer", {"status": "planned", "note": "Soon."})

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Problem, problem.id).data_request_status == "planned"
