"""Flags: one per person per item; enough open reports hide the item pending review."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civicboard.audit.models import AuditEntry
from civicboard.extensions import db
from civicboard.moderation import services
from civicboard.moderation.models import Flag
from civicboard.permissions import NotFound, PermissionDenied
from civicboard.problems.models import Comment, Problem
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError, ValidationError
from tests.staff.factories import add_comment


def test_a_resident_flags_a_problem(problem_factory, residents):
    (reporter,) = residents(1)
    problem = problem_factory()
    report = services.flag(reporter, "problem", problem.id, "spam", "")
    db.session.commit()
    assert (report.user_id, report.target_type, report.target_id, report.reason) == (
        reporter.id,
        "problem",
        problem.id,
        "spam",
    )
    db.session.refresh(problem)
    assert problem.flag_count == 1


def test_a_second_flag_by_the_same_person_is_a_conflict(problem_factory, residents):
    (reporter,) = residents(1)
    problem = problem_factory()
    services.flag(reporter, "problem", problem.id, "spam", "")
    db.session.commit()
    with pytest.raises(ConflictError) as caught:
        services.flag(reporter, "problem", problem.id, "abuse", "")
    assert caught.value.status == 409
    assert "already reported" in caught.value.message
    db.session.rollback()
    assert db.session.get(Problem, problem.id).flag_count == 1


def test_the_reason_must_be_known_and_other_needs_a_note(problem_factory, residents):
    (reporter,) = residents(1)
    problem = problem_factory()
    with pytest.raises(ValidationError) as caught:
        services.flag(reporter, "problem", problem.id, "boring", "")
    assert "reason" in caught.value.fields
    with pytest.raises(ValidationError) as caught:
        services.flag(reporter, "problem", problem.id, "other", "  ")
    assert "note" in caught.value.fields
    assert services.flag(reporter, "problem", problem.id, "other", "It is a copy of #3.").note == "It is a copy of #3."


def test_only_problems_and_comments_can_be_flagged(problem_factory, residents):
    (reporter,) = residents(1)
    with pytest.raises(ValidationError) as caught:
        services.flag(reporter, "user", problem_factory().id, "spam", "")
    assert "target_type" in caught.value.fields


def test_missing_or_hidden_items_cannot_be_flagged(problem_factory, residents):
    (reporter,) = residents(1)
    hidden = problem_factory(hidden_at=utcnow(), hidden_reason="x")
    for target_id in (hidden.id, 99999, "nope"):
        with pytest.raises(NotFound):
            services.flag(reporter, "problem", target_id, "spam", "")


def test_people_cannot_flag_their_own_posts(problem_factory, residents):
    (author,) = residents(1)
    with pytest.raises(ValidationError):
        services.flag(author, "problem", problem_factory(author=author).id, "spam", "")


def test_suspended_people_cannot_flag(problem_factory, residents):
    (reporter,) = residents(1)
    reporter.banned_at = utcnow()
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.flag(reporter, "problem", problem_factory().id, "spam", "")


def test_reports_below_the_threshold_do_not_hide(problem_factory, residents):
    problem = problem_factory()
    for reporter in residents(2):
        services.flag(reporter, "problem", problem.id, "spam", "")
    db.session.commit()
    assert not db.session.get(Problem, problem.id).is_hidden


def test_the_threshold_hides_a_problem_pending_review_as_a_system_action(problem_factory, dataset_factory, residents):
    dataset = dataset_factory(problem_count=1)
    problem = problem_factory(datasets=[dataset])
    for reporter in residents(3):
        services.flag(reporter, "problem", problem.id, "abuse", "")
    db.session.commit()
    db.session.expire_all()
    problem = db.session.get(Problem, problem.id)
    assert problem.is_hidden and problem.hidden_by_id is None
    assert problem.hidden_reason == "Hidden automatically after 3 reports, pending review"
    assert problem.flag_count == 3
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "problem.hide")).scalar_one()
    assert entry.actor_id is None and entry.details["automatic"] is True
    db.session.refresh(dataset)
    assert dataset.problem_count == 0


def test_the_threshold_comes_from_the_config(app, problem_factory, residents):
    app.config["FLAG_HIDE_THRESHOLD"] = 2
    problem = problem_factory()
    for reporter in residents(2):
        services.flag(reporter, "problem", problem.id, "spam", "")
    assert problem.is_hidden


def test_dismissed_flags_do_not_count_toward_the_threshold(problem_factory, residents, user_factory):
    moderator = user_factory(roles=["moderator"])
    problem = problem_factory()
    first, second, third, fourth = residents(4)
    services.flag(first, "problem", problem.id, "spam", "")
    services.flag(second, "problem", problem.id, "spam", "")
    services.dismiss_flags(moderator, "problem", problem.id)
    services.flag(third, "problem", problem.id, "spam", "")
    services.flag(fourth, "problem", problem.id, "spam", "")
    db.session.commit()
    assert not db.session.get(Problem, problem.id).is_hidden


def test_a_hidden_comment_leaves_the_live_comment_count(problem_factory, residents):
    author, *reporters = residents(4)
    problem = problem_factory()
    comment = add_comment(problem, author)
    assert problem.comment_count == 1
    for reporter in reporters:
        services.flag(reporter, "comment", comment.id, "abuse", "")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).is_hidden
    problem = db.session.get(Problem, problem.id)
    assert problem.comment_count == 0


# -- the route -------------------------------------------------------------------------------


def test_flag_route_reports_and_redirects_back(logged_in, problem_factory):
    client, _ = logged_in
    problem = problem_factory()
    response = client.form("/flags", {"target_type": "problem", "target_id": problem.id, "reason": "spam"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/problems/{problem.id}")
    assert db.session.execute(select(Flag)).scalar_one().reason == "spam"


def test_flag_route_refuses_a_second_report_with_409(logged_in, problem_factory):
    client, _ = logged_in
    problem = problem_factory()
    data = {"target_type": "problem", "target_id": problem.id, "reason": "spam"}
    client.form("/flags", data)
    response = client.form("/flags", data)
    assert response.status_code == 409
    assert "already reported" in response.get_data(as_text=True)


def test_flag_route_shows_errors(logged_in, problem_factory):
    client, _ = logged_in
    problem = problem_factory()
    response = client.form("/flags", {"target_type": "problem", "target_id": problem.id, "reason": "other"})
    assert response.status_code == 422
    assert "Note is required." in response.get_data(as_text=True)


def test_flag_route_ignores_an_offsite_next(logged_in, problem_factory):
    client, _ = logged_in
    problem = problem_factory()
    response = client.form(
        "/flags", {"target_type": "problem", "target_id": problem.id, "reason": "spam", "next": "//evil.example"}
    )
    assert response.headers["Location"].endswith(f"/problems/{problem.id}")


def test_anonymous_visitors_are_asked_to_log_in(client, problem_factory):
    response = client.form("/flags", {"target_type": "problem", "target_id": problem_factory().id, "reason": "spam"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.execute(select(Flag)).first() is None


# -- the report on the problem page ---------------------------------------------------------


def test_the_report_disclosure_sits_with_the_problem_actions_above_the_datasets(logged_in, problem_factory):
    client, _ = logged_in
    problem = problem_factory()
    html = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    actions = html[html.index('class="problem-actions"') : html.index('class="markdown description"')]
    assert 'value="problem"' in actions and 'action="/flags"' in actions
    assert html.index('action="/flags"') < html.index('id="datasets-heading"')


def test_a_reported_problem_says_reported_instead_of_offering_a_second_report(logged_in, problem_factory):
    client, _ = logged_in
    problem = problem_factory()
    client.form("/flags", {"target_type": "problem", "target_id": problem.id, "reason": "spam"})
    html = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert 'class="badge reported-badge">Reported' in html
    assert '<input type="hidden" name="target_type" value="problem">' not in html


def test_a_reported_comment_says_reported_instead_of_offering_a_second_report(logged_in, problem_factory, user_factory):
    client, _ = logged_in
    problem = problem_factory()
    reported, other = add_comment(problem, user_factory()), add_comment(problem, user_factory())
    client.form("/flags", {"target_type": "comment", "target_id": reported.id, "reason": "spam"})
    html = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert f"/flags/new?target_id={reported.id}&amp;target_type=comment" not in html
    assert f"/flags/new?target_id={other.id}&amp;target_type=comment" in html
    assert "your report of this comment" in html


def test_a_comment_is_reported_through_a_link_to_the_report_form(logged_in, problem_factory, user_factory):
    client, _ = logged_in
    problem = problem_factory()
    comment = add_comment(problem, user_factory())
    html = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert f'id="flag-comment-{comment.id}-reason"' not in html  # no form per comment on the page
    form = client.get(f"/flags/new?target_id={comment.id}&target_type=comment")
    page = form.get_data(as_text=True)
    assert form.status_code == 200
    assert "<h1>Report this comment</h1>" in page and f'value="{comment.id}"' in page
    response = client.form("/flags", {"target_type": "comment", "target_id": comment.id, "reason": "spam"})
    assert response.status_code in (302, 303)


def test_the_report_form_of_a_missing_item_is_not_found(logged_in):
    client, _ = logged_in
    assert client.get("/flags/new?target_id=999999&target_type=comment").status_code == 404
    assert client.get("/flags/new?target_id=1&target_type=user").status_code == 404


def test_a_report_with_an_error_names_the_item_and_links_back(logged_in, problem_factory):
    client, _ = logged_in
    problem = problem_factory(title="Broken streetlights on Elm Street")
    response = client.form("/flags", {"target_type": "problem", "target_id": problem.id, "reason": "other"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'“<a href="/problems/{problem.id}">Broken streetlights on Elm Street</a>”' in html
    assert f'<a href="/problems/{problem.id}">Back to the problem</a>' in html


def test_a_second_report_names_the_item_and_links_back(logged_in, problem_factory, user_factory):
    client, _ = logged_in
    problem = problem_factory(title="Broken streetlights on Elm Street")
    comment = add_comment(problem, user_factory())
    data = {"target_type": "comment", "target_id": comment.id, "reason": "spam"}
    client.form("/flags", data)
    response = client.form("/flags", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "A comment by" in html and "Broken streetlights on Elm Street" in html
    assert f'href="/problems/{problem.id}?comment={comment.id}#comment-{comment.id}">Back to the comment</a>' in html
