"""The staff-managed category list: add, rename, reorder, deactivate, link a department; audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civicboard.audit.models import AuditEntry
from civicboard.extensions import db
from civicboard.permissions import PermissionDenied
from civicboard.problems import queries, services
from civicboard.problems.models import Category
from civicboard.validation import ConflictError


@pytest.fixture
def staff_client(make_client, login, staff):
    client = make_client()
    login(client, staff)
    return client


def names() -> list[str]:
    db.session.expire_all()
    return [c.name for c in queries.all_categories()]


def test_residents_cannot_manage_categories(logged_in):
    client, _ = logged_in
    assert client.get("/manage/categories").status_code == 403
    assert client.form("/manage/categories", {"new-name": "Parks"}).status_code == 403


def test_staff_add_categories_with_a_department(staff_client, staff):
    response = staff_client.form(
        "/manage/categories", {"new-name": "Streets & sidewalks", "new-department_id": str(staff.department_id)}
    )
    assert response.status_code == 303
    category = db.session.execute(select(Category)).scalar_one()
    assert (category.name, category.slug, category.department_id) == (
        "Streets & sidewalks",
        "streets-sidewalks",
        staff.department_id,
    )
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action.like("category.%"))).scalar_one()
    assert (entry.action, entry.actor_id, entry.target_id) == ("category.create", staff.id, str(category.id))


def test_duplicate_names_are_refused_with_a_field_error(staff_client, category_factory):
    category_factory(name="Parks")
    response = staff_client.form("/manage/categories", {"new-name": "parks"})
    assert response.status_code == 409
    assert "already exists" in response.get_data(as_text=True)


def test_rename_and_deactivate(staff_client, category_factory):
    category = category_factory(name="Parks")
    response = staff_client.form(f"/manage/categories/{category.id}", {f"c{category.id}-name": "Parks & playgrounds"})
    assert response.status_code == 303
    db.session.expire_all()
    category = db.session.get(Category, category.id)
    assert category.name == "Parks & playgrounds" and category.slug == "parks" and not category.active
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action.like("category.%"))).scalar_one()
    assert entry.details["changes"]["active"] == [True, False]


def test_inactive_categories_leave_the_proposal_form(logged_in, category_factory):
    client, _ = logged_in
    category_factory(name="Parks")
    category_factory(name="Retired", active=False)
    html = client.get("/problems/new").get_data(as_text=True)
    assert ">Parks</option>" in html and "Retired" not in html


def test_reorder(staff_client, category_factory):
    first, second, third = (category_factory(name=n, position=i) for i, n in enumerate(["A", "B", "C"]))
    staff_client.form(f"/manage/categories/{third.id}/move", {"direction": "up"})
    assert names() == ["A", "C", "B"]
    staff_client.form(f"/manage/categories/{first.id}/move", {"direction": "down"})
    assert names() == ["C", "A", "B"]


def test_moving_past_the_end_changes_nothing(app, staff, category_factory):
    only = category_factory(name="Only")
    assert services.move_category(staff, only, -1) is False


def test_the_service_checks_the_capability(app, user_factory):
    with pytest.raises(PermissionDenied):
        services.create_category(user_factory(), "Parks")


def test_the_service_refuses_duplicates(app, staff, category_factory):
    category_factory(name="Parks")
    with pytest.raises(ConflictError):
        services.create_category(staff, "  PARKS ")


def test_staff_name_a_categorys_default_datasets(staff_client, category_factory, dataset_factory):
    category = category_factory("Streets")
    first, second = dataset_factory(), dataset_factory()
    prefix = f"c{category.id}-"
    data = {
        f"{prefix}name": "Streets",
        f"{prefix}active": "y",
        f"{prefix}default_dataset_ids": f"{second.id}, {first.id}",
    }
    assert staff_client.form(f"/manage/categories/{category.id}", data).status_code == 303
    db.session.expire_all()
    assert category.default_dataset_ids == [second.id, first.id]
    page = staff_client.get("/manage/categories").get_data(as_text=True)
    assert f'value="{second.id}, {first.id}"' in page
    data[f"{prefix}default_dataset_ids"] = "999999"
    response = staff_client.form(f"/manage/categories/{category.id}", data)
    assert response.status_code == 422 and "No active dataset has the id 999999" in response.get_data(as_text=True)
