"""Staff add and edit datasets by hand; everyone else is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from civicboard.audit.models import AuditEntry
from civicboard.datasets import services
from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.permissions import PermissionDenied
from civicboard.validation import ValidationError
from tests.datasets.conftest import count

FORM = {
    "title": "Street Tree Inventory",
    "description": "Every street tree in the city.",
    "publisher": "Urban Forestry",
    "keywords": "trees, Environment, trees",
    "theme": "Environment",
    "landing_page": "https://data.example.org/trees",
    "license": "CC0",
    "accrual_periodicity": "R/P1M",
    "contact_name": "Forestry desk",
    "contact_email": "trees@example.org",
    "distributions-0-title": "Trees (CSV)",
    "distributions-0-url": "https://data.example.org/trees.csv",
    "distributions-0-format": "csv",
    "distributions-1-title": "",
    "distributions-1-url": "",
    "distributions-1-format": "",
    "distributions-2-title": "Trees API",
    "distributions-2-url": "https://data.example.org/api/trees",
    "distributions-2-format": "API",
}


def the_dataset() -> Dataset:
    db.session.expire_all()
    return db.session.execute(select(Dataset)).scalar_one()


def audit_actions() -> list[str]:
    """Audit actions about datasets, oldest first."""
    query = select(AuditEntry.action).where(AuditEntry.action.like("dataset.%")).order_by(AuditEntry.id)
    return list(db.session.execute(query).scalars())


def test_the_add_form_has_a_labelled_field_for_everything(staff_client):
    html = staff_client.get("/datasets/new").get_data(as_text=True)

    for name in ("title", "keywords", "landing_page", "license", "accrual_periodicity", "distributions-0-url"):
        assert f'for="{name}"' in html


def test_staff_add_a_dataset_by_hand(staff_client, staff):
    response = staff_client.form("/datasets/new", FORM)

    dataset = the_dataset()
    assert response.status_code == 302 and response.headers["Location"] == f"/datasets/{dataset.id}"
    assert dataset.source == "manual" and len(dataset.source_id) == 32
    assert dataset.keywords == ["trees", "Environment"] and dataset.theme == ["Environment"]
    assert dataset.accrual_periodicity == "R/P1M" and dataset.contact_email == "trees@example.org"
    assert [(d.title, d.url, d.format) for d in dataset.distributions] == [
        ("Trees (CSV)", "https://data.example.org/trees.csv", "CSV"),
        ("Trees API", "https://data.example.org/api/trees", "API"),
    ]
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action.like("dataset.%"))).scalar_one()
    assert (entry.action, entry.actor_id, entry.target_id) == ("dataset.create", staff.id, str(dataset.id))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("distributions-0-url", "javascript:alert(1)"),
        ("distributions-0-url", "ftp://data.example.org/trees.csv"),
        ("landing_page", "javascript:alert(1)"),
        ("title", "   "),
        ("contact_email", "not an address"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_added(staff_client, field, value):
    response = staff_client.form("/datasets/new", {**FORM, field: value})

    assert response.status_code == 422
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert count(Dataset) == 0


def test_a_distribution_without_a_url_is_refused_on_its_row(staff_client):
    response = staff_client.form("/datasets/new", {**FORM, "distributions-0-url": ""})

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="distributions-0-url-error"' in html and "needs a URL" in html


def test_staff_edit_a_dataset(staff_client, dataset_factory):
    dataset = dataset_factory("Street Trees", source="manual")

    response = staff_client.form(
        f"/datasets/{dataset.id}/edit",
        {
            **FORM,
            "title": "Street Trees 2025",
            "status": "active",
            **{f"distributions-2-{name}": "" for name in ("title", "url", "format")},
        },
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    edited = the_dataset()
    assert edited.title == "Street Trees 2025"
    assert [d.url for d in edited.distributions] == ["https://data.example.org/trees.csv"]
    assert audit_actions() == ["dataset.update"]


def test_the_edit_form_is_filled_with_the_dataset_and_spare_distribution_rows(staff_client, dataset_factory):
    dataset = dataset_factory("Street Trees", keywords=["a", "b"], accrual_periodicity="R/PT1H")

    html = staff_client.get(f"/datasets/{dataset.id}/edit").get_data(as_text=True)

    assert 'value="Street Trees"' in html and 'value="a, b"' in html
    assert '<option selected value="R/PT1H">' in html
    assert 'name="distributions-3-url"' in html and 'name="distributions-4-url"' not in html


def test_the_edit_form_of_an_imported_dataset_warns_that_an_import_overwrites(staff_client, dataset_factory):
    dataset = dataset_factory("Street Trees", source="somerville")

    html = staff_client.get(f"/datasets/{dataset.id}/edit").get_data(as_text=True)

    assert "the next import of that catalog overwrites" in html


def test_the_edit_form_of_a_manual_dataset_has_no_such_warning(staff_client, dataset_factory):
    dataset = dataset_factory("Street Trees", source="manual")

    html = staff_client.get(f"/datasets/{dataset.id}/edit").get_data(as_text=True)

    assert "overwrites" not in html


def test_withdrawing_a_dataset_by_hand_stamps_the_time(app, staff, dataset_factory):
    dataset = dataset_factory()

    services.update_dataset(staff, dataset, {"status": "withdrawn"})

    assert dataset.status == "withdrawn" and dataset.withdrawn_at is not None


def test_an_update_changes_only_the_fields_it_names(app, staff, dataset_factory):
    dataset = dataset_factory("Street Trees", publisher="Parks", keywords=["trees"])

    services.update_dataset(staff, dataset, {"publisher": "Urban Forestry"})

    assert (dataset.title, dataset.publisher, dataset.keywords) == ("Street Trees", "Urban Forestry", ["trees"])


def test_an_update_that_changes_nothing_is_not_audited(app, staff, dataset_factory):
    dataset = dataset_factory("Street Trees")

    services.update_dataset(staff, dataset, {"title": "Street Trees"})

    assert audit_actions() == []


def test_unknown_fields_are_refused(app, staff):
    with pytest.raises(ValidationError) as error:
        services.create_dataset(staff, {"title": "X", "source": "somerville"})
    assert "source" in error.value.fields


def test_services_refuse_residents(app, resident, dataset_factory):
    dataset = dataset_factory()
    with pytest.raises(PermissionDenied):
        services.create_dataset(resident, {"title": "X"})
    with pytest.raises(PermissionDenied):
        services.update_dataset(resident, dataset, {"title": "X"})


@pytest.mark.parametrize("path", ["/datasets/new", "/datasets/1/edit"])
def test_residents_get_403_on_the_dataset_forms(resident_client, dataset_factory, path):
    dataset_factory()
    assert resident_client.get(path).status_code == 403
    assert resident_client.form(path, FORM).status_code == 403
    assert count(Dataset) == 1


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/datasets/new")

    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_add_link_is_shown_to_staff_only(client, staff_client):
    assert 'href="/datasets/new"' in staff_client.get("/datasets").get_data(as_text=True)


def test_the_add_link_is_not_shown_to_residents(resident_client):
    assert 'href="/datasets/new"' not in resident_client.get("/datasets").get_data(as_text=True)
