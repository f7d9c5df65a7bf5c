"""Parse open-data catalog documents into dataset records, and normalise records for storage.

Three families of catalog are understood:

* ``"dcat"``: a DCAT-US 1.1 ``data.json`` (``{"dataset": [...]}``) or the legacy
  pre-1.1 shape, a bare JSON array of datasets;
* ``"ckan"``: a CKAN action API ``package_search`` or ``package_show`` response;
* ``"socrata"``: a Socrata Discovery API (``/api/catalog/v1``) response.

Every family is mapped onto the same :class:`DatasetRecord`. Catalogs come from
third parties and are messy, so the rule is: a problem with one record never
fails the document (the record is skipped and reported in
:attr:`ParseResult.skipped`), while a document that is not JSON or has no known
shape raises :class:`CatalogFormatError`.

Only URLs with an ``http`` or ``https`` scheme survive parsing (distribution
URLs and landing pages alike), because they end up as links in pages shown to
residents and must never be ``javascript:`` or ``file:`` URLs.

Datetimes are timezone-aware UTC; a timestamp without a zone is taken to be UTC
and one that cannot be parsed becomes ``None``.

:func:`normalise_record` turns a record into the column values a Dataset stores (text
cut to column lengths, terms bounded, distributions de-duplicated) and
:func:`content_hash` digests them, so a re-import can tell an unchanged record cheaply.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import zip_longest
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from civicboard.timeutil import to_naive_utc

__all__ = [
    "FORMATS",
    "MAX_TERMS",
    "MAX_TERM_LENGTH",
    "SELF_DESCRIPTION",
    "CatalogFormatError",
    "DatasetRecord",
    "DistributionRecord",
    "ParseResult",
    "ckan_page_url",
    "clip",
    "collect_ckan_search",
    "content_hash",
    "detect_format",
    "display_format",
    "is_catalog_self_description",
    "is_http_url",
    "iter_ckan_search",
    "kept_whole",
    "normalise_record",
    "normalise_terms",
    "parse",
]

log = logging.getLogger(__name__)

#: The catalog families :func:`parse` understands, as named in ``ParseResult.format``.
FORMATS = ("dcat", "ckan", "socrata")

_UNRECOGNISED_SHAPE = (
    "unrecognised catalog shape: expected a DCAT-US catalog with 'dataset', "
    "a bare array of datasets, a CKAN API response or a Socrata catalog response"
)


class CatalogFormatError(ValueError):
    """The document as a whole cannot be read: it is not JSON or has no known shape."""


@dataclass(kw_only=True)
class DistributionRecord:
    """One way to get at a dataset's data: a download, an API endpoint or a web page."""

    title: str | None = None
    url: str
    media_type: str | None = None
    format: str | None = None


@dataclass(kw_only=True)
class DatasetRecord:
    """A dataset of a catalog, normalised across catalog families.

    ``source_id`` is the catalog's own identifier for the dataset and is unique
    within one :class:`ParseResult`. ``columns`` is only filled for Socrata,
    whose catalog lists each column as ``{"name", "field", "datatype"}``.
    """

    source_id: str
    title: str
    description: str = ""
    keywords: list[str] = field(default_factory=list)
    publisher: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    landing_page: str | None = None
    license: str | None = None
    spatial: str | None = None
    temporal: str | None = None
    accrual_periodicity: str | None = None
    theme: list[str] = field(default_factory=list)
    modified: datetime | None = None
    issued: datetime | None = None
    distributions: list[DistributionRecord] = field(default_factory=list)
    columns: list[dict[str, str | None]] = field(default_factory=list)


@dataclass
class ParseResult:
    """The outcome of parsing one catalog document.

    ``skipped`` holds ``(identifier or position, reason)`` for every record that
    was left out; a position is written ``#i`` with ``i`` the 0-based index in
    the document's list of datasets. ``count`` is the total number of datasets
    the server reports for a paged response (CKAN ``package_search`` ``count``,
    Socrata ``resultSetSize``) and ``None`` otherwise.
    """

    format: str
    records: list[DatasetRecord] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    count: int | None = None


class _SkipRecord(Exception):
    """Raised inside a record converter: leave this record out, for the reason given."""


# --------------------------------------------------------------------------- #
# Entry points
# --------------------------------------------------------------------------- #


def parse(data: bytes | str | object, format: str = "auto") -> ParseResult:
    """Parse a catalog document into a :class:`ParseResult`.

    ``data`` is the raw document (``bytes`` are decoded as UTF-8, a byte order
    mark tolerated), JSON text, or an already decoded JSON value. ``format`` is
    ``"auto"`` (see :func:`detect_format`) or one of :data:`FORMATS`, in which
    case the document must have that family's shape.

    Raises :class:`CatalogFormatError` for a document that is not JSON or has no
    known shape; records that cannot be used are skipped, not raised.
    """
    if format != "auto" and format not in FORMATS:
        raise ValueError(f"unknown catalog format {format!r}: expected 'auto' or one of {FORMATS}")
    doc = _decode(data)
    detected = detect_format(doc)
    if format != "auto" and detected != format:
        raise CatalogFormatError(f"expected a {format} catalog but the document looks like {detected}")
    return _PARSERS[detected](doc)


def detect_format(doc: object) -> str:
    """Name the catalog family of a decoded JSON document: "dcat", "ckan" or "socrata".

    Raises :class:`CatalogFormatError` when the document matches none of them,
    or when it is a CKAN response that reports failure.
    """
    if isinstance(doc, list):
        # The legacy data.json is a bare array; an empty one is an empty catalog.
        if not doc or any(isinstance(item, dict) for item in doc):
            return "dcat"
    elif isinstance(doc, dict):
        if isinstance(doc.get("dataset"), list):
            return "dcat"
        if doc.get("success") is False:
            # CKAN reports errors as JSON with "success": false; say what it said.
            _raise_ckan_failure(doc)
        if "result" in doc and ("success" in doc or "help" in doc) and _is_ckan_result(doc["result"]):
            return "ckan"
        if isinstance(doc.get("results"), list) and _is_socrata_results(doc):
            return "socrata"
    raise CatalogFormatError(_UNRECOGNISED_SHAPE)


def _decode(data: bytes | str | object) -> object:
    """Turn raw bytes or text into a JSON value; anything else is taken as decoded already."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        try:
            # utf-8-sig drops a leading BOM, which Windows-made data.json files carry.
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CatalogFormatError(f"not UTF-8 text: byte {exc.start}: {exc.reason}") from exc
    if not isinstance(data, str):
        return data
    try:
        return json.loads(data.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        raise CatalogFormatError(f"not JSON: line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    except RecursionError as exc:
        # A hostile document can nest deeply enough to exhaust the decoder's stack.
        raise CatalogFormatError("not JSON this parser accepts: nested too deeply") from exc
    except ValueError as exc:
        # e.g. an integer longer than Python's int-parsing limit (4300 digits).
        raise CatalogFormatError(f"not JSON this parser accepts: {exc}") from exc


# --------------------------------------------------------------------------- #
# Shared record machinery
# --------------------------------------------------------------------------- #


def _collect(
    items: Iterable[Any],
    convert: Callable[[Any], DatasetRecord],
    label: Callable[[Any], str | None],
) -> tuple[list[DatasetRecord], list[tuple[str, str]]]:
    """Convert every item, skipping (and reporting) the ones that fail or repeat an id."""
    records: list[DatasetRecord] = []
    skipped: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        name = (label(item) if isinstance(item, dict) else None) or f"#{index}"
        try:
            record = convert(item)
        except _SkipRecord as exc:
            skipped.append((name, str(exc)))
            continue
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            # Unexpected types deep inside one record must not sink the whole catalog.
            skipped.append((name, f"invalid record: {exc}"))
            continue
        if record.source_id in seen:
            # Downstream the identifier is the key; a second record would overwrite the first.
            skipped.append((name, "duplicate identifier"))
            continue
        seen.add(record.source_id)
        records.append(record)
    return records, skipped


def _require_object(item: Any) -> dict[str, Any]:
    """Return the item if it is a JSON object, else skip the record."""
    if not isinstance(item, dict):
        raise _SkipRecord("not a JSON object")
    return item


def _text(value: Any) -> str | None:
    """A stripped, non-empty string, or None; numbers become strings, containers None."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _first_text(*values: Any) -> str | None:
    """The first of the values that is usable text."""
    for value in values:
        text = _text(value)
        if text is not None:
            return text
    return None


def _as_list(value: Any) -> list[Any]:
    """The value if it is a list, else an empty list (catalogs put null or {} where lists belong)."""
    return value if isinstance(value, list) else []


def _as_dict(value: Any) -> dict[str, Any]:
    """The value if it is an object, else an empty dict."""
    return value if isinstance(value, dict) else {}


def _terms(*values: Any) -> list[str]:
    """Keywords or themes from lists and/or comma-separated strings, de-duplicated in order.

    Duplicates are compared case-insensitively; the first spelling wins.
    """
    terms: list[str] = []
    seen: set[str] = set()
    for value in values:
        parts = value.split(",") if isinstance(value, str) else _as_list(value)
        for part in parts:
            term = _text(part)
            if term is not None and term.casefold() not in seen:
                seen.add(term.casefold())
                terms.append(term)
    return terms


def _http_url(value: Any) -> str | None:
    """The value if it is an absolute http(s) URL, else None."""
    text = _text(value)
    if text is None:
        return None
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return text


def is_http_url(value: Any) -> bool:
    """True for an absolute http(s) URL, the only kind of link the board shows or fetches."""
    return _http_url(value) is not None


def _email(value: Any) -> str | None:
    """An e-mail address without its ``mailto:`` prefix, or None if it has no @."""
    text = _text(value)
    if text is None:
        return None
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :].strip()
    return text if "@" in text else None


_YEAR_MONTH = re.compile(r"(\d{4})(?:-(\d{2}))?")


def _parse_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from an ISO 8601 date or datetime, or None if unparseable.

    A value without a zone is UTC (CKAN writes them so). ``YYYY`` and ``YYYY-MM``,
    which DCAT-US allows, mean the start of that year or month.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        reduced = _YEAR_MONTH.fullmatch(text)
        if reduced:
            return datetime(int(reduced[1]), int(reduced[2] or 1), 1, tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _unique_distributions(candidates: Iterable[DistributionRecord | None]) -> list[DistributionRecord]:
    """Drop missing ones and later repeats of a URL, keeping the first (usually richest) entry."""
    unique: list[DistributionRecord] = []
    seen: set[str] = set()
    for candidate in candidates:
        if candidate is not None and candidate.url not in seen:
            seen.add(candidate.url)
            unique.append(candidate)
    return unique


def _distribution(
    url: Any, *, title: Any = None, media_type: Any = None, format: Any = None
) -> DistributionRecord | None:
    """A DistributionRecord, or None when the URL is missing or not http(s)."""
    checked = _http_url(url)
    if checked is None:
        return None
    return DistributionRecord(title=_text(title), url=checked, media_type=_text(media_type), format=_text(format))


# --------------------------------------------------------------------------- #
# DCAT-US (1.1 and the legacy bare array)
# --------------------------------------------------------------------------- #


def _parse_dcat(doc: Any) -> ParseResult:
    """Parse a DCAT-US catalog object or a legacy bare array of datasets."""
    items = doc if isinstance(doc, list) else doc["dataset"]
    records, skipped = _collect(items, _dcat_record, lambda item: _text(item.get("identifier")))
    return ParseResult(format="dcat", records=records, skipped=skipped)


def _dcat_record(item: Any) -> DatasetRecord:
    """Convert one DCAT-US dataset object."""
    item = _require_object(item)
    source_id = _text(item.get("identifier"))
    if source_id is None:
        # No fallback to landingPage: an id we made up would change when the page moves.
        raise _SkipRecord("no identifier")
    title = _text(item.get("title"))
    if title is None:
        raise _SkipRecord("no title")
    contact_name, contact_email = _dcat_contact(item)
    return DatasetRecord(
        source_id=source_id,
        title=title,
        description=_text(item.get("description")) or "",
        # Socrata's legacy export put a list in "keywords" beside an often empty "keyword".
        keywords=_terms(item.get("keyword"), item.get("keywords")),
        publisher=_dcat_publisher(item.get("publisher")),
        contact_name=contact_name,
        contact_email=contact_email,
        landing_page=_http_url(item.get("landingPage")),
        license=_text(item.get("license")),
        spatial=_text(item.get("spatial")),
        temporal=_text(item.get("temporal")),
        accrual_periodicity=_text(item.get("accrualPeriodicity")),
        theme=_terms(item.get("theme")),
        modified=_parse_datetime(item.get("modified")),
        # "releaseDate" is what pre-1.1 Socrata exports call "issued".
        issued=_parse_datetime(item.get("issued")) or _parse_datetime(item.get("releaseDate")),
        distributions=_dcat_distributions(item),
    )


def _dcat_publisher(value: Any) -> str | None:
    """Publisher name from ``{"name": ...}`` (1.1) or a plain string (legacy)."""
    if isinstance(value, dict):
        return _text(value.get("name"))
    return _text(value)


def _dcat_contact(item: dict[str, Any]) -> tuple[str | None, str | None]:
    """Contact (name, e-mail) from a 1.1 vCard ``contactPoint`` or legacy ``contactPoint``/``mbox``."""
    contact = item.get("contactPoint")
    if isinstance(contact, dict):
        name, email = _text(contact.get("fn")), _email(contact.get("hasEmail"))
    else:
        name, email = _text(contact), None
    return name, email or _email(item.get("mbox"))


def _dcat_distributions(item: dict[str, Any]) -> list[DistributionRecord]:
    """Every http(s) link of a DCAT dataset, de-duplicated by URL.

    Both ``downloadURL`` and ``accessURL`` count: ArcGIS Hub puts every link,
    downloads included, in ``accessURL``. When a distribution has both, its
    media type and format describe the download only. Pre-1.1 catalogs also carry
    dataset-level ``accessURL``/``downloadURL`` (typed by the dataset's
    ``format``) and a ``webService`` API endpoint.
    """
    candidates: list[DistributionRecord | None] = []
    for dist in _as_list(item.get("distribution")):
        if not isinstance(dist, dict):
            continue
        media_type, fmt = _dcat_distribution_type(dist)
        title = dist.get("title")
        download = _distribution(dist.get("downloadURL"), title=title, media_type=media_type, format=fmt)
        candidates.append(download)
        if download is None:
            candidates.append(_distribution(dist.get("accessURL"), title=title, media_type=media_type, format=fmt))
        else:
            # DCAT-US types the downloadURL; the accessURL beside it is usually a web page.
            candidates.append(_distribution(dist.get("accessURL"), title=title))
    legacy_media_type, legacy_format = _split_media_type(item.get("format"))
    for key in ("downloadURL", "accessURL"):
        candidates.append(_distribution(item.get(key), media_type=legacy_media_type, format=legacy_format))
    candidates.append(_distribution(item.get("webService"), title="Web service"))
    return _unique_distributions(candidates)


def _dcat_distribution_type(dist: dict[str, Any]) -> tuple[str | None, str | None]:
    """(media type, format) of a distribution, including the legacy ``formats`` list."""
    media_type = _text(dist.get("mediaType"))
    fmt = _text(dist.get("format"))
    # Pre-1.1 Socrata exports: "formats": [{"label": "csv", "value": "text/csv"}].
    legacy = next((f for f in _as_list(dist.get("formats")) if isinstance(f, dict)), {})
    return media_type or _text(legacy.get("value")), fmt or _text(legacy.get("label"))


def _split_media_type(value: Any) -> tuple[str | None, str | None]:
    """Legacy ``format`` held either a MIME type ("text/csv") or a name ("CSV")."""
    text = _text(value)
    if text is None:
        return None, None
    return (text, None) if "/" in text else (None, text)


# --------------------------------------------------------------------------- #
# CKAN
# --------------------------------------------------------------------------- #


def _raise_ckan_failure(doc: dict[str, Any]) -> None:
    """Raise CatalogFormatError carrying the message of a failed CKAN call."""
    error = _as_dict(doc.get("error"))
    detail = _first_text(error.get("message"), error.get("__type")) or "no detail given"
    raise CatalogFormatError(f"CKAN API reported failure: {detail}")


def _is_ckan_result(result: Any) -> bool:
    """True for a package_search result page or a package_show package."""
    if not isinstance(result, dict):
        return False
    if isinstance(result.get("results"), list):
        return True
    return "id" in result or "name" in result


def _parse_ckan(doc: dict[str, Any]) -> ParseResult:
    """Parse a CKAN package_search page or package_show response."""
    result = doc["result"]
    if isinstance(result.get("results"), list):
        packages, count = result["results"], result.get("count")
        count = count if isinstance(count, int) and not isinstance(count, bool) else None
    else:
        packages, count = [result], None
    records, skipped = _collect(packages, _ckan_record, lambda pkg: _first_text(pkg.get("id"), pkg.get("name")))
    return ParseResult(format="ckan", records=records, skipped=skipped, count=count)


def _ckan_record(package: Any) -> DatasetRecord:
    """Convert one CKAN package."""
    package = _require_object(package)
    source_id = _first_text(package.get("id"), package.get("name"))
    if source_id is None:
        raise _SkipRecord("no identifier")
    # CKAN itself shows the URL name when a package has no title.
    title = _first_text(package.get("title"), package.get("name"))
    if title is None:
        raise _SkipRecord("no title")
    contact_name, contact_email = _ckan_contact(package)
    organization = package.get("organization")
    return DatasetRecord(
        source_id=source_id,
        title=title,
        description=_text(package.get("notes")) or "",
        keywords=_terms(_ckan_names(package.get("tags"))),
        publisher=(
            _first_text(organization.get("title"), organization.get("name")) if isinstance(organization, dict) else None
        ),
        contact_name=contact_name,
        contact_email=contact_email,
        license=_first_text(package.get("license_title"), package.get("license_id")),
        theme=_terms(_ckan_names(package.get("groups"))),
        # CKAN writes these in UTC without a zone designator.
        modified=_parse_datetime(package.get("metadata_modified")),
        issued=_parse_datetime(package.get("metadata_created")),
        distributions=_unique_distributions(
            _distribution(
                res.get("url"),
                title=res.get("name"),
                media_type=res.get("mimetype"),
                format=res.get("format"),
            )
            for res in _as_list(package.get("resources"))
            if isinstance(res, dict)
        ),
    )


def _ckan_names(values: Any) -> list[str | None]:
    """Display names of CKAN tags or groups (objects in API v3, plain strings in older APIs)."""
    names: list[str | None] = []
    for value in _as_list(values):
        if isinstance(value, dict):
            names.append(_first_text(value.get("display_name"), value.get("title"), value.get("name")))
        else:
            names.append(_text(value))
    return names


def _ckan_contact(package: dict[str, Any]) -> tuple[str | None, str | None]:
    """The maintainer as contact, else the author; a name and e-mail never come from two people."""
    for role in ("maintainer", "author"):
        name, email = _text(package.get(role)), _email(package.get(f"{role}_email"))
        if name or email:
            return name, email
    return None, None


# --------------------------------------------------------------------------- #
# Paging through a CKAN package_search
# --------------------------------------------------------------------------- #


def ckan_page_url(search_url: str, *, start: int, rows: int) -> str:
    """The package_search URL for one page: ``rows`` and ``start`` set, other parameters kept.

    A stable ``sort`` (oldest first) is added unless the URL has one, so that
    datasets created while we page land on the last page instead of shifting
    every later page by one.
    """
    parts = urlsplit(search_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("start", "rows")]
    if not any(k == "sort" for k, _ in query):
        query.append(("sort", "metadata_created asc"))
    query += [("rows", str(rows)), ("start", str(start))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def iter_ckan_search(
    search_url: str,
    fetch: Callable[[str], bytes],
    *,
    rows: int = 100,
    max_pages: int = 200,
) -> Iterator[ParseResult]:
    """Yield the parsed pages of a CKAN package_search, following ``start``/``rows``.

    ``fetch(url) -> bytes`` gets each page (for example
    :func:`civicboard.datasets.fetch.fetch`). Paging stops when ``start``
    reaches the reported ``count``, when a page has no results (a server that
    ignores ``start`` or a shrinking catalog must not loop us forever), when a
    page has no ``count``, or after ``max_pages`` pages (logged as a warning).
    ``start`` advances by the number of results actually returned, since
    servers cap ``rows`` (``ckan.search.rows_max``) below what we ask for.
    """
    if rows < 1 or max_pages < 1:
        raise ValueError("rows and max_pages must be positive")
    start = 0
    for _ in range(max_pages):
        page = parse(fetch(ckan_page_url(search_url, start=start, rows=rows)), format="ckan")
        yield page
        returned = len(page.records) + len(page.skipped)
        start += returned
        if page.count is None or returned == 0 or start >= page.count:
            return
    log.warning("stopped paging %s after %d pages, at start=%d", search_url, max_pages, start)


def collect_ckan_search(
    search_url: str,
    fetch: Callable[[str], bytes],
    *,
    rows: int = 100,
    max_pages: int = 200,
) -> ParseResult:
    """All pages of :func:`iter_ckan_search` merged into one result.

    A dataset seen on an earlier page is reported as skipped ("duplicate
    identifier") rather than returned twice, which happens when the catalog
    changes while we page.
    """
    merged = ParseResult(format="ckan")
    seen: set[str] = set()
    for page in iter_ckan_search(search_url, fetch, rows=rows, max_pages=max_pages):
        merged.count = page.count if page.count is not None else merged.count
        merged.skipped.extend(page.skipped)
        for record in page.records:
            if record.source_id in seen:
                merged.skipped.append((record.source_id, "duplicate identifier"))
            else:
                seen.add(record.source_id)
                merged.records.append(record)
    return merged


# --------------------------------------------------------------------------- #
# Socrata Discovery API
# --------------------------------------------------------------------------- #

_SOCRATA_ID = re.compile(r"[a-z0-9]{4}-[a-z0-9]{4}")
_HOSTNAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


def _is_socrata_results(doc: dict[str, Any]) -> bool:
    """True for a Discovery API response: results wrapping a "resource" each."""
    results = doc["results"]
    if not results:
        return "resultSetSize" in doc
    return any(isinstance(r, dict) and isinstance(r.get("resource"), dict) for r in results)


def _parse_socrata(doc: dict[str, Any]) -> ParseResult:
    """Parse a Socrata Discovery API response."""
    records, skipped = _collect(
        doc["results"], _socrata_record, lambda result: _text(_as_dict(result.get("resource")).get("id"))
    )
    size = doc.get("resultSetSize")
    count = size if isinstance(size, int) and not isinstance(size, bool) else None
    return ParseResult(format="socrata", records=records, skipped=skipped, count=count)


def _socrata_record(result: Any) -> DatasetRecord:
    """Convert one Discovery API result."""
    result = _require_object(result)
    resource = result.get("resource")
    if not isinstance(resource, dict):
        raise _SkipRecord("no resource")
    source_id = _text(resource.get("id"))
    if source_id is None:
        raise _SkipRecord("no identifier")
    title = _text(resource.get("name"))
    if title is None:
        raise _SkipRecord("no title")
    classification = _as_dict(result.get("classification"))
    metadata = _as_dict(result.get("metadata"))
    category = _text(classification.get("domain_category"))
    return DatasetRecord(
        source_id=source_id,
        title=title,
        description=_text(resource.get("description")) or "",
        keywords=_terms(classification.get("domain_tags"), classification.get("tags")),
        publisher=_text(resource.get("attribution")),
        landing_page=_http_url(result.get("permalink")) or _http_url(result.get("link")),
        license=_text(metadata.get("license")),
        theme=[category] if category else [],
        modified=_parse_datetime(resource.get("updatedAt")),
        issued=_parse_datetime(resource.get("createdAt")),
        distributions=_socrata_distributions(resource, _text(metadata.get("domain"))),
        columns=_socrata_columns(resource),
    )


def _socrata_distributions(resource: dict[str, Any], domain: str | None) -> list[DistributionRecord]:
    """The SODA API endpoint and CSV export of a tabular dataset (other asset types have neither)."""
    asset_id = _text(resource.get("id"))
    if resource.get("type") != "dataset" or not domain or not asset_id:
        return []
    # Both go into URLs we build, so they must be exactly what Socrata uses.
    if not _HOSTNAME.fullmatch(domain) or not _SOCRATA_ID.fullmatch(asset_id):
        return []
    return [
        DistributionRecord(
            title="SODA API",
            url=f"https://{domain}/resource/{asset_id}.json",
            media_type="application/json",
            format="JSON",
        ),
        DistributionRecord(
            title="CSV export",
            url=f"https://{domain}/api/views/{asset_id}/rows.csv?accessType=DOWNLOAD",
            media_type="text/csv",
            format="CSV",
        ),
    ]


def _socrata_columns(resource: dict[str, Any]) -> list[dict[str, str | None]]:
    """Zip the parallel ``columns_*`` arrays into ``{"name", "field", "datatype"}`` dicts.

    A shorter array leaves ``None`` in the missing places rather than dropping columns.
    """
    arrays = (
        _as_list(resource.get("columns_name")),
        _as_list(resource.get("columns_field_name")),
        _as_list(resource.get("columns_datatype")),
    )
    return [
        {"name": _text(name), "field": _text(field_name), "datatype": _text(datatype)}
        for name, field_name, datatype in zip_longest(*arrays)
    ]


_PARSERS: dict[str, Callable[[Any], ParseResult]] = {
    "dcat": _parse_dcat,
    "ckan": _parse_ckan,
    "socrata": _parse_socrata,
}


# --------------------------------------------------------------------------- #
# Normalising records for storage
# --------------------------------------------------------------------------- #

#: Keywords or themes a dataset keeps, and the longest one.
MAX_TERMS = 50
MAX_TERM_LENGTH = 100

SELF_DESCRIPTION = "describes the catalog itself (its data.json), not a dataset"


def clip(value: str | None, limit: int) -> str | None:
    """Text cut to a column's length (with an ellipsis), so PostgreSQL never refuses a row."""
    if value is None:
        return None
    value = " ".join(value.split()) if limit <= 500 else value.strip()
    if not value:
        return None
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def kept_whole(value: str | None, limit: int) -> str | None:
    """Values that are useless when cut (URLs, e-mails): kept whole or dropped."""
    if value is None:
        return None
    value = value.strip()
    return value if value and len(value) <= limit else None


def normalise_terms(values: Iterable[Any]) -> list[str]:
    """Keywords or themes: stripped, bounded, de-duplicated case-insensitively, first spelling wins."""
    terms: list[str] = []
    seen: set[str] = set()
    for value in values:
        term = clip(str(value), MAX_TERM_LENGTH) if value is not None else None
        if term and term.casefold() not in seen:
            seen.add(term.casefold())
            terms.append(term)
        if len(terms) >= MAX_TERMS:
            break
    return terms


_MEDIA_FORMATS = {
    "text/csv": "CSV",
    "application/json": "JSON",
    "application/geo+json": "GeoJSON",
    "application/vnd.geo+json": "GeoJSON",
    "application/xml": "XML",
    "text/xml": "XML",
    "application/rdf+xml": "RDF",
    "application/xml+rdf": "RDF",
    "application/pdf": "PDF",
    "application/zip": "ZIP",
    "application/vnd.ms-excel": "XLS",
    "application/excel": "XLS",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/rss+xml": "RSS",
    "text/html": "HTML",
    "application/vnd.google-earth.kml+xml": "KML",
}


def display_format(fmt: str | None, media_type: str | None) -> str | None:
    """A short format name for a badge: the catalog's own, or one read from a media type.

    Old Socrata catalogs put a media type ("application/zip; charset=binary") where the
    format name belongs, so a format with a slash is read as a media type too.
    """
    fmt = clip(fmt, 60)
    if fmt and "/" not in fmt:
        # Short codes ("csv", "xlsx") are shown upper-case; longer names ("Esri REST") as written.
        return fmt.upper() if re.fullmatch(r"[A-Za-z0-9.+-]{1,8}", fmt) else fmt
    for candidate in (fmt, media_type):
        if candidate:
            base = candidate.split(";", 1)[0].strip().lower()
            subtype = base.rsplit("/", 1)[-1]
            if base in _MEDIA_FORMATS:
                return _MEDIA_FORMATS[base]
            if re.fullmatch(r"[a-z0-9]{1,8}", subtype):
                return subtype.upper()
    return None


def _distribution_rows(distributions: Iterable[DistributionRecord]) -> list[dict[str, Any]]:
    rows = []
    seen: set[str] = set()
    for dist in distributions:
        url = kept_whole(dist.url, 2000)
        if url is None or not is_http_url(url) or url in seen:
            continue
        seen.add(url)
        rows.append(
            {
                "title": clip(dist.title, 300),
                "url": url,
                "media_type": clip(dist.media_type, 120),
                "format": display_format(dist.format, dist.media_type),
            }
        )
    return rows


def normalise_record(record: DatasetRecord) -> dict[str, Any]:
    """The Dataset column values (plus ``distributions``) for a parsed record.

    Raises ValueError with the reason when the record cannot be stored.
    """
    source_id = (record.source_id or "").strip()
    if not source_id:
        raise ValueError("no identifier")
    if len(source_id) > 255:
        raise ValueError("identifier longer than 255 characters")
    title = clip(record.title, 300)
    if not title:
        raise ValueError("no title")
    landing_page = kept_whole(record.landing_page, 2000)
    return {
        "source_id": source_id,
        "title": title,
        "description": (record.description or "").strip(),
        "keywords": normalise_terms(record.keywords),
        "theme": normalise_terms(record.theme),
        "publisher": clip(record.publisher, 255),
        "contact_name": clip(record.contact_name, 255),
        "contact_email": kept_whole(record.contact_email, 255),
        "landing_page": landing_page if landing_page and is_http_url(landing_page) else None,
        "license": clip(record.license, 500),
        "spatial": clip(record.spatial, 500),
        "temporal": clip(record.temporal, 255),
        "accrual_periodicity": kept_whole(record.accrual_periodicity, 60),
        "modified": to_naive_utc(record.modified),
        "issued": to_naive_utc(record.issued),
        "distributions": _distribution_rows(record.distributions),
    }


def content_hash(values: Mapping[str, Any]) -> str:
    """A digest of the normalised record: equal digests mean nothing to update."""
    payload = json.dumps(
        {key: values[key] for key in sorted(values) if key != "source_id"},
        sort_keys=True,
        default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def is_catalog_self_description(record: DatasetRecord) -> bool:
    """True for the entry a Socrata data.json has about the data.json file itself.

    Raleigh's and Somerville's catalogs open with "Project Open Data, /data.json file",
    whose identifier is the catalog's own URL. It is not data a resident can tie a problem
    to, so imports skip it (reported among the skipped records).
    """
    try:
        parts = urlsplit(record.source_id)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and parts.path.rstrip("/").lower().endswith("/data.json")
