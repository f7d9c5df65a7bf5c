"""Tests for civicboard.datasets.importers: catalog documents to DatasetRecords."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from civicboard.datasets.importers import (
    CatalogFormatError,
    DatasetRecord,
    ParseResult,
    ckan_page_url,
    collect_ckan_search,
    detect_format,
    iter_ckan_search,
    parse,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "catalogs"


def load(name: str) -> bytes:
    """The raw bytes of a fixture catalog."""
    return (FIXTURES / name).read_bytes()


def by_id(result: ParseResult) -> dict[str, DatasetRecord]:
    """The records of a result keyed by source_id."""
    return {record.source_id: record for record in result.records}


def distribution_count(result: ParseResult) -> int:
    """How many distributions all records of a result have together."""
    return sum(len(record.distributions) for record in result.records)


# --------------------------------------------------------------------------- #
# Every real fixture parses, with the counts taken from the files
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("name", "fmt", "records", "distributions", "count"),
    [
        # 117 datasets x (6 distribution links + webService) + 11 single-file
        # datasets + the data.json entry itself, whose only link is webService.
        ("raleigh_nc.data.v1_0.json", "dcat", 129, 831, None),
        # 14 x (6 + webService) + the data.json entry.
        ("somerville_ma.data.v1_0.json", "dcat", 15, 99, None),
        ("ny_state.data.v1_1.json", "dcat", 1, 4, None),
        ("ckan_package_search.demo_ckan_org.json", "ckan", 3, 3, 3),
        ("ckan_package_show.demo_ckan_org.json", "ckan", 1, 1, None),
        # Seven tabular datasets, each with a SODA endpoint and a CSV export.
        ("socrata_discovery_catalog_v1.sodapy.json", "socrata", 7, 14, 150680),
    ],
)
def test_real_fixture_parses_with_expected_counts(name, fmt, records, distributions, count):
    result = parse(load(name))

    assert result.format == fmt
    assert len(result.records) == records
    assert distribution_count(result) == distributions
    assert result.skipped == []
    assert result.count == count


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("raleigh_nc.data.v1_0.json", "dcat"),
        ("ny_state.data.v1_1.json", "dcat"),
        ("ckan_package_search.demo_ckan_org.json", "ckan"),
        ("ckan_package_show.demo_ckan_org.json", "ckan"),
        ("socrata_discovery_catalog_v1.sodapy.json", "socrata"),
    ],
)
def test_detect_format_names_each_family(name, fmt):
    assert detect_format(json.loads(load(name))) == fmt


def test_every_record_of_every_fixture_has_aware_utc_dates_and_http_links():
    for path in FIXTURES.glob("*.json"):
        if path.name in ("malformed.json", "unknown_shape.geojson.json", "ckan_error_response.json"):
            continue
        for record in parse(path.read_bytes()).records:
            for moment in (record.modified, record.issued):
                assert moment is None or moment.utcoffset().total_seconds() == 0, path.name
            for dist in record.distributions:
                assert dist.url.startswith(("http://", "https://")), path.name


# --------------------------------------------------------------------------- #
# DCAT-US 1.1
# --------------------------------------------------------------------------- #


def test_dcat_1_1_record_maps_every_field():
    record = parse(load("ny_state.data.v1_1.json")).records[0]

    assert record.source_id == "https://data.ny.gov/api/views/22ew-dxez"
    assert record.title.startswith("State of New York Mortgage Agency")
    assert record.description == "Financial and Geographic Information on SONYMA Loans purchased since 2004."
    assert len(record.keywords) == 13 and record.keywords[:2] == ["rental assistance", "rent"]
    assert record.publisher == "State of New York"
    assert record.contact_name == "Open Data NY"
    assert record.contact_email == "opendata@its.ny.gov"
    assert record.landing_page == "https://data.ny.gov/d/22ew-dxez"
    assert record.theme == ["Economic Development"]
    assert record.issued == datetime(2016, 7, 21, tzinfo=UTC)
    assert record.modified == datetime(2019, 6, 10, tzinfo=UTC)
    assert [d.media_type for d in record.distributions] == [
        "text/csv",
        "application/rdf+xml",
        "application/json",
        "application/xml",
    ]


def test_access_url_only_distributions_are_kept_for_arcgis_hub():
    lights = by_id(parse(load("dcat_arcgis_hub.json")))[
        "https://data-example.hub.arcgis.com/datasets/0a1b2c3d4e5f::street-lights"
    ]

    assert [d.title for d in lights.distributions] == [
        "ArcGIS Hub Dataset",
        "ArcGIS GeoService",
        "GeoJSON",
        "CSV",
    ]
    csv = lights.distributions[3]
    assert csv.url.endswith("/csv?layers=0")
    assert (csv.media_type, csv.format) == ("text/csv", "CSV")


def test_identical_distribution_urls_are_kept_once():
    lights = parse(load("dcat_arcgis_hub.json")).records[0]

    urls = [d.url for d in lights.distributions]
    assert len(urls) == len(set(urls)) == 4


def test_download_and_access_url_of_one_distribution_both_become_distributions():
    budget = by_id(parse(load("dcat_arcgis_hub.json")))["budget-2024"]

    download, access = budget.distributions
    assert download.url == "https://data.example.org/budget-2024.csv"
    assert download.media_type == "text/csv"
    assert access.url == "https://data.example.org/budget-2024"
    # The media type described the download, not the page that leads to it.
    assert access.media_type is None


def test_non_http_links_are_dropped():
    budget = by_id(parse(load("dcat_arcgis_hub.json")))["budget-2024"]

    assert all(d.url.startswith("https://") for d in budget.distributions)
    assert budget.landing_page is None  # it was javascript:


def test_dcat_optional_text_fields_are_kept_verbatim():
    lights = parse(load("dcat_arcgis_hub.json")).records[0]

    assert lights.license == "https://creativecommons.org/licenses/by/4.0/"
    assert lights.spatial == "-78.99,35.70,-78.50,35.95"
    assert lights.temporal == "2019-01-01/2023-12-31"
    assert lights.accrual_periodicity == "R/P1W"


def test_keywords_from_a_list_are_deduplicated_case_insensitively():
    lights = parse(load("dcat_arcgis_hub.json")).records[0]

    assert lights.keywords == ["lighting", "streets", "public works"]


def test_keywords_from_a_comma_separated_string_are_split():
    result = by_id(parse(load("dcat_messy_records.json")))

    assert result["potholes"].keywords == ["potholes", "streets"]
    assert by_id(parse(load("dcat_arcgis_hub.json")))["budget-2024"].keywords == ["budget", "finance"]


def test_empty_keyword_string_gives_no_keywords():
    assert by_id(parse(load("dcat_messy_records.json")))["noise-complaints"].keywords == []


def test_non_string_keywords_are_ignored_or_stringified():
    assert by_id(parse(load("dcat_messy_records.json")))["311"].keywords == ["service", "7", "requests"]


def test_publisher_may_be_an_object_a_string_or_missing():
    hub = by_id(parse(load("dcat_arcgis_hub.json")))
    messy = by_id(parse(load("dcat_messy_records.json")))

    assert hub["https://data-example.hub.arcgis.com/datasets/0a1b2c3d4e5f::street-lights"].publisher == (
        "City of Example"
    )
    assert hub["budget-2024"].publisher == "Office of Budget and Management"
    assert messy["noise-complaints"].publisher is None
    assert messy["311"].publisher is None  # an object without a name


def test_vcard_contact_email_loses_its_mailto_prefix_whatever_its_case():
    lights = parse(load("dcat_arcgis_hub.json")).records[0]

    assert (lights.contact_name, lights.contact_email) == ("Public Works GIS", "gis@example.org")


def test_legacy_contact_point_and_mbox_strings_are_read():
    potholes = by_id(parse(load("dcat_messy_records.json")))["potholes"]

    assert (potholes.contact_name, potholes.contact_email) == ("Jane Roe", "jane.roe@example.org")


def test_empty_mailto_gives_no_email():
    noise = by_id(parse(load("dcat_messy_records.json")))["noise-complaints"]

    assert (noise.contact_name, noise.contact_email) == ("311 Center", None)


def test_dates_with_offsets_are_converted_to_utc():
    lights = parse(load("dcat_arcgis_hub.json")).records[0]

    assert lights.issued == datetime(2019, 4, 2, 12, 5, tzinfo=UTC)
    assert lights.modified == datetime(2024, 1, 15, 8, 30, tzinfo=UTC)


def test_naive_dcat_datetime_is_taken_as_utc():
    potholes = by_id(parse(load("dcat_messy_records.json")))["potholes"]

    assert potholes.modified == datetime(2024, 3, 1, 12, 30, tzinfo=UTC)


def test_unparseable_dates_become_none_without_failing_the_record():
    result = by_id(parse(load("dcat_messy_records.json")))

    assert result["potholes"].issued is None  # "sometime in 2019"
    assert result["311"].modified is None  # "2024-02-30"


def test_year_and_year_month_dates_mean_the_start_of_the_period():
    noise = by_id(parse(load("dcat_messy_records.json")))["noise-complaints"]

    assert noise.modified == datetime(2023, 5, 1, tzinfo=UTC)
    assert noise.issued == datetime(2020, 1, 1, tzinfo=UTC)


def test_numeric_identifier_becomes_a_string():
    assert "311" in by_id(parse(load("dcat_messy_records.json")))


def test_description_is_stripped_and_defaults_to_empty():
    result = by_id(parse(load("dcat_messy_records.json")))

    assert result["potholes"].description == "Requests to repair potholes, with status."
    assert result["noise-complaints"].description == ""


def test_distribution_that_is_not_a_list_is_ignored():
    assert by_id(parse(load("dcat_messy_records.json")))["noise-complaints"].distributions == []


def test_bad_records_are_skipped_with_reasons_while_the_rest_parse():
    result = parse(load("dcat_messy_records.json"))

    assert [r.source_id for r in result.records] == ["potholes", "noise-complaints", "311"]
    assert result.skipped == [
        ("#1", "no identifier"),
        ("untitled-1", "no title"),
        ("#4", "not a JSON object"),
        ("potholes", "duplicate identifier"),
    ]


def test_a_record_with_an_unexpected_type_deep_inside_is_skipped_not_raised(monkeypatch):
    from civicboard.datasets import importers

    def explode(_item):
        raise TypeError("unexpected list")

    monkeypatch.setattr(importers, "_dcat_contact", explode)
    result = parse({"dataset": [{"identifier": "a", "title": "A"}]})

    assert result.records == []
    assert result.skipped == [("a", "invalid record: unexpected list")]


def test_dcat_catalog_with_no_datasets_is_empty_not_an_error():
    assert parse(b'{"dataset": []}') == ParseResult(format="dcat")


# --------------------------------------------------------------------------- #
# Legacy (pre-1.1) bare array
# --------------------------------------------------------------------------- #


def test_legacy_bare_array_record_maps_fields():
    raleigh = by_id(parse(load("raleigh_nc.data.v1_0.json")))
    parking = raleigh["g3uq-k7zm"]

    assert parking.title == "Raleigh Parking"
    assert parking.publisher is None
    assert parking.license == "Public Domain"
    assert parking.modified == datetime(2013, 6, 3, tzinfo=UTC)
    # Pre-1.1 Socrata exports call the issue date "releaseDate".
    assert parking.issued == datetime(2013, 2, 28, tzinfo=UTC)
    assert [d.media_type for d in parking.distributions] == ["application/zip; charset=binary"]


def test_legacy_formats_list_types_each_distribution():
    midas = by_id(parse(load("raleigh_nc.data.v1_0.json")))["g6iv-tpii"]

    csv = midas.distributions[0]
    assert csv.url == "https://data.raleighnc.gov/api/views/g6iv-tpii/rows.csv?accessType=DOWNLOAD"
    assert (csv.media_type, csv.format) == ("text/csv", "csv")


def test_legacy_web_service_becomes_a_distribution():
    midas = by_id(parse(load("raleigh_nc.data.v1_0.json")))["g6iv-tpii"]

    assert midas.distributions[-1].url == "https://data.raleighnc.gov/resource/g6iv-tpii"
    assert midas.distributions[-1].title == "Web service"
    # The dataset-level accessURL repeats the first distribution's and is not doubled.
    assert len(midas.distributions) == 7


def test_legacy_keywords_list_is_merged_with_the_keyword_string():
    raleigh = parse(load("raleigh_nc.data.v1_0.json"))

    assert by_id(raleigh)["g6iv-tpii"].keywords == ["census", "midas"]
    assert sum(1 for r in raleigh.records if r.keywords) == 5


def test_bare_array_in_bytes_with_a_byte_order_mark_parses():
    result = parse(b"\xef\xbb\xbf" + load("somerville_ma.data.v1_0.json"))

    assert len(result.records) == 15


def test_text_and_decoded_documents_are_accepted_too():
    raw = load("ny_state.data.v1_1.json")

    assert parse(raw.decode("utf-8")).records == parse(json.loads(raw)).records == parse(raw).records


# --------------------------------------------------------------------------- #
# CKAN
# --------------------------------------------------------------------------- #


def test_ckan_package_maps_fields():
    record = parse(load("ckan_package_show.demo_ckan_org.json")).records[0]

    assert record.source_id == "62513382-3b26-4bc8-9096-40b6ce8383c0"
    assert record.title == "100 Validated Species of Plants"
    assert record.description == "This data includes the typical plants for machine learning test."
    assert record.keywords == ["flower", "image recognition", "machine learning"]
    assert record.license == "Other (Open)"
    assert (record.contact_name, record.contact_email) == ("TKKIM", "misoh049@gmail.com")
    (dist,) = record.distributions
    assert (dist.title, dist.format, dist.media_type) == ("validated_100_species.csv", "CSV", None)
    assert dist.url.endswith("/download/validated_100_species.csv")


def test_ckan_null_organization_gives_no_publisher():
    records = by_id(parse(load("ckan_package_search.demo_ckan_org.json")))

    assert records["62513382-3b26-4bc8-9096-40b6ce8383c0"].publisher is None
    assert records["9c3036b8-f6ac-4a4e-9036-5a3cc90c3900"].publisher is None
    assert records["17be64bb-da74-4195-9bb8-565c39846af2"].publisher == "SDB"


def test_ckan_naive_timestamps_are_utc():
    record = parse(load("ckan_package_show.demo_ckan_org.json")).records[0]

    assert record.modified == datetime(2017, 8, 5, 3, 19, 33, 886925, tzinfo=UTC)
    assert record.issued == datetime(2017, 8, 5, 3, 16, 52, 857800, tzinfo=UTC)


def test_ckan_search_reports_count_for_paging():
    assert parse(load("ckan_package_search.demo_ckan_org.json")).count == 3


def test_ckan_empty_contact_fields_give_no_contact():
    record = by_id(parse(load("ckan_package_search.demo_ckan_org.json")))["9c3036b8-f6ac-4a4e-9036-5a3cc90c3900"]

    assert (record.contact_name, record.contact_email) == (None, None)
    assert record.title == "規管海外物業銷售"


def test_ckan_falls_back_to_author_and_name_and_reads_groups():
    package = {
        "name": "street-trees",
        "title": "",
        "author": "Parks Department",
        "author_email": "parks@example.org",
        "maintainer": "",
        "maintainer_email": None,
        "license_id": "cc-by",
        "organization": {"name": "parks", "title": ""},
        "groups": [{"name": "environment", "display_name": "Environment"}],
        "tags": ["trees", "Trees"],
        "resources": [{"url": "ftp://ftp.example.org/trees.csv"}, {"url": "https://example.org/trees.csv"}],
    }
    record = parse({"help": "", "success": True, "result": package}).records[0]

    assert (record.source_id, record.title) == ("street-trees", "street-trees")
    assert (record.contact_name, record.contact_email) == ("Parks Department", "parks@example.org")
    assert (record.license, record.publisher) == ("cc-by", "parks")
    assert (record.theme, record.keywords) == (["Environment"], ["trees"])
    assert [d.url for d in record.distributions] == ["https://example.org/trees.csv"]


def test_ckan_error_response_raises_with_its_message():
    with pytest.raises(CatalogFormatError, match="CKAN API reported failure: Access denied"):
        parse(load("ckan_error_response.json"))


def test_ckan_package_without_id_or_name_is_skipped():
    doc = {
        "success": True,
        "result": {"count": 2, "results": [{"title": "Nameless"}, {"id": "ok", "title": "OK"}]},
    }
    result = parse(doc)

    assert [r.source_id for r in result.records] == ["ok"]
    assert result.skipped == [("#0", "no identifier")]


# --------------------------------------------------------------------------- #
# CKAN paging
# --------------------------------------------------------------------------- #


class FakeCkan:
    """A fetch callable serving package_search pages out of an in-memory list."""

    def __init__(self, total: int, *, count: int | None = None, rows_max: int = 1000, ignore_start=False):
        self.packages = [{"id": f"pkg-{i}", "title": f"Dataset {i}"} for i in range(total)]
        self.count = total if count is None else count
        self.rows_max = rows_max
        self.ignore_start = ignore_start
        self.urls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        query = parse_qs(urlsplit(url).query)
        rows = min(int(query["rows"][0]), self.rows_max)
        start = 0 if self.ignore_start else int(query["start"][0])
        page = self.packages[start : start + rows]
        body = {"success": True, "result": {"count": self.count, "results": page}}
        return json.dumps(body).encode()

    def starts(self) -> list[int]:
        """The start parameter of every request made."""
        return [int(parse_qs(urlsplit(u).query)["start"][0]) for u in self.urls]


SEARCH_URL = "https://ckan.example.org/api/3/action/package_search?q=parks&rows=5"


def test_ckan_paging_follows_start_until_count_is_reached():
    server = FakeCkan(250)

    pages = list(iter_ckan_search(SEARCH_URL, server, rows=100))

    assert server.starts() == [0, 100, 200]
    assert [len(p.records) for p in pages] == [100, 100, 50]
    assert all(parse_qs(urlsplit(u).query)["rows"] == ["100"] for u in server.urls)


def test_ckan_paging_stops_on_an_empty_page_even_if_count_says_more():
    server = FakeCkan(150, count=1000)

    pages = list(iter_ckan_search(SEARCH_URL, server, rows=100))

    # start advances by what came back, so the third request asks from 150.
    assert server.starts() == [0, 100, 150]
    assert [len(p.records) for p in pages] == [100, 50, 0]


def test_ckan_paging_advances_by_what_the_server_returned_when_it_caps_rows():
    server = FakeCkan(120, rows_max=50)

    result = collect_ckan_search(SEARCH_URL, server, rows=100)

    assert server.starts() == [0, 50, 100]
    assert len(result.records) == 120


def test_ckan_paging_is_capped_when_the_server_ignores_start(caplog):
    server = FakeCkan(500, ignore_start=True)

    with caplog.at_level(logging.WARNING):
        result = collect_ckan_search(SEARCH_URL, server, rows=100, max_pages=4)

    assert len(server.urls) == 4
    assert len(result.records) == 100
    assert len(result.skipped) == 300 and result.skipped[0] == ("pkg-0", "duplicate identifier")
    assert "stopped paging" in caplog.text


def test_ckan_page_url_replaces_rows_and_start_and_keeps_the_query():
    url = ckan_page_url(SEARCH_URL + "&start=40", start=200, rows=100)
    query = parse_qs(urlsplit(url).query)

    assert url.startswith("https://ckan.example.org/api/3/action/package_search?")
    assert query == {"q": ["parks"], "sort": ["metadata_created asc"], "rows": ["100"], "start": ["200"]}


def test_ckan_page_url_keeps_a_sort_the_caller_chose():
    url = ckan_page_url(SEARCH_URL + "&sort=name+asc", start=0, rows=10)

    assert parse_qs(urlsplit(url).query)["sort"] == ["name asc"]


def test_ckan_paging_stops_after_a_package_show_which_has_no_count():
    def fetch(_url: str) -> bytes:
        return load("ckan_package_show.demo_ckan_org.json")

    assert len(list(iter_ckan_search(SEARCH_URL, fetch))) == 1


# --------------------------------------------------------------------------- #
# Socrata Discovery API
# --------------------------------------------------------------------------- #


def test_socrata_result_maps_fields():
    permits = by_id(parse(load("socrata_discovery_catalog_v1.sodapy.json")))["msk6-43c6"]

    assert permits.title == "Approved Building Permits"
    assert permits.description == "Data of approved building/construction permits"
    assert permits.keywords == ["permits", "construction", "building"]
    assert permits.theme == ["Permitting"]
    assert permits.publisher == "Inspectional Services Division"
    assert permits.landing_page == "https://data.cityofboston.gov/d/msk6-43c6"
    assert permits.license == "Creative Commons Attribution 3.0 Unported"
    assert permits.modified == datetime(2017, 7, 21, 10, 1, 47, tzinfo=UTC)
    assert permits.issued == datetime(2013, 4, 5, 18, 11, 45, tzinfo=UTC)


def test_socrata_dataset_gets_soda_endpoint_and_csv_export():
    permits = by_id(parse(load("socrata_discovery_catalog_v1.sodapy.json")))["msk6-43c6"]

    assert [d.url for d in permits.distributions] == [
        "https://data.cityofboston.gov/resource/msk6-43c6.json",
        "https://data.cityofboston.gov/api/views/msk6-43c6/rows.csv?accessType=DOWNLOAD",
    ]


def test_socrata_columns_are_zipped_from_parallel_arrays():
    result = by_id(parse(load("socrata_discovery_catalog_v1.sodapy.json")))
    permits = result["msk6-43c6"]

    assert len(permits.columns) == 21
    assert permits.columns[0] == {"name": "ISSUED_DATE", "field": "issued_date", "datatype": "Calendar date"}
    assert permits.columns[9] == {"name": "TOTAL_FEES", "field": "total_fees", "datatype": "Number"}
    assert len(result["ic3t-wcy2"].columns) == 96


def socrata_doc(*results: object) -> dict:
    """A Discovery API response around the given results."""
    return {"results": list(results), "resultSetSize": len(results)}


def test_socrata_columns_of_unequal_length_are_padded_not_dropped():
    result = {
        "resource": {
            "id": "abcd-1234",
            "name": "Uneven",
            "type": "dataset",
            "columns_name": ["A", "B"],
            "columns_field_name": ["a"],
            "columns_datatype": ["Text", "Number"],
        },
        "metadata": {"domain": "data.example.org"},
    }
    record = parse(socrata_doc(result)).records[0]

    assert record.columns == [
        {"name": "A", "field": "a", "datatype": "Text"},
        {"name": "B", "field": None, "datatype": "Number"},
    ]


def test_socrata_non_dataset_assets_get_no_built_distributions():
    result = {
        "resource": {"id": "wxyz-9876", "name": "Permit map", "type": "map"},
        "metadata": {"domain": "data.example.org"},
        "permalink": "https://data.example.org/d/wxyz-9876",
    }
    record = parse(socrata_doc(result)).records[0]

    assert record.distributions == []
    assert record.landing_page == "https://data.example.org/d/wxyz-9876"


def test_socrata_suspicious_domain_builds_no_urls():
    result = {
        "resource": {"id": "abcd-1234", "name": "Odd", "type": "dataset"},
        "metadata": {"domain": "evil.example/@internal"},
    }

    assert parse(socrata_doc(result)).records[0].distributions == []


def test_socrata_result_without_resource_is_skipped():
    good = {"resource": {"id": "abcd-1234", "name": "Good"}}
    result = parse(socrata_doc({"link": "https://x.example/"}, good))

    assert [r.source_id for r in result.records] == ["abcd-1234"]
    assert result.skipped == [("#0", "no resource")]


def test_empty_socrata_response_is_recognised():
    assert parse({"results": [], "resultSetSize": 0}) == ParseResult(format="socrata", count=0)


# --------------------------------------------------------------------------- #
# Document-level errors
# --------------------------------------------------------------------------- #


def test_malformed_json_raises_with_line_and_column():
    with pytest.raises(CatalogFormatError, match=r"^not JSON: line 3 column 38: "):
        parse(load("malformed.json"))


def test_empty_document_is_not_json():
    with pytest.raises(CatalogFormatError, match=r"^not JSON: line 1 column 1"):
        parse(b"")


def test_non_utf8_bytes_raise_catalog_format_error():
    with pytest.raises(CatalogFormatError, match=r"^not UTF-8"):
        parse('{"dataset": ["café"]}'.encode("latin-1"))


def test_absurdly_nested_json_raises_catalog_format_error():
    with pytest.raises(CatalogFormatError):
        parse("[" * 100_000 + "]" * 100_000)


def test_integer_too_long_for_python_raises_catalog_format_error():
    with pytest.raises(CatalogFormatError, match="not JSON this parser accepts"):
        parse(b'{"dataset": [{"identifier": ' + b"9" * 5000 + b"}]}")


@pytest.mark.parametrize(
    "doc",
    [
        load("unknown_shape.geojson.json"),
        b"42",
        b'"a string"',
        b"null",
        b'["just", "strings"]',
        b'{"dataset": "not a list"}',
        b'{"success": true, "result": ["not", "a", "package"]}',
        b'{"results": [{"no": "resource"}]}',
    ],
)
def test_unknown_shape_raises_catalog_format_error(doc):
    with pytest.raises(CatalogFormatError, match=r"^unrecognised catalog shape: expected a DCAT-US catalog"):
        parse(doc)


def test_catalog_format_error_is_a_value_error():
    assert issubclass(CatalogFormatError, ValueError)


def test_forcing_a_format_that_does_not_match_raises():
    with pytest.raises(CatalogFormatError, match="expected a ckan catalog but the document looks like dcat"):
        parse(load("ny_state.data.v1_1.json"), format="ckan")


def test_forcing_the_right_format_parses():
    assert parse(load("ny_state.data.v1_1.json"), format="dcat").format == "dcat"


def test_unknown_format_name_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown catalog format 'csv'"):
        parse(b"[]", format="csv")
