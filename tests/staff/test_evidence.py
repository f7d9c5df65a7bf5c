"""Evidence: a dataset of the catalog, an http(s) link, a caption, a stance, an as-of date; audited."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from civicboard.audit.models import AuditEntry
from civicboard.extensions import db
from civicboard.permissions import PermissionDenied
from civicboard.staff import queries, services
from civicboard.staff.models import Evidence
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError, ValidationError


def _add(staff, problem, dataset, **overrides):
    values = {
        "url": "https://data.example.org/rows?street=Elm",
        "caption": "Crashes at Elm Street doubled last year.",
        "stance": "supports",
        "as_of": date(2026, 1, 31),
    }
    values.update(overrides)
    return services.add_evidence(staff, problem, dataset, **values)


def test_staff_add_evidence(staff, problem_factory, dataset_factory):
    dataset = dataset_factory()
    problem = problem_factory(datasets=[dataset])
    evidence = _add(staff, problem, dataset.id)
    db.session.commit()
    assert (evidence.dataset_id, evidence.stance, evidence.as_of) == (dataset.id, "supports", date(2026, 1, 31))
    assert evidence.created_by_id == staff.id
    assert [e.id for e in queries.evidence_for_problem(problem.id)] == [evidence.id]
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "evidence.create")).scalar_one()
    assert entry.details["after"]["caption"] == "Crashes at Elm Street doubled last year."


def test_any_dataset_of_the_catalog_may_be_cited_even_withdrawn(staff, problem_factory, dataset_factory):
    withdrawn = dataset_factory(status="withdrawn")
    evidence = _add(staff, problem_factory(), withdrawn, url="")
    assert evidence.dataset_id == withdrawn.id and evidence.url is None


@pytest.mark.parametrize("dataset", [None, "", "999999", "abc"])
def test_a_dataset_is_required(staff, problem_factory, dataset):
    with pytest.raises(ValidationError) as caught:
        _add(staff, problem_factory(), dataset)
    assert "dataset_id" in caught.value.fields


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://data.example.org/file.csv",
        "/relative/path",
        "data.example.org/rows",
        "https://",
        "https://user:secret@data.example.org/",
        "https://data.example.org/a b",
        "https://" + "a" * 2000 + ".org",
    ],
)
def test_only_http_and_https_links_are_accepted(staff, problem_factory, dataset_factory, url):
    with pytest.raises(ValidationError) as caught:
        _add(staff, problem_factory(), dataset_factory(), url=url)
    assert "url" in caught.value.fields


def test_caption_is_required_and_at_most_1000_characters(staff, problem_factory, dataset_factory):
    dataset, problem = dataset_factory(), problem_factory()
    for caption in ("", "x" * 1001):
        with pytest.raises(ValidationError) as caught:
            _add(staff, problem, dataset, caption=caption)
        assert "caption" in caught.value.fields
    assert _add(staff, problem, dataset, caption="x" * 1000).caption == "x" * 1000


def test_stance_must_be_one_of_three(staff, problem_factory, dataset_factory):
    with pytest.raises(ValidationError) as caught:
        _add(staff, problem_factory(), dataset_factory(), stance="maybe")
    assert "stance" in caught.value.fields


def test_as_of_cannot_be_in_the_future(staff, problem_factory, dataset_factory):
    tomorrow = utcnow().date() + timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        _add(staff, problem_factory(), dataset_factory(), as_of=tomorrow)
    assert "as_of" in caught.value.fields


def test_every_invalid_field_is_reported_at_once(staff, problem_factory):
    with pytest.raises(ValidationError) as caught:
        _add(staff, problem_factory(), None, url="ftp://x", caption="", stance="?", as_of="31/01/2026")
    assert set(caught.value.fields) == {"dataset_id", "url", "caption", "stance", "as_of"}


def test_edit_is_audited_with_before_and_after(staff, problem_factory, dataset_factory):
    evidence = _add(staff, problem_factory(), dataset_factory())
    db.session.commit()
    services.edit_evidence(staff, evidence, evidence.dataset_id, None, "Corrected caption.", "context", None)
    db.session.commit()
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "evidence.edit")).scalar_one()
    assert entry.details["before"]["caption"] == "Crashes at Elm Street doubled last year."
    assert entry.details["after"] == {
        "dataset_id": evidence.dataset_id,
        "url": None,
        "caption": "Corrected caption.",
        "stance": "context",
        "as_of": None,
    }


def test_removal_marks_the_row_and_is_audited(staff, problem_factory, dataset_factory):
    problem = problem_factory()
    evidence = _add(staff, problem, dataset_factory())
    db.session.commit()
    services.remove_evidence(staff, evidence, "Wrong dataset.")
    db.session.commit()
    row = db.session.get(Evidence, evidence.id)
    assert row is not None and row.removed_at is not None and row.removed_by_id == staff.id
    assert queries.evidence_for_problem(problem.id) == []
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "evidence.remove")).scalar_one()
    assert entry.reason == "Wrong dataset." and entry.details["before"]["stance"] == "supports"


def test_removal_needs_a_reason(staff, problem_factory, dataset_factory):
    evidence = _add(staff, problem_factory(), dataset_factory())
    with pytest.raises(ValidationError):
        services.remove_evidence(staff, evidence, " ")


def test_removed_evidence_cannot_be_edited(staff, problem_factory, dataset_factory):
    evidence = _add(staff, problem_factory(), dataset_factory())
    services.remove_evidence(staff, evidence, "Gone.")
    with pytest.raises(ConflictError):
        services.edit_evidence(staff, evidence, evidence.dataset_id, None, "Back?", "context", None)


def test_colleagues_of_the_same_department_may_edit(staff, user_factory, problem_factory, dataset_factory):
    colleague = user_factory(roles=["staff"], department="Transportation")
    evidence = _add(staff, problem_factory(), dataset_factory())
    services.edit_evidence(colleague, evidence, evidence.dataset_id, None, "Colleague's fix.", "context", None)
    assert evidence.caption == "Colleague's fix."


def test_staff_of_another_department_may_not_edit(staff, user_factory, problem_factory, dataset_factory):
    other = user_factory(roles=["staff"], department="Parks")
    evidence = _add(staff, problem_factory(), dataset_factory())
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.edit_evidence(other, evidence, evidence.dataset_id, None, "Mine now.", "context", None)
    with pytest.raises(PermissionDenied):
        services.remove_evidence(other, evidence, "Mine now.")


# -- routes ----------------------------------------------------------------------------------


def test_evidence_form_adds_and_redirects(staff_client, problem_factory, dataset_factory):
    dataset = dataset_factory()
    problem = problem_factory(datasets=[dataset])
    response = staff_client.form(
        f"/staff/problems/{problem.id}/evidence",
        {"dataset_id": dataset.id, "caption": "Counts rose.", "stance": "supports", "as_of": "2026-02-01"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/problems/{problem.id}")
    assert db.session.execute(select(Evidence)).scalar_one().as_of == date(2026, 2, 1)


def test_evidence_form_takes_another_dataset_by_number(staff_client, problem_factory, dataset_factory):
    tied, other = dataset_factory(), dataset_factory()
    problem = problem_factory(datasets=[tied])
    staff_client.form(
        f"/staff/problems/{problem.id}/evidence",
        {"dataset_id": "", "other_dataset_id": other.id, "caption": "Context.", "stance": "context"},
    )
    assert db.session.execute(select(Evidence)).scalar_one().dataset_id == other.id


def test_evidence_form_shows_errors_on_its_own_page(staff_client, problem_factory, dataset_factory):
    problem = problem_factory(datasets=[dataset_factory()])
    response = staff_client.form(
        f"/staff/problems/{problem.id}/evidence",
        {"dataset_id": "", "url": "javascript:alert(1)", "caption": "", "stance": "supports"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a dataset of the catalog." in html and "http:// or https://" in html
    assert db.session.execute(select(Evidence)).first() is None


def test_edit_and_remove_pages(staff_client, staff, problem_factory, dataset_factory):
    evidence = _add(staff, problem_factory(), dataset_factory())
    db.session.commit()
    assert "Crashes at Elm Street" in staff_client.get(f"/staff/evidence/{evidence.id}/edit").get_data(as_text=True)
    response = staff_client.form(
        f"/staff/evidence/{evidence.id}/edit",
        {"dataset_id": evidence.dataset_id, "caption": "Edited.", "stance": "contradicts"},
    )
    assert response.status_code == 302
    response = staff_client.form(f"/staff/evidence/{evidence.id}/remove", {"reason": "Duplicate link."})
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(Evidence, evidence.id)
    assert (row.caption, row.stance, row.removed_at is not None) == ("Edited.", "contradicts", True)


def test_edit_page_keeps_a_cited_dataset_outside_the_problem_selected(
    staff_client, staff, problem_factory, dataset_factory
):
    other = dataset_factory(title="Citywide Speed Surveys")
    evidence = _add(staff, problem_factory(datasets=[dataset_factory()]), other)
    db.session.commit()
    html = staff_client.get(f"/staff/evidence/{evidence.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{other.id}">Citywide Speed Surveys</option>' in html


def test_evidence_page_searches_the_catalog_by_title(staff_client, problem_factory, dataset_factory):
    problem = problem_factory()
    found = dataset_factory(title="Bicycle Counts 2025", publisher="Mobility Office")
    dataset_factory(title="Tree Inventory")
    html = staff_client.get(f"/staff/problems/{problem.id}/evidence?q=bicycle").get_data(as_text=True)
    picks = re.findall(r'name="found_dataset_id" id="[^"]+" value="(\d+)"', html)
    assert picks == [str(found.id)]
    assert "Mobility Office" in html and "Tree Inventory" not in html


def test_evidence_form_cites_a_dataset_picked_from_the_search(staff_client, problem_factory, dataset_factory):
    tied, found = dataset_factory(), dataset_factory()
    problem = problem_factory(datasets=[tied])
    response = staff_client.form(
        f"/staff/problems/{problem.id}/evidence?q=x",
        {"dataset_id": "", "found_dataset_id": found.id, "caption": "Context.", "stance": "context"},
    )
    assert response.status_code == 302
    assert db.session.execute(select(Evidence)).scalar_one().dataset_id == found.id
