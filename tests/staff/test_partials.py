"""The problem page's staff and moderation partials, rendered in a tiny page of their own."""

from __future__ import annotations

import re

from flask import render_template_string
from flask_login import AnonymousUserMixin

from civicboard.extensions import db
from civicboard.staff import queries, services
from civicboard.timeutil import utcnow
from tests.staff.factories import add_comment

PAGE = """
{% include "staff/_problem_actions.html" %}
{% include "moderation/_problem_actions.html" %}
{% if comment %}{% include "moderation/_comment_actions.html" %}{% endif %}
"""


def render(app, user, problem, datasets=(), comment=None, evidence=None) -> str:
    """The partials as the problem page includes them, for one viewer."""
    with app.test_request_context(f"/problems/{problem.id}"):
        return render_template_string(
            PAGE,
            problem=problem,
            current_user=user or AnonymousUserMixin(),
            datasets=list(datasets),
            comment=comment,
            evidence=evidence,
        )


def _form_actions(html: str) -> list[str]:
    return re.findall(r'<form method="post" action="([^"]+)"', html)


def test_anonymous_visitors_see_no_forms(app, problem_factory):
    assert _form_actions(render(app, None, problem_factory())) == []


def test_residents_see_only_the_report_form(app, problem_factory, user_factory):
    problem = problem_factory()
    html = render(app, user_factory(), problem)
    assert _form_actions(html) == ["/flags"]
    assert 'name="reason"' in html and 'Report<span class="visually-hidden"> this problem' in html


def test_authors_cannot_report_their_own_problem(app, problem_factory, user_factory):
    author = user_factory()
    assert _form_actions(render(app, author, problem_factory(author=author))) == []


def test_staff_see_the_response_form_with_only_allowed_statuses(app, staff, problem_factory, dataset_factory):
    dataset = dataset_factory(title="Crash Records")
    problem = problem_factory(status="resolved", datasets=[dataset])
    html = render(app, staff, problem, datasets=[dataset])
    assert f"/staff/problems/{problem.id}/respond" in _form_actions(html)
    statuses = re.findall(r'<option value="([a-z_]*)"', html.split('id="response-status"')[1].split("</select>")[0])
    assert statuses == ["", "open"]
    assert 'name="duplicate_of"' not in html  # resolved problems cannot become duplicates
    assert "Signed Transportation" in html


def test_staff_see_the_evidence_form_with_the_problem_datasets(app, staff, problem_factory, dataset_factory):
    dataset = dataset_factory(title="Crash Records")
    problem = problem_factory(datasets=[dataset])
    html = render(app, staff, problem, datasets=[dataset])
    assert f"/staff/problems/{problem.id}/evidence" in _form_actions(html)
    assert f'<option value="{dataset.id}">Crash Records</option>' in html
    assert 'name="duplicate_of"' in html
    for label_for in re.findall(r'<label for="([^"]+)"', html):
        assert f'id="{label_for}"' in html


def test_evidence_edit_links_only_for_those_who_may(app, staff, user_factory, problem_factory, dataset_factory):
    problem = problem_factory()
    evidence = services.add_evidence(staff, problem, dataset_factory(), None, "Counts.", "context", None)
    db.session.commit()
    items = queries.evidence_for_problem(problem.id)
    assert f"/staff/evidence/{evidence.id}/edit" in render(app, staff, problem, evidence=items)
    parks = user_factory(roles=["staff"], department="Parks")
    assert f"/staff/evidence/{evidence.id}/edit" not in render(app, parks, problem, evidence=items)


def test_moderators_see_hide_and_lock(app, problem_factory, user_factory):
    problem = problem_factory()
    actions = _form_actions(render(app, user_factory(roles=["moderator"]), problem))
    assert f"/moderation/problems/{problem.id}/hide" in actions
    assert f"/moderation/problems/{problem.id}/lock" in actions


def test_moderators_see_restore_and_unlock_on_hidden_locked_problems(app, problem_factory, user_factory):
    problem = problem_factory(hidden_at=utcnow(), hidden_reason="Spam.", locked_at=utcnow())
    html = render(app, user_factory(roles=["moderator"]), problem)
    assert f"/moderation/problems/{problem.id}/restore" in _form_actions(html)
    assert f"/moderation/problems/{problem.id}/unlock" in _form_actions(html)
    assert "Spam." in html


def test_comment_actions_report_for_residents_hide_for_moderators(app, problem_factory, user_factory):
    problem = problem_factory()
    comment = add_comment(problem, user_factory())
    resident_html = render(app, user_factory(), problem, comment=comment)
    assert f"target_type=comment&amp;target_id={comment.id}" in resident_html or (
        f"target_id={comment.id}&amp;target_type=comment" in resident_html
    )
    assert f"/moderation/comments/{comment.id}/hide" not in resident_html
    moderator_html = render(app, user_factory(roles=["moderator"]), problem, comment=comment)
    assert f"/moderation/comments/{comment.id}/hide" in _form_actions(moderator_html)


def test_staff_find_another_dataset_by_searching_the_catalog(app, staff, problem_factory):
    problem = problem_factory()
    html = render(app, staff, problem)
    search = re.search(r'<form method="get" action="([^"]+)"[^>]*role="search"', html)
    assert search and search[1] == f"/staff/problems/{problem.id}/evidence"
    assert 'name="q"' in html and 'name="other_dataset_id"' not in html
