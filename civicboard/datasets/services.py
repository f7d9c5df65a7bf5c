"""Catalog actions: importing a catalog, staff editing datasets and sources (data requests: staff).

Every function takes the acting user (``None`` only for the command line and the demo),
checks the capability, validates, writes (with an audit entry for staff actions) and
leaves the commit to its caller. :mod:`civicboard.datasets.jobs` wraps an import in its
own transaction, because a failed import must be recorded after the rollback.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from civicboard.audit.services import record as audit
from civicboard.datasets.importers import FORMATS, DatasetRecord, DistributionRecord, ParseResult, is_http_url
from civicboard.datasets.models import MANUAL_SOURCE, CatalogSource, Dataset, DatasetStatus, Distribution, ImportRun
from civicboard.extensions import db
from civicboard.permissions import require
from civicboard.timeutil import to_naive_utc, utcnow
from civicboard.validation import ConflictError, ValidationError, clean_text

#: How many skipped records an ImportRun keeps with their reasons (the count is always exact).
MAX_SKIPPED_KEPT = 500
#: Distributions a hand-made dataset may list.
MAX_DISTRIBUTIONS = 20
MAX_TERMS = 50
MAX_TERM_LENGTH = 100

SELF_DESCRIPTION = "describes the catalog itself (its data.json), not a dataset"
SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,79}")
SOURCE_FORMATS = ("auto", *FORMATS)

#: The catalog fields a re-import overwrites; staff edits of these on imported datasets
#: last until the next import that sees the dataset (the edit form says so).
CATALOG_FIELDS = (
    "title",
    "description",
    "keywords",
    "theme",
    "publisher",
    "contact_name",
    "contact_email",
    "landing_page",
    "license",
    "spatial",
    "temporal",
    "accrual_periodicity",
    "modified",
    "issued",
)


class ImportFailed(Exception):
    """An import that could not run: unreadable input, a refused fetch, a malformed catalog.

    ``run`` is the ImportRun row that records the failure, once it has been written.
    """

    def __init__(self, message: str, run: ImportRun | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.run = run


@dataclass
class ImportSummary:
    """What an import did; ``reactivated`` withdrawn datasets are counted in ``updated`` too."""

    source: str
    full: bool = True
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    reactivated: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    run: ImportRun | None = None

    @property
    def skipped_count(self) -> int:
        return len(self.skipped)

    def line(self) -> str:
        """added N, updated N, unchanged N, withdrawn N, skipped N."""
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"withdrawn {self.withdrawn}, skipped {self.skipped_count}"
        )


# --------------------------------------------------------------------------- #
# Normalising records
# --------------------------------------------------------------------------- #


def _clip(value: str | None, limit: int) -> str | None:
    """Text cut to a column's length (with an ellipsis), so PostgreSQL never refuses a row."""
    if value is None:
        return None
    value = " ".join(value.split()) if limit <= 500 else value.strip()
    if not value:
        return None
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _fits(value: str | None, limit: int) -> str | None:
    """Values that are useless when cut (URLs, e-mails): kept whole or dropped."""
    if value is None:
        return None
    value = value.strip()
    return value if value and len(value) <= limit else None


def _terms(values: Iterable[Any]) -> list[str]:
    """Keywords or themes: stripped, bounded, de-duplicated case-insensitively, first spelling wins."""
    terms: list[str] = []
    seen: set[str] = set()
    for value in values:
        term = _clip(str(value), MAX_TERM_LENGTH) if value is not None else None
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
    fmt = _clip(fmt, 60)
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
        url = _fits(dist.url, 2000)
        if url is None or not is_http_url(url) or url in seen:
            continue
        seen.add(url)
        rows.append(
            {
                "title": _clip(dist.title, 300),
                "url": url,
                "media_type": _clip(dist.media_type, 120),
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
    title = _clip(record.title, 300)
    if not title:
        raise ValueError("no title")
    landing_page = _fits(record.landing_page, 2000)
    return {
        "source_id": source_id,
        "title": title,
        "description": (record.description or "").strip(),
        "keywords": _terms(record.keywords),
        "theme": _terms(record.theme),
        "publisher": _clip(record.publisher, 255),
        "contact_name": _clip(record.contact_name, 255),
        "contact_email": _fits(record.contact_email, 255),
        "landing_page": landing_page if landing_page and is_http_url(landing_page) else None,
        "license": _clip(record.license, 500),
        "spatial": _clip(record.spatial, 500),
        "temporal": _clip(record.temporal, 255),
        "accrual_periodicity": _fits(record.accrual_periodicity, 60),
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


def _apply(dataset: Dataset, values: Mapping[str, Any]) -> None:
    """Write normalised values (catalog fields and distributions) onto a dataset."""
    for name in CATALOG_FIELDS:
        setattr(dataset, name, values[name])
    # Replaced, not merged: the delete-orphan cascade removes the old rows.
    dataset.distributions = [Distribution(position=i, **row) for i, row in enumerate(values["distributions"])]


# --------------------------------------------------------------------------- #
# Importing
# --------------------------------------------------------------------------- #


def check_source_name(name: str) -> str:
    """A catalog source key: lower-case letters, digits, ``_ . -``; never "manual"."""
    name = (name or "").strip()
    if not SOURCE_NAME.fullmatch(name):
        message = (
            "A source name is 1 to 80 lower-case letters, digits, '_', '.' or '-', starting with a letter or digit."
        )
        raise ValidationError(message, {"name": message})
    if name == MANUAL_SOURCE:
        message = "The name 'manual' is reserved for datasets staff add by hand."
        raise ValidationError(message, {"name": message})
    return name


def is_partial(result: ParseResult) -> bool:
    """True when a document holds only part of its catalog, so missing datasets prove nothing.

    A CKAN package_show describes one dataset; a paged response (CKAN package_search,
    Socrata) whose reported count exceeds what it holds is one page of many.
    """
    # Repeats of a dataset seen on an earlier page (a server ignoring "start") hold nothing new.
    held = len(result.records) + sum(1 for _, reason in result.skipped if reason != "duplicate identifier")
    if result.format == "ckan" and result.count is None:
        return True
    return result.count is not None and result.count > held


def import_catalog(
    source_name: str,
    records: ParseResult | Iterable[DatasetRecord],
    *,
    full: bool = True,
    actor: Any = None,
    location: str = "",
    format: str | None = None,
    started_at: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Upsert a parsed catalog into the datasets of ``source_name``; returns what changed.

    Records are matched on (source, source_id): new ones are added, changed ones (by
    content hash) updated with their distributions replaced, the rest left unchanged
    (only ``last_seen_at`` moves). With ``full=True`` the document is the whole catalog,
    so active datasets of the source that it lacks are withdrawn (never deleted); a
    later import that sees them again reactivates them. The run is recorded as an
    ImportRun in the same transaction; nothing is committed here.
    """
    if actor is not None:
        require(actor, "manage_datasets")
    source_name = check_source_name(source_name)
    if isinstance(records, ParseResult):
        items, skipped, format = records.records, list(records.skipped), format or records.format
    else:
        items, skipped = list(records), []
    summary = ImportSummary(source=source_name, full=full, skipped=skipped)
    now = utcnow()

    existing = {
        dataset.source_id: dataset
        for dataset in db.session.execute(
            select(Dataset).where(Dataset.source == source_name).options(selectinload(Dataset.distributions))
        ).scalars()
    }
    seen: set[str] = set()
    untouched_ids: list[int] = []
    for record in items:
        if progress is not None:
            progress(1)
        if is_catalog_self_description(record):
            summary.skipped.append((record.source_id, SELF_DESCRIPTION))
            continue
        try:
            values = normalise_record(record)
        except ValueError as exc:
            summary.skipped.append((record.source_id or "?", str(exc)))
            continue
        source_id = values["source_id"]
        if source_id in seen:
            summary.skipped.append((source_id, "duplicate identifier"))
            continue
        seen.add(source_id)
        digest = content_hash(values)
        dataset = existing.get(source_id)
        if dataset is None:
            dataset = Dataset(source=source_name, source_id=source_id, content_hash=digest)
            dataset.first_seen_at = dataset.last_seen_at = dataset.created_at = dataset.updated_at = now
            _apply(dataset, values)
            db.session.add(dataset)
            summary.added += 1
            continue
        withdrawn = dataset.status == DatasetStatus.WITHDRAWN
        if dataset.content_hash == digest and not withdrawn:
            untouched_ids.append(dataset.id)
            summary.unchanged += 1
            continue
        if dataset.content_hash != digest:
            _apply(dataset, values)
            dataset.content_hash = digest
        if withdrawn:
            dataset.status = DatasetStatus.ACTIVE.value
            dataset.withdrawn_at = None
            summary.reactivated += 1
        dataset.last_seen_at = now
        summary.updated += 1

    # Unchanged rows: one UPDATE per chunk, keeping updated_at (its onupdate would fire).
    for start in range(0, len(untouched_ids), 500):
        db.session.execute(
            update(Dataset)
            .where(Dataset.id.in_(untouched_ids[start : start + 500]))
            .values(last_seen_at=now, updated_at=Dataset.updated_at)
            .execution_options(synchronize_session=False)
        )

    if full:
        for source_id, dataset in existing.items():
            if source_id not in seen and dataset.status == DatasetStatus.ACTIVE:
                dataset.status = DatasetStatus.WITHDRAWN.value
                dataset.withdrawn_at = now
                summary.withdrawn += 1

    summary.run = ImportRun(
        source=source_name,
        location=(location or "")[:2000],
        format=format,
        started_at=started_at or now,
        finished_at=utcnow(),
        added=summary.added,
        updated=summary.updated,
        unchanged=summary.unchanged,
        withdrawn=summary.withdrawn,
        skipped=summary.skipped_count,
        skipped_reasons=[list(item) for item in summary.skipped[:MAX_SKIPPED_KEPT]],
    )
    db.session.add(summary.run)
    db.session.flush()
    return summary


def record_failed_import(
    source_name: str, *, location: str, format: str | None, error: str, started_at: datetime | None = None
) -> ImportRun:
    """Record an import that failed (call after rolling the import back)."""
    run = ImportRun(
        source=(source_name or "?")[:80],
        location=(location or "")[:2000],
        format=format if format in SOURCE_FORMATS else None,
        started_at=started_at or utcnow(),
        finished_at=utcnow(),
        error=error or "failed",
    )
    db.session.add(run)
    db.session.flush()
    return run


# --------------------------------------------------------------------------- #
# Catalog sources
# --------------------------------------------------------------------------- #


def _check_source_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "title" in fields:
        values["title"] = clean_text(fields["title"], "title", max_length=255, required=False)
    if "url" in fields:
        url = clean_text(fields["url"], "url", label="URL", max_length=2000)
        if not is_http_url(url):
            message = "The URL must start with http:// or https://."
            raise ValidationError(message, {"url": message})
        values["url"] = url
    if "format" in fields:
        fmt = (fields["format"] or "auto").strip().lower()
        if fmt not in SOURCE_FORMATS:
            message = f"The format must be one of {', '.join(SOURCE_FORMATS)}."
            raise ValidationError(message, {"format": message})
        values["format"] = fmt
    if "enabled" in fields:
        values["enabled"] = bool(fields["enabled"])
    return values


def create_source(actor: Any, fields: Mapping[str, Any]) -> CatalogSource:
    """Add a catalog source (name, title, url, format, enabled); audited."""
    require(actor, "manage_datasets")
    name = check_source_name(fields.get("name", ""))
    values = _check_source_fields({"format": "auto", "enabled": True, **fields, "url": fields.get("url")})
    if db.session.execute(select(CatalogSource.id).where(CatalogSource.name == name)).first():
        message = f"A source named {name!r} exists already."
        raise ConflictError(message, {"name": message})
    source = CatalogSource(name=name, **values)
    db.session.add(source)
    db.session.flush()
    audit(actor, "catalog_source.create", "catalog_source", source.id, name=name, url=source.url)
    return source


def update_source(actor: Any, source: CatalogSource, fields: Mapping[str, Any]) -> CatalogSource:
    """Change a source's title, URL, format or enabled flag; the name is its key and stays."""
    require(actor, "manage_datasets")
    values = _check_source_fields(fields)
    changed = {k: v for k, v in values.items() if getattr(source, k) != v}
    for key, value in changed.items():
        setattr(source, key, value)
    if changed:
        audit(actor, "catalog_source.update", "catalog_source", source.id, changed=sorted(changed), name=source.name)
    return source


def parse_config_sources(value: str | None) -> list[tuple[str, str]]:
    """``name=url`` pairs from CATALOG_SOURCES, separated by spaces, commas or new lines."""
    pairs = []
    for item in re.split(r"[\s,]+", value or ""):
        if not item:
            continue
        name, sep, url = item.partition("=")
        if not sep or not name.strip() or not url.strip():
            raise ValueError(f"CATALOG_SOURCES: expected name=url, got {item!r}")
        pairs.append((name.strip(), url.strip()))
    return pairs


def sync_config_sources(pairs: Iterable[tuple[str, str]]) -> list[CatalogSource]:
    """Create a CatalogSource for each configured pair that has none yet (system action).

    Existing rows are left alone, so staff can disable or edit a configured source.
    """
    created = []
    for name, url in pairs:
        name = check_source_name(name)
        if db.session.execute(select(CatalogSource.id).where(CatalogSource.name == name)).first():
            continue
        values = _check_source_fields({"url": url, "format": "auto", "enabled": True, "title": name})
        source = CatalogSource(name=name, **values)
        db.session.add(source)
        created.append(source)
    db.session.flush()
    return created


# --------------------------------------------------------------------------- #
# Datasets by hand
# --------------------------------------------------------------------------- #

DATASET_FIELDS = (
    "title",
    "description",
    "publisher",
    "keywords",
    "theme",
    "landing_page",
    "license",
    "accrual_periodicity",
    "contact_name",
    "contact_email",
    "distributions",
    "status",
)


def _split_terms(value: Any, name: str) -> list[str]:
    """Keywords or themes from a list or a comma-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        parts = value.split(",")
    elif isinstance(value, (list, tuple)):
        parts = [str(v) for v in value if v is not None]
    else:
        raise ValidationError(f"{name.capitalize()} must be a list of words.", {name: "Give a list of words."})
    too_long = [p.strip() for p in parts if len(p.strip()) > MAX_TERM_LENGTH]
    if too_long:
        message = f"Each entry is at most {MAX_TERM_LENGTH} characters."
        raise ValidationError(message, {name: message})
    terms = _terms(parts)
    if len([p for p in parts if p.strip()]) > MAX_TERMS:
        message = f"At most {MAX_TERMS} entries."
        raise ValidationError(message, {name: message})
    return terms


def _optional_url(value: Any, name: str, label: str) -> str | None:
    text = clean_text(value, name, label=label, max_length=2000, required=False)
    if not text:
        return None
    if not is_http_url(text):
        message = f"{label} must be an http:// or https:// address."
        raise ValidationError(message, {name: message})
    return text


def _check_distributions(rows: Any) -> list[dict[str, Any]]:
    """title/url/format rows; blank rows are dropped, URLs must be http(s)."""
    if rows is None:
        return []
    if not isinstance(rows, (list, tuple)):
        raise ValidationError("Distributions must be a list.", {"distributions": "Give a list of distributions."})
    checked: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            errors[f"distributions-{index}-url"] = "Each distribution needs a URL."
            continue
        title = (row.get("title") or "").strip()
        url = (row.get("url") or "").strip()
        fmt = (row.get("format") or "").strip()
        if not (title or url or fmt):
            continue
        if not url:
            errors[f"distributions-{index}-url"] = "A distribution needs a URL."
        elif len(url) > 2000 or not is_http_url(url):
            errors[f"distributions-{index}-url"] = "The URL must be an http:// or https:// address."
        elif len(title) > 300:
            errors[f"distributions-{index}-title"] = "The title is at most 300 characters."
        elif len(fmt) > 60:
            errors[f"distributions-{index}-format"] = "The format is at most 60 characters."
        else:
            checked.append(
                {"title": title or None, "url": url, "media_type": None, "format": display_format(fmt, None)}
            )
    if errors:
        raise ValidationError("Check the distributions.", errors)
    if len(checked) > MAX_DISTRIBUTIONS:
        message = f"At most {MAX_DISTRIBUTIONS} distributions."
        raise ValidationError(message, {"distributions": message})
    return checked


def _check_dataset_fields(fields: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """Validate the fields present in ``fields`` (all required ones when creating)."""
    unknown = set(fields) - set(DATASET_FIELDS)
    if unknown:
        message = f"Unknown field(s): {', '.join(sorted(unknown))}."
        raise ValidationError(message, dict.fromkeys(unknown, "Not a dataset field."))
    values: dict[str, Any] = {}
    if creating or "title" in fields:
        values["title"] = clean_text(fields.get("title"), "title", max_length=300)
    if "description" in fields:
        values["description"] = clean_text(fields["description"], "description", max_length=20000, required=False)
    for name, limit in (("publisher", 255), ("license", 500), ("contact_name", 255)):
        if name in fields:
            values[name] = clean_text(fields[name], name, max_length=limit, required=False) or None
    if "accrual_periodicity" in fields:
        text = clean_text(
            fields["accrual_periodicity"],
            "accrual_periodicity",
            label="Update frequency",
            max_length=60,
            required=False,
        )
        values["accrual_periodicity"] = text or None
    if "contact_email" in fields:
        email = clean_text(
            fields["contact_email"], "contact_email", label="Contact e-mail", max_length=255, required=False
        )
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            message = "Contact e-mail must be an e-mail address."
            raise ValidationError(message, {"contact_email": message})
        values["contact_email"] = email or None
    for name in ("keywords", "theme"):
        if name in fields:
            values[name] = _split_terms(fields[name], name)
    if "landing_page" in fields:
        values["landing_page"] = _optional_url(fields["landing_page"], "landing_page", "Landing page")
    if "distributions" in fields:
        values["distributions"] = _check_distributions(fields["distributions"])
    if "status" in fields:
        status = (fields["status"] or "").strip().lower()
        if status not in {s.value for s in DatasetStatus}:
            message = "Status must be 'active' or 'withdrawn'."
            raise ValidationError(message, {"status": message})
        values["status"] = status
    return values


def _set_status(dataset: Dataset, status: str, now: datetime) -> None:
    if status == dataset.status:
        return
    dataset.status = status
    dataset.withdrawn_at = now if status == DatasetStatus.WITHDRAWN else None


def create_dataset(actor: Any, fields: Mapping[str, Any]) -> Dataset:
    """Add a dataset by hand (source "manual", a generated source_id); audited.

    ``fields``: title (required), description, publisher, keywords, theme (lists or
    comma-separated), landing_page, license, accrual_periodicity, contact_name,
    contact_email, distributions ([{title, url, format}], http/https only), status.
    """
    require(actor, "manage_datasets")
    values = _check_dataset_fields(fields, creating=True)
    now = utcnow()
    dataset = Dataset(source=MANUAL_SOURCE, source_id=uuid.uuid4().hex, title=values["title"])
    dataset.first_seen_at = dataset.last_seen_at = dataset.created_at = dataset.updated_at = now
    dataset.modified = now
    for name, value in values.items():
        if name == "distributions":
            dataset.distributions = [Distribution(position=i, **row) for i, row in enumerate(value)]
        elif name == "status":
            _set_status(dataset, value, now)
        else:
            setattr(dataset, name, value)
    db.session.add(dataset)
    db.session.flush()
    audit(actor, "dataset.create", "dataset", dataset.id, title=dataset.title)
    return dataset


def update_dataset(actor: Any, dataset: Dataset, fields: Mapping[str, Any]) -> Dataset:
    """Change the fields present in ``fields`` (a PATCH); audited with the changed names.

    Works on imported datasets too, but the next import that sees the dataset writes the
    catalog's values back: an edit clears the content hash, so that import counts it
    as updated rather than unchanged.
    """
    require(actor, "manage_datasets")
    values = _check_dataset_fields(fields, creating=False)
    now = utcnow()
    changed: list[str] = []
    for name, value in values.items():
        if name == "distributions":
            current = [{"title": d.title, "url": d.url, "format": d.format} for d in dataset.distributions]
            wanted = [{"title": r["title"], "url": r["url"], "format": r["format"]} for r in value]
            if current != wanted:
                dataset.distributions = [Distribution(position=i, **row) for i, row in enumerate(value)]
                changed.append(name)
        elif name == "status":
            if value != dataset.status:
                _set_status(dataset, value, now)
                changed.append(name)
        elif getattr(dataset, name) != value:
            setattr(dataset, name, value)
            changed.append(name)
    if changed:
        if dataset.source == MANUAL_SOURCE:
            dataset.modified = now
        else:
            dataset.content_hash = ""
        dataset.updated_at = now
        audit(actor, "dataset.update", "dataset", dataset.id, changed=changed, source=dataset.source)
    return dataset
