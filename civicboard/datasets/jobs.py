"""Importing a catalog: the upsert, and running it as a unit of work (read or fetch, parse, upsert, commit).

:func:`import_catalog` matches parsed records to a source's datasets and adds, updates or
withdraws them. :func:`run_import` wraps it in a transaction, and this is the one place
in the catalog code that commits, on purpose: an import is all or nothing, yet a failed
import must still leave its ImportRun row behind, which is only possible by rolling the
import back and then writing and committing the failure on its own. The command line
(``flask datasets import`` / ``refresh``) and the staff page's "refresh now" button both
go through :func:`run_import`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from civicboard.audit.services import record as audit
from civicboard.datasets import services
from civicboard.datasets.fetch import FetchError, fetch
from civicboard.datasets.importers import (
    SELF_DESCRIPTION,
    CatalogFormatError,
    DatasetRecord,
    ParseResult,
    collect_ckan_search,
    content_hash,
    is_catalog_self_description,
    is_http_url,
    normalise_record,
    parse,
)
from civicboard.datasets.models import CatalogSource, Dataset, DatasetStatus, Distribution, ImportRun
from civicboard.extensions import db
from civicboard.permissions import require
from civicboard.timeutil import utcnow
from civicboard.validation import ValidationError

log = logging.getLogger(__name__)

#: How many skipped records an ImportRun keeps with their reasons (the count is always exact).
MAX_SKIPPED_KEPT = 500


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


def _apply(dataset: Dataset, values: Mapping[str, Any]) -> None:
    """Write normalised values (catalog fields and distributions) onto a dataset."""
    for name in CATALOG_FIELDS:
        setattr(dataset, name, values[name])
    # Replaced, not merged: the delete-orphan cascade removes the old rows.
    dataset.distributions = [Distribution(position=i, **row) for i, row in enumerate(values["distributions"])]


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
    source_name = services.check_source_name(source_name)
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
        format=format if format in services.SOURCE_FORMATS else None,
        started_at=started_at or utcnow(),
        finished_at=utcnow(),
        error=error or "failed",
    )
    db.session.add(run)
    db.session.flush()
    return run


Fetcher = Callable[[str], bytes]


def is_ckan_search(url: str) -> bool:
    """True for a CKAN ``package_search`` action URL, which is read page by page."""
    return urlsplit(url).path.rstrip("/").endswith("/package_search")


def make_fetcher(config: Any = None) -> Fetcher:
    """The safe fetcher with the app's CATALOG_* settings.

    CATALOG_FETCH_TIMEOUT bounds the connection and each read; a whole fetch (one page,
    redirects included) gets four times that.
    """
    config = config if config is not None else current_app.config
    timeout = float(config.get("CATALOG_FETCH_TIMEOUT", 30))
    return functools.partial(
        fetch,
        timeout=timeout,
        total_timeout=4 * timeout,
        max_bytes=int(config.get("CATALOG_MAX_BYTES", 50 * 1024 * 1024)),
        allow_private=bool(config.get("CATALOG_ALLOW_PRIVATE_ADDRESSES", False)),
    )


def load_catalog(
    location: str,
    *,
    format: str = "auto",
    fetcher: Fetcher | None = None,
    allow_files: bool = False,
    max_bytes: int | None = None,
) -> ParseResult:
    """Read and parse a catalog from an http(s) URL or (with ``allow_files``) a file path.

    CKAN ``package_search`` URLs are followed page by page. Raises
    :class:`~civicboard.datasets.ImportFailed` with a readable message for
    anything that stops the import: a refused or failed fetch, an unreadable file, a
    document that is not a catalog.
    """
    if format not in services.SOURCE_FORMATS:
        raise ImportFailed(f"unknown format {format!r}: use one of {', '.join(services.SOURCE_FORMATS)}")
    try:
        if is_http_url(location):
            fetcher = fetcher or make_fetcher()
            if is_ckan_search(location) and format in ("auto", "ckan"):
                return collect_ckan_search(location, fetcher)
            return parse(fetcher(location), format)
        if "://" in location:
            raise ImportFailed(f"cannot import {location}: only http and https URLs are accepted")
        if not allow_files:
            raise ImportFailed(f"cannot import {location}: a catalog source must be an http(s) URL")
        return parse(_read_file(location, max_bytes), format)
    except FetchError as exc:
        raise ImportFailed(f"could not fetch the catalog: {exc}") from exc
    except CatalogFormatError as exc:
        raise ImportFailed(f"not a catalog this board can read: {exc}") from exc


def _read_file(location: str, max_bytes: int | None) -> bytes:
    path = Path(location)
    try:
        if max_bytes is not None and path.stat().st_size > max_bytes:
            raise ImportFailed(f"cannot import {location}: larger than {max_bytes} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"cannot read {location}: {exc.strerror or exc}") from exc


def default_source_name(location: str) -> str:
    """A source name from a URL's host or a file's name: ``data.somervillema.gov``, ``somerville_ma``."""
    if is_http_url(location):
        base = (urlsplit(location).hostname or "").lower()
    else:
        base = Path(location).name.split(".", 1)[0].lower()
    name = "".join(ch if ch.isalnum() or ch in "_.-" else "-" for ch in base).strip("-_.")[:80]
    return name or "catalog"


def run_import(
    source_name: str,
    location: str,
    *,
    format: str = "auto",
    full: bool | None = None,
    actor: Any = None,
    allow_files: bool = False,
    fetcher: Fetcher | None = None,
    progress_factory: Callable[[int], Any] | None = None,
    audit_target: CatalogSource | None = None,
) -> ImportSummary:
    """Import a catalog in one transaction and commit; on failure roll back, record, commit, raise.

    ``full=None`` decides from the document: a single CKAN package or one page of a larger
    result is a partial import (nothing withdrawn), anything else the whole catalog.
    ``progress_factory(total)`` may return a context manager with ``update(n)`` (such as
    ``click.progressbar``). With an ``actor`` the capability is checked first and the run is
    audited against ``audit_target``. Raises ImportFailed, whose ``run`` is the failure's row.
    """
    if actor is not None:
        require(actor, "manage_datasets")
    source_name = services.check_source_name(source_name)
    started = utcnow()
    try:
        result = load_catalog(
            location,
            format=format,
            fetcher=fetcher,
            allow_files=allow_files,
            max_bytes=int(current_app.config.get("CATALOG_MAX_BYTES", 50 * 1024 * 1024)),
        )
        whole = not is_partial(result) if full is None else full
        options = {"full": whole, "actor": actor, "location": location, "started_at": started}
        if progress_factory is not None:
            with progress_factory(len(result.records)) as bar:
                summary = import_catalog(source_name, result, progress=bar.update, **options)
        else:
            summary = import_catalog(source_name, result, **options)
        if actor is not None:
            _audit_refresh(actor, audit_target, summary.run, ok=True)
        db.session.commit()
        return summary
    except (ImportFailed, ValidationError, SQLAlchemyError) as exc:
        db.session.rollback()
        message = exc.message if isinstance(exc, (ImportFailed, ValidationError)) else _db_message(exc)
        run = record_failed_import(source_name, location=location, format=format, error=message, started_at=started)
        if actor is not None:
            _audit_refresh(actor, audit_target, run, ok=False)
        db.session.commit()
        log.warning("catalog import of %s (%s) failed: %s", source_name, location, message)
        raise ImportFailed(message, run=run) from exc


def _db_message(exc: SQLAlchemyError) -> str:
    # The first line names the problem (a unique violation from a concurrent import, say)
    # without the statement and parameters that follow it.
    return "database error: " + str(getattr(exc, "orig", exc)).strip().splitlines()[0]


def _audit_refresh(actor: Any, source: CatalogSource | None, run: Any, *, ok: bool) -> None:
    if source is None:
        return
    audit(
        actor,
        "catalog_source.refresh",
        "catalog_source",
        source.id,
        name=source.name,
        run_id=getattr(run, "id", None),
        ok=ok,
    )


def refresh_source(actor: Any, source: CatalogSource, *, fetcher: Fetcher | None = None) -> ImportSummary:
    """Re-import one configured source now (the staff page's button); audited, commits."""
    require(actor, "manage_datasets")
    return run_import(source.name, source.url, format=source.format, actor=actor, fetcher=fetcher, audit_target=source)


def enabled_sources() -> list[CatalogSource]:
    """The sources `flask datasets refresh` re-imports, by name."""
    return list(
        db.session.execute(select(CatalogSource).where(CatalogSource.enabled.is_(True)).order_by(CatalogSource.name))
        .scalars()
        .all()
    )
