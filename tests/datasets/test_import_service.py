"""civicboard.datasets.jobs.import_catalog: upserting a parsed catalog."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from civicboard.datasets import jobs, services
from civicboard.datasets.importers import (
    SELF_DESCRIPTION,
    DatasetRecord,
    DistributionRecord,
    ParseResult,
    display_format,
    parse,
)
from civicboard.datasets.models import Dataset, Distribution, ImportRun
from civicboard.extensions import db
from civicboard.permissions import PermissionDenied
from civicboard.problems.models import ProblemDataset
from civicboard.validation import ValidationError
from tests.datasets.conftest import count, datasets_of, load, runs


@pytest.mark.parametrize(
    ("name", "added", "skipped", "distributions"),
    [
        # The first entry of the two Socrata data.json files describes the file itself.
        ("raleigh_nc.data.v1_0.json", 128, 1, 830),
        ("somerville_ma.data.v1_0.json", 14, 1, 98),
        ("ny_state.data.v1_1.json", 1, 0, 4),
        ("ckan_package_search.demo_ckan_org.json", 3, 0, 3),
        ("ckan_package_show.demo_ckan_org.json", 1, 0, 1),
        ("socrata_discovery_catalog_v1.sodapy.json", 7, 0, 14),
        ("dcat_arcgis_hub.json", None, None, None),
    ],
)
def test_every_fixture_catalog_imports_with_the_expected_counts(import_fixture, name, added, skipped, distributions):
    result = parse(load(name))
    summary = import_fixture(name, "src")

    expected_added = len(result.records) if added is None else added
    assert summary.added == expected_added
    assert (summary.updated, summary.unchanged, summary.withdrawn) == (0, 0, 0)
    assert summary.skipped_count == (len(result.skipped) if skipped is None else skipped)
    assert count(Dataset, Dataset.source == "src") == expected_added
    if distributions is not None:
        assert count(Distribution) == distributions


def test_the_data_json_entry_describing_the_catalog_itself_is_skipped(import_fixture):
    summary = import_fixture("somerville_ma.data.v1_0.json", "somerville")

    assert summary.skipped == [("https://data.somervillema.gov/data.json", SELF_DESCRIPTION)]
    assert "https://data.somervillema.gov/data.json" not in datasets_of("somerville")


def test_imported_values_are_normalised(import_fixture):
    import_fixture("ny_state.data.v1_1.json", "ny")

    dataset = datasets_of("ny")["https://data.ny.gov/api/views/22ew-dxez"]
    assert dataset.publisher == "State of New York"
    assert dataset.contact_email == "opendata@its.ny.gov"
    assert dataset.theme == ["Economic Development"]
    assert dataset.modified == datetime(2019, 6, 10)  # naive UTC
    assert dataset.status == "active" and dataset.content_hash
    # Formats are read from the media type when the catalog gives none.
    assert [d.format for d in dataset.distributions] == ["CSV", "RDF", "JSON", "XML"]


def test_a_second_import_of_the_same_file_changes_nothing(import_fixture):
    import_fixture("raleigh_nc.data.v1_0.json", "raleigh")
    before = {
        sid: (d.id, d.content_hash, d.updated_at, [x.id for x in d.distributions])
        for sid, d in datasets_of("raleigh").items()
    }

    summary = import_fixture("raleigh_nc.data.v1_0.json", "raleigh")

    assert (summary.added, summary.updated, summary.unchanged, summary.withdrawn) == (0, 0, 128, 0)
    after = {
        sid: (d.id, d.content_hash, d.updated_at, [x.id for x in d.distributions])
        for sid, d in datasets_of("raleigh").items()
    }
    assert after == before


def test_a_second_import_moves_last_seen_but_not_first_seen(import_fixture):
    import_fixture("ny_state.data.v1_1.json", "ny")
    first = datasets_of("ny")["https://data.ny.gov/api/views/22ew-dxez"]
    first_seen, last_seen = first.first_seen_at, first.last_seen_at

    import_fixture("ny_state.data.v1_1.json", "ny")

    again = datasets_of("ny")["https://data.ny.gov/api/views/22ew-dxez"]
    assert again.first_seen_at == first_seen
    assert again.last_seen_at >= last_seen


def _record(source_id: str, title: str = "Street trees", urls: tuple[str, ...] = ("https://x.example/a.csv",)):
    return DatasetRecord(
        source_id=source_id,
        title=title,
        distributions=[DistributionRecord(url=u, format="CSV") for u in urls],
    )


def _import(records, source="city", **options):
    summary = jobs.import_catalog(source, ParseResult(format="dcat", records=records), **options)
    db.session.commit()
    return summary


def test_a_changed_record_is_updated_with_its_distributions_replaced(app):
    _import([_record("a"), _record("b")])
    old_ids = {d.id for d in datasets_of("city")["a"].distributions}

    summary = _import([_record("a", "Street trees 2024", ("https://x.example/new.json",)), _record("b")])

    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 1)
    dataset = datasets_of("city")["a"]
    assert dataset.title == "Street trees 2024"
    assert [d.url for d in dataset.distributions] == ["https://x.example/new.json"]
    assert not old_ids & {d.id for d in db.session.execute(select(Distribution)).scalars()}


def test_a_full_reimport_withdraws_missing_datasets_and_problems_keep_their_link(import_fixture, problem_factory):
    import_fixture("somerville_ma.data.v1_0.json", "somerville")
    gone = datasets_of("somerville")["6ssq-xzqu"]
    problem = problem_factory(datasets=[gone])
    document = json.loads(load("somerville_ma.data.v1_0.json"))
    trimmed = [entry for entry in document if entry["identifier"] != "6ssq-xzqu"]

    summary = jobs.import_catalog("somerville", parse(json.dumps(trimmed)))
    db.session.commit()

    assert (summary.withdrawn, summary.unchanged) == (1, 13)
    withdrawn = datasets_of("somerville")["6ssq-xzqu"]
    assert withdrawn.status == "withdrawn" and withdrawn.withdrawn_at is not None
    links = db.session.execute(select(ProblemDataset.dataset_id).where(ProblemDataset.problem_id == problem.id))
    assert links.scalars().all() == [gone.id]


def test_a_dataset_that_comes_back_is_reactivated(app):
    _import([_record("a"), _record("b")])
    _import([_record("a")])
    assert datasets_of("city")["b"].status == "withdrawn"

    summary = _import([_record("a"), _record("b")])

    assert (summary.updated, summary.reactivated, summary.unchanged) == (1, 1, 1)
    back = datasets_of("city")["b"]
    assert back.status == "active" and back.withdrawn_at is None


def test_withdrawn_datasets_are_not_withdrawn_again(app):
    _import([_record("a"), _record("b")])
    _import([_record("a")])

    summary = _import([_record("a")])

    assert summary.withdrawn == 0


def test_a_partial_import_withdraws_nothing(app):
    _import([_record("a"), _record("b")])

    summary = _import([_record("a")], full=False)

    assert summary.withdrawn == 0
    assert datasets_of("city")["b"].status == "active"


def test_sources_keep_their_datasets_apart(app):
    _import([_record("a")], source="one")
    _import([_record("b")], source="two")

    assert set(datasets_of("one")) == {"a"}
    assert datasets_of("two")["b"].status == "active"


def test_records_the_parser_skipped_are_reported_with_their_reasons(import_fixture):
    result = parse(load("dcat_messy_records.json"))

    summary = import_fixture("dcat_messy_records.json", "messy")

    assert result.skipped and summary.skipped[: len(result.skipped)] == result.skipped
    run = runs()[-1]
    assert run.skipped == summary.skipped_count
    assert [tuple(item) for item in run.skipped_reasons] == summary.skipped


def test_every_import_is_recorded_as_a_run(import_fixture):
    import_fixture("somerville_ma.data.v1_0.json", "somerville", location="somerville.json")

    [run] = runs()
    assert (run.source, run.location, run.format) == ("somerville", "somerville.json", "dcat")
    assert (run.added, run.updated, run.unchanged, run.withdrawn, run.skipped) == (14, 0, 0, 0, 1)
    assert run.error is None and run.finished_at >= run.started_at


def test_overlong_values_are_cut_to_fit_and_overlong_identifiers_skipped(app):
    records = [
        DatasetRecord(source_id="long", title="T" * 400, publisher="P" * 300, keywords=["k" * 150]),
        DatasetRecord(source_id="x" * 300, title="Too long an id"),
    ]

    summary = _import(records)

    dataset = datasets_of("city")["long"]
    assert len(dataset.title) == 300 and dataset.title.endswith("…")
    assert len(dataset.publisher) == 255 and len(dataset.keywords[0]) == 100
    assert summary.skipped == [("x" * 300, "identifier longer than 255 characters")]


def test_datetimes_are_stored_as_naive_utc(app):
    modified = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

    _import([DatasetRecord(source_id="a", title="A", modified=modified)])

    assert datasets_of("city")["a"].modified == datetime(2024, 5, 1, 12, 0)


def test_the_manual_source_cannot_be_imported_into(app):
    with pytest.raises(ValidationError):
        jobs.import_catalog("manual", [_record("a")])


def test_residents_may_not_import(app, resident):
    with pytest.raises(PermissionDenied):
        jobs.import_catalog("city", [_record("a")], actor=resident)
    assert count(ImportRun) == 0


def test_staff_may_import(app, staff):
    summary = jobs.import_catalog("city", [_record("a")], actor=staff)

    assert summary.added == 1


def test_a_staff_edit_of_an_imported_dataset_is_overwritten_by_the_next_import(app, staff):
    _import([_record("a", "Street trees")])
    services.update_dataset(staff, datasets_of("city")["a"], {"title": "Trees (fixed by staff)"})
    db.session.commit()

    summary = _import([_record("a", "Street trees")])

    assert summary.updated == 1
    assert datasets_of("city")["a"].title == "Street trees"


@pytest.mark.parametrize(
    ("name", "partial"),
    [
        ("somerville_ma.data.v1_0.json", False),
        ("ckan_package_search.demo_ckan_org.json", False),
        ("ckan_package_show.demo_ckan_org.json", True),
        # 7 results of the 150680 the Discovery API reports: one page of many.
        ("socrata_discovery_catalog_v1.sodapy.json", True),
    ],
)
def test_documents_holding_part_of_a_catalog_are_recognised(name, partial):
    assert jobs.is_partial(parse(load(name))) is partial


@pytest.mark.parametrize(
    ("fmt", "media_type", "shown"),
    [
        ("csv", None, "CSV"),
        ("Esri REST", None, "Esri REST"),
        (None, "text/csv", "CSV"),
        (None, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX"),
        ("application/zip; charset=binary", "application/zip; charset=binary", "ZIP"),
        (None, "application/x-unknown-thing", None),
        (None, None, None),
    ],
)
def test_distribution_formats_are_named_for_a_badge(fmt, media_type, shown):
    assert display_format(fmt, media_type) == shown


def test_withdrawing_exactly_half_of_a_source_is_allowed(app):
    jobs.import_catalog("city", [_record(x) for x in "abcd"])
    db.session.commit()

    summary = jobs.import_catalog("city", [_record("a"), _record("b")])

    assert summary.withdrawn == 2


def test_withdrawing_more_than_half_of_a_source_is_refused_before_anything_changes(app):
    jobs.import_catalog("city", [_record(x) for x in "abcd"])
    db.session.commit()

    with pytest.raises(jobs.MassWithdrawalRefused, match="would withdraw 3 of the 4 active datasets of city"):
        jobs.import_catalog("city", [_record("a"), _record("new")])

    assert not db.session.new and not db.session.dirty
    assert count(Dataset, Dataset.source == "city", Dataset.status == "active") == 4


def test_a_partial_import_never_counts_as_a_mass_withdrawal(app):
    jobs.import_catalog("city", [_record(x) for x in "abcd"])
    db.session.commit()

    summary = jobs.import_catalog("city", [_record("a")], full=False)

    assert summary.withdrawn == 0
