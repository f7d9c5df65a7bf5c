"""Who may do what: residents get 403 from every staff and moderator route and service, and
nothing changes; moderators cannot grant roles; nobody edits another's evidence or content;
fields smuggled into a form are ignored."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from civicboard.audit.models import AuditEntry
from civicboard.auth.models import User, UserRole
from civicboard.extensions import db
from civicboard.moderation import services as moderation
from civicboard.moderation.models import Flag
from civicboard.permissions import PermissionDenied
from civicboard.problems.models import Comment, Problem
from civicboard.staff import services as staff_services
from civicboard.staff.models import Evidence, Response
from tests.staff.factories import add_comment


@pytest.fixture
def world(staff, user_factory, problem_factory, dataset_factory):
    """A problem with a comment, a piece of evidence and an open flag; another resident."""
    author = user_factory()
    dataset = dataset_factory()
    problem = problem_factory(author=author, datasets=[dataset])
    comment = add_comment(problem, author, body="Hello.")
    evidence = staff_services.add_evidence(staff, problem, dataset, None, "Counts.", "context", None)
    moderation.flag(user_factory(), "problem", problem.id, "spam", "")
    db.session.commit()
    return {"author": author, "problem": problem, "comment": comment, "evidence": evidence, "dataset": dataset}


def snapshot() -> dict[str, Any]:
    """Everything a staff or moderator action could change."""
    db.session.expire_all()

    def count(model) -> int:
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()

    problems = db.session.execute(
        select(
            Problem.id, Problem.status, Problem.hidden_at, Problem.locked_at, Problem.vote_count, Problem.comment_count
        )
    ).all()
    comments = db.session.execute(select(Comment.id, Comment.hidden_at)).all()
    evidence = db.session.execute(select(Evidence.id, Evidence.caption, Evidence.removed_at)).all()
    flags = db.session.execute(select(Flag.id, Flag.resolved_at)).all()
    users = db.session.execute(select(User.id, User.banned_at)).all()
    roles = db.session.execute(select(UserRole.user_id, UserRole.role)).all()
    return {
        "responses": count(Response),
        "audit": count(AuditEntry),
        "problems": sorted(problems),
        "comments": sorted(comments),
        "evidence": sorted(evidence),
        "flags": sorted(flags),
        "users": sorted(users),
        "roles": sorted(roles),
    }


def _routes(world: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    p, c, e, a = world["problem"].id, world["comment"].id, world["evidence"].id, world["author"].id
    body = {"body": "Official.", "status": "resolved", "caption": "x", "stance": "supports", "dataset_id": "1"}
    reason = {"reason": "Because.", "until": "2099-01-01"}
    return [
        ("GET", "/staff", {}),
        ("GET", f"/staff/problems/{p}/respond", {}),
        ("POST", f"/staff/problems/{p}/respond", body),
        ("GET", f"/staff/problems/{p}/evidence", {}),
        ("POST", f"/staff/problems/{p}/evidence", body),
        ("GET", f"/staff/evidence/{e}/edit", {}),
        ("POST", f"/staff/evidence/{e}/edit", body),
        ("GET", f"/staff/evidence/{e}/remove", {}),
        ("POST", f"/staff/evidence/{e}/remove", reason),
        ("GET", "/moderation", {}),
        ("POST", f"/moderation/problems/{p}/hide", reason),
        ("POST", f"/moderation/problems/{p}/restore", reason),
        ("POST", f"/moderation/problems/{p}/lock", reason),
        ("POST", f"/moderation/problems/{p}/unlock", reason),
        ("POST", f"/moderation/comments/{c}/hide", reason),
        ("POST", f"/moderation/comments/{c}/restore", reason),
        ("POST", "/moderation/flags/dismiss", {"target_type": "problem", "target_id": p, **reason}),
        ("GET", f"/moderation/users/{a}", {}),
        ("POST", f"/moderation/users/{a}/suspend", reason),
        ("POST", f"/moderation/users/{a}/lift", reason),
        ("GET", "/moderation/audit", {}),
    ]


def test_residents_get_403_from_every_staff_and_moderator_route(world, logged_in):
    client, _ = logged_in
    before = snapshot()
    for method, url, data in _routes(world):
        response = client.get(url) if method == "GET" else client.form(url, data)
        assert response.status_code == 403, (method, url, response.status_code)
    assert snapshot() == before


def test_staff_get_403_from_every_moderator_route(world, staff_client):
    before = snapshot()
    for method, url, data in _routes(world):
        if url.startswith("/moderation"):
            response = staff_client.get(url) if method == "GET" else staff_client.form(url, data)
            assert response.status_code == 403, (method, url)
    assert snapshot() == before


def test_moderators_get_403_from_every_staff_route(world, make_client, user_factory, login):
    client = make_client()
    login(client, user_factory(roles=["moderator"]))
    before = snapshot()
    for method, url, data in _routes(world):
        if url.startswith("/staff"):
            response = client.get(url) if method == "GET" else client.form(url, data)
            assert response.status_code == 403, (method, url)
    assert snapshot() == before


def test_anonymous_visitors_are_sent_to_log_in(world, client):
    before = snapshot()
    for method, url, data in _routes(world):
        response = client.get(url) if method == "GET" else client.form(url, data)
        assert response.status_code == 302 and "/login" in response.headers["Location"], (method, url)
    assert snapshot() == before


def test_residents_get_permission_denied_from_every_service(world, user_factory):
    resident = user_factory()
    p, c, e, a = world["problem"], world["comment"], world["evidence"], world["author"]
    calls = [
        lambda: staff_services.respond(resident, p, "Official.", "resolved"),
        lambda: staff_services.add_evidence(resident, p, world["dataset"], None, "x", "supports", None),
        lambda: staff_services.edit_evidence(resident, e, world["dataset"], None, "x", "supports", None),
        lambda: staff_services.remove_evidence(resident, e, "x"),
        lambda: moderation.hide(resident, p, "x"),
        lambda: moderation.restore(resident, p, "x"),
        lambda: moderation.hide(resident, c, "x"),
        lambda: moderation.restore(resident, c, "x"),
        lambda: moderation.lock_problem(resident, p, "x"),
        lambda: moderation.unlock_problem(resident, p, "x"),
        lambda: moderation.dismiss_flags(resident, "problem", p.id, "x"),
        lambda: moderation.suspend_user(resident, a, None, "x"),
        lambda: moderation.lift_suspension(resident, a, "x"),
    ]
    before = snapshot()
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
        db.session.rollback()
    assert snapshot() == before


def test_moderators_cannot_grant_roles(world, make_client, user_factory, login):
    moderator = user_factory(roles=["moderator"])
    client = make_client()
    login(client, moderator)
    before = snapshot()
    for role in ("admin", "staff", "moderator"):
        response = client.form(f"/admin/users/{moderator.id}/roles", {"role": role, "action": "grant", "reason": ""})
        assert response.status_code == 403
    assert snapshot() == before


def test_staff_of_another_department_cannot_edit_or_remove_evidence(world, make_client, user_factory, login):
    other = user_factory(roles=["staff"], department="Parks")
    client = make_client()
    login(client, other)
    e = world["evidence"].id
    before = snapshot()
    assert client.get(f"/staff/evidence/{e}/edit").status_code == 403
    assert (
        client.form(
            f"/staff/evidence/{e}/edit", {"dataset_id": "1", "caption": "Mine.", "stance": "context"}
        ).status_code
        == 403
    )
    assert client.form(f"/staff/evidence/{e}/remove", {"reason": "Mine."}).status_code == 403
    assert snapshot() == before


def test_residents_cannot_hide_or_restore_someone_elses_comment(world, make_client, user_factory, login):
    client = make_client()
    login(client, user_factory())
    c = world["comment"].id
    before = snapshot()
    assert client.form(f"/moderation/comments/{c}/hide", {"reason": "I dislike it."}).status_code == 403
    assert snapshot() == before


def test_smuggled_fields_in_a_response_are_ignored(world, staff, staff_client, user_factory):
    problem = world["problem"]
    other_department = user_factory(roles=["staff"], department="Parks")
    response = staff_client.form(
        f"/staff/problems/{problem.id}/respond",
        {
            "body": "We are on it.",
            "status": "acknowledged",
            "status_from": "resolved",
            "status_to": "declined",
            "official": "0",
            "vote_count": "9999",
            "hidden": "1",
            "role": "admin",
            "department_id": str(other_department.department_id),
            "author_id": str(other_department.id),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.execute(select(Response)).scalar_one()
    assert (row.status_from, row.status_to) == ("open", "acknowledged")
    assert (row.author_id, row.department_id) == (staff.id, staff.department_id)
    problem = db.session.get(Problem, problem.id)
    assert problem.vote_count == 0 and problem.hidden_at is None
    assert not db.session.get(User, staff.id).is_admin


def test_smuggled_fields_in_evidence_are_ignored(world, staff, staff_client):
    problem = world["problem"]
    staff_client.form(
        f"/staff/problems/{problem.id}/evidence",
        {
            "dataset_id": world["dataset"].id,
            "caption": "Counts rose.",
            "stance": "supports",
            "problem_id": "999",
            "created_by_id": str(world["author"].id),
            "removed_at": "2020-01-01",
            "role": "admin",
        },
    )
    row = db.session.execute(select(Evidence).order_by(Evidence.id.desc()).limit(1)).scalar_one()
    assert (row.problem_id, row.created_by_id, row.removed_at) == (problem.id, staff.id, None)


def test_smuggled_fields_in_a_flag_are_ignored(world, logged_in):
    client, resident = logged_in
    problem = world["problem"]
    client.form(
        "/flags",
        {
            "target_type": "problem",
            "target_id": problem.id,
            "reason": "abuse",
            "user_id": str(world["author"].id),
            "resolution": "dismissed",
            "resolved_at": "2020-01-01",
            "hidden": "1",
            "vote_count": "0",
            "role": "moderator",
        },
    )
    db.session.expire_all()
    row = db.session.execute(select(Flag).where(Flag.reason == "abuse")).scalar_one()
    assert (row.user_id, row.resolved_at, row.resolution) == (resident.id, None, None)
    assert db.session.get(Problem, problem.id).hidden_at is None
    assert not db.session.get(User, resident.id).is_moderator


def test_smuggled_fields_in_a_hide_are_ignored(world, make_client, user_factory, login):
    moderator = user_factory(roles=["moderator"])
    client = make_client()
    login(client, moderator)
    comment = world["comment"]
    client.form(
        f"/moderation/comments/{comment.id}/hide",
        {"reason": "Rude.", "hidden_by_id": str(world["author"].id), "comment_count": "50", "role": "admin"},
    )
    db.session.expire_all()
    row = db.session.get(Comment, comment.id)
    assert row.hidden_by_id == moderator.id
    assert db.session.get(Problem, comment.problem_id).comment_count == 0
    assert not db.session.get(User, moderator.id).is_admin
