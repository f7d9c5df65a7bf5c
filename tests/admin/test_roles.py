"""Admins grant and revoke roles and departments; every change is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civicboard.audit.models import AuditEntry, AuditLogIsAppendOnly
from civicboard.auth import services
from civicboard.extensions import db
from civicboard.permissions import PermissionDenied
from civicboard.validation import ConflictError


@pytest.fixture
def admin_client(client, user_factory, login):
    admin = user_factory(roles=["admin"])
    login(client, admin)
    return client, admin


def test_admin_grants_a_role_with_an_audit_entry(admin_client, user_factory):
    client, admin = admin_client
    target = user_factory()
    response = client.form(
        f"/admin/users/{target.id}/roles", {"role": "staff", "action": "grant", "reason": "new hire"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert target.has_role("staff")
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "role.grant")).scalar_one()
    assert (entry.actor_id, entry.target_type, entry.target_id) == (admin.id, "user", str(target.id))
    assert entry.reason == "new hire" and entry.details == {"role": "staff"}
    assert entry.created_at is not None


def test_admin_revokes_a_role(admin_client, user_factory):
    client, _ = admin_client
    target = user_factory(roles=["moderator"])
    client.form(f"/admin/users/{target.id}/roles", {"role": "moderator", "action": "revoke", "reason": "left"})
    db.session.expire_all()
    assert not target.has_role("moderator")
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "role.revoke")).scalar_one()


def test_resident_cannot_open_the_admin_page(logged_in):
    client, _ = logged_in
    assert client.get("/admin").status_code == 403


def test_moderator_cannot_grant_roles(client, user_factory, login):
    moderator = user_factory(roles=["moderator"])
    target = user_factory()
    login(client, moderator)
    response = client.form(f"/admin/users/{target.id}/roles", {"role": "admin", "action": "grant", "reason": ""})
    assert response.status_code == 403
    db.session.expire_all()
    assert not target.has_role("admin")
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "role.grant")).first() is None


def test_grant_service_checks_permission_itself(user_factory):
    resident, target = user_factory(), user_factory()
    with pytest.raises(PermissionDenied):
        services.grant_role(resident, target, "staff")


def test_last_admin_cannot_be_revoked(user_factory):
    admin = user_factory(roles=["admin"])
    with pytest.raises(ConflictError):
        services.revoke_role(admin, admin, "admin")


def test_assign_department(admin_client, user_factory):
    client, _ = admin_client
    department = services.get_or_create_department("Parks")
    db.session.commit()
    target = user_factory(roles=["staff"])
    response = client.form(f"/admin/users/{target.id}/department", {"department_id": department.id, "reason": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert target.department.name == "Parks"


def test_create_department_rejects_duplicates(admin_client):
    client, _ = admin_client
    client.form("/admin/departments", {"name": "Housing"})
    client.form("/admin/departments", {"name": "housing"})
    from civicboard.auth.models import Department

    assert len(db.session.execute(select(Department)).scalars().all()) == 1


def test_admin_page_lists_and_searches_users(admin_client, user_factory):
    client, _ = admin_client
    user_factory(name="Findable Person")
    user_factory(name="Someone Else")
    html = client.get("/admin?q=findable").get_data(as_text=True)
    assert "Findable Person" in html and "Someone Else" not in html


def test_audit_entries_cannot_be_changed_or_deleted(user_factory):
    admin = user_factory(roles=["admin"])
    target = user_factory()
    services.grant_role(admin, target, "staff", "reason")
    db.session.commit()
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "role.grant")).scalar_one()
    entry.reason = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(entry)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
