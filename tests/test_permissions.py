"""Capabilities as an enum, and the domain NotFound services raise, mapped to 404 by the web layer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from civicboard.extensions import db
from civicboard.moderation import services as moderation_services
from civicboard.permissions import CAPABILITIES, Capability, NotFound, Role, capability_required, has_capability
from civicboard.problems.models import Comment
from civicboard.timeutil import utcnow


def test_every_capability_names_the_roles_that_grant_it():
    assert set(CAPABILITIES) == set(Capability)


def test_an_unknown_capability_is_an_error_not_a_silent_no(user_factory):
    admin = user_factory(roles=[Role.ADMIN])
    with pytest.raises(KeyError):
        has_capability(admin, "moderate_everything")
    with pytest.raises(KeyError):
        capability_required("moderate_everything")


def test_admins_hold_every_capability_and_residents_none(user_factory):
    admin, resident = user_factory(roles=[Role.ADMIN]), user_factory()
    assert all(has_capability(admin, capability) for capability in Capability)
    assert not any(has_capability(resident, capability) for capability in Capability)


def test_a_service_reports_a_missing_item_with_the_domain_not_found(user_factory):
    reporter = user_factory()
    with pytest.raises(NotFound):
        moderation_services.flag(reporter, "problem", 999_999, "spam")


def test_a_service_not_found_is_a_404_page(client, logged_in):
    client, _ = logged_in
    response = client.form("/flags", {"target_type": "problem", "target_id": "999999", "reason": "spam"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<h1>" in response.get_data(as_text=True)


def test_a_service_not_found_is_the_api_json_error(client, logged_in):
    client, _ = logged_in
    response = client.post(
        "/api/v1/flags",
        json={"target_type": "problem", "target_id": 999_999, "reason": "spam"},
        headers={"X-CSRFToken": client.csrf_token()},
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_api_handlers_leave_permission_checks_to_the_services():
    # The API must not be able to differ from the site: the services are the one check.
    api = Path(__file__).resolve().parent.parent / "civicboard" / "api"
    check = re.compile(r"\b(?:require|require_active|has_capability)\(|\.can_\w+\(")
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(api.glob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if check.search(line)
    ]
    assert offenders == []


ROOT = Path(__file__).resolve().parent.parent


def test_capabilities_are_named_by_the_enum_not_by_strings():
    in_python = re.compile(r"""\b(?:require|has_capability|capability_required)\([^)]*["'][a-z_]+["']""")
    in_templates = re.compile(r"""\bcan\([^)]*["'][a-z_]+["']""")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for pattern, files in (
            (in_python, (ROOT / "civicboard").rglob("*.py")),
            (in_templates, (ROOT / "templates").rglob("*.html")),
        )
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []


# -- permission questions on models (templates use them to hide buttons) --------------------------


def test_anyone_active_but_the_author_may_flag_a_problem(problem_factory, user_factory):
    author, other, suspended = user_factory(), user_factory(), user_factory()
    suspended.banned_at = utcnow()
    db.session.commit()
    problem = problem_factory(author=author)
    assert problem.can_flag(other)
    assert not problem.can_flag(author)
    assert not problem.can_flag(suspended)
    assert not problem.can_flag(None)


def test_a_hidden_or_deleted_comment_cannot_be_flagged(problem_factory, user_factory):
    author, reader = user_factory(), user_factory()
    problem = problem_factory()
    comment = Comment(problem_id=problem.id, author_id=author.id, body="Hi", body_html="<p>Hi</p>")
    db.session.add(comment)
    db.session.commit()
    assert comment.can_flag(reader) and not comment.can_flag(author)
    comment.hidden_at = utcnow()
    assert not comment.can_flag(reader)


def test_only_moderators_may_moderate_a_problem(problem_factory, user_factory):
    problem = problem_factory()
    assert problem.can_moderate(user_factory(roles=[Role.MODERATOR]))
    assert not problem.can_moderate(user_factory(roles=[Role.STAFF]))


def test_evidence_is_edited_by_its_author_and_their_department(app, problem_factory, dataset_factory, user_factory):
    from civicboard.staff.models import Evidence

    author = user_factory(roles=[Role.STAFF], department="Parks")
    colleague = user_factory(roles=[Role.STAFF], department="Parks")
    stranger = user_factory(roles=[Role.STAFF], department="Roads")
    item = Evidence(
        problem_id=problem_factory().id, dataset_id=dataset_factory().id, stance="context", created_by_id=author.id
    )
    db.session.add(item)
    db.session.commit()
    assert item.can_edit(author) and item.can_edit(colleague)
    assert not item.can_edit(stranger)
    assert not item.can_edit(user_factory())
