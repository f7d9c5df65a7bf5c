"""Importing a catalog: the upsert, and running it as a unit of work (read or fetch, parse, upsert, commit).

:func:`import_catalog` matches parsed records to a source's datasets and adds, updates or
withdraws them. :func:`run_import` wraps it in a transaction, and this is the one place
in the catalog code that commits, on purpose: an import is all or nothing, yet a failed
import must still leave its ImportRun row behind, which is only possible by rolling the
import back and then writing and committing the failure on its own. The command line
(``flask datasets import`` / ``refresh``) and the staff page's "refresh now" button both
go through :func:`run_import`.

A staff refresh never runs inside the request: :func:`queue_refresh` writes a queued
ImportRun, and a runner executes it with :func:`execute_run`, which claims the run
(queued -> running) in one conditional UPDATE, so any number of runners may poll
:func:`queued_run_ids`. :func:`dispatch` hands the run to the worker (CATALOG_RUNNER=worker,
the default: `flask worker` executes it), to one background thread of the web process
("thread"), or leaves it for ``flask datasets run-queued`` ("off"). The worker also
re-imports every enabled source nightly (:func:`refresh_all`, as ``flask datasets refresh``).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from huey import crontab
from sqlalchemy import func, select, update
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
from civicboard.datasets.models import (
    ACTIVE_RUN_STATUSES,
    CatalogSource,
    Dataset,
    DatasetStatus,
    Distribution,
    ImportRun,
    RunStatus,
)
from civicboard.extensions import db
from civicboard.outbox.worker import huey, in_app_context
from civicboard.permissions import Capability, require
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError, ValidationError

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
    #: How the source was chosen when the command line did not name one.
    source_reason: str | None = None

    @property
    def skipped_count(self) -> int:
        return len(self.skipped)

    def line(self) -> str:
        """added N, updated N, unchanged N, withdrawn N, skipped N."""
        return (
            f"added {self.added}, updated {self.updated}, unchanged {self.unchanged}, "
            f"withdrawn {self.withdrawn}, skipped {self.skipped_count}"
        )


class MassWithdrawalRefused(ImportFailed):
    """A full import that would withdraw more than half of a source's active datasets."""


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
    held = len(result.records) + sum(1 for _record, reason in result.skipped if reason != "duplicate identifier")
    if result.format == "ckan" and result.count is None:
        return True
    return result.count is not None and result.count > held


def check_withdrawals(source_name: str, withdrawing: int, active: int) -> None:
    """Refuse an import that would withdraw more than half of a source's active datasets.

    A truncated download or the wrong file looks, to the importer, exactly like a catalog
    that lost most of its datasets; the operator says which it is with
    ``--allow-mass-withdrawal``. Raises :class:`MassWithdrawalRefused`.
    """
    if withdrawing * 2 <= active:
        return
    raise MassWithdrawalRefused(
        f"this import would withdraw {withdrawing} of the {active} active datasets of {source_name} "
        "(more than half), which usually means a truncated download or the wrong file; nothing was changed. "
        "If the catalog really shrank, import it with --allow-mass-withdrawal "
        f"(flask datasets import SOURCE --source {source_name} --allow-mass-withdrawal)."
    )


def _prepare(
    items: Iterable[DatasetRecord], summary: ImportSummary, progress: Callable[[int], None] | None
) -> dict[str, dict[str, Any]]:
    """Normalised values keyed by source_id, in document order; refused records go to ``summary.skipped``."""
    prepared: dict[str, dict[str, Any]] = {}
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
        if values["source_id"] in prepared:
            summary.skipped.append((values["source_id"], "duplicate identifier"))
            continue
        prepared[values["source_id"]] = values
    return prepared


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
    allow_mass_withdrawal: bool = False,
    run: ImportRun | None = None,
) -> ImportSummary:
    """Upsert a parsed catalog into the datasets of ``source_name``; returns what changed.

    Records are matched on (source, source_id): new ones are added, changed ones (by
    content hash) updated with their distributions replaced, the rest left unchanged
    (only ``last_seen_at`` moves). With ``full=True`` the document is the whole catalog,
    so active datasets of the source that it lacks are withdrawn (never deleted); a
    later import that sees them again reactivates them. A full import that would
    withdraw more than half of the source's active datasets raises
    :class:`MassWithdrawalRefused` before writing anything, unless
    ``allow_mass_withdrawal``. The run is recorded in ``run`` (a queued run being
    executed) or a new ImportRun, in the same transaction; nothing is committed here.
    """
    if actor is not None:
        require(actor, Capability.MANAGE_DATASETS)
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
    prepared = _prepare(items, summary, progress)
    missing = [
        dataset
        for source_id, dataset in existing.items()
        if source_id not in prepared and dataset.status == DatasetStatus.ACTIVE
    ]
    if full and not allow_mass_withdrawal:
        active = sum(1 for dataset in existing.values() if dataset.status == DatasetStatus.ACTIVE)
        check_withdrawals(source_name, len(missing), active)

    untouched_ids: list[int] = []
    for source_id, values in prepared.items():
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
        for dataset in missing:
            dataset.status = DatasetStatus.WITHDRAWN.value
            dataset.withdrawn_at = now
            summary.withdrawn += 1

    if run is None:
        run = ImportRun(queued_at=started_at or now, started_at=started_at or now)
        db.session.add(run)
    run.source = source_name
    run.location = (location or "")[:2000]
    run.format = format
    run.status = RunStatus.SUCCEEDED.value
    run.finished_at = utcnow()
    run.added, run.updated, run.unchanged = summary.added, summary.updated, summary.unchanged
    run.withdrawn, run.skipped = summary.withdrawn, summary.skipped_count
    run.skipped_reasons = [list(item) for item in summary.skipped[:MAX_SKIPPED_KEPT]]
    run.error = None
    summary.run = run
    db.session.flush()
    return summary


def record_failed_import(
    source_name: str,
    *,
    location: str,
    format: str | None,
    error: str,
    started_at: datetime | None = None,
    run_id: int | None = None,
) -> ImportRun:
    """Record an import that failed (call after rolling the import back): on run ``run_id``, or a new run."""
    run = db.session.get(ImportRun, run_id) if run_id is not None else None
    if run is None:
        run = ImportRun(
            source=(source_name or "?")[:80],
            location=(location or "")[:2000],
            format=format if format in services.SOURCE_FORMATS else None,
            queued_at=started_at or utcnow(),
            started_at=started_at or utcnow(),
        )
        db.session.add(run)
    run.status = RunStatus.FAILED.value
    run.finished_at = utcnow()
    run.error = error or "failed"
    db.session.flush()
    return run


# --------------------------------------------------------------------------- #
# Reading a catalog
# --------------------------------------------------------------------------- #

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


# --------------------------------------------------------------------------- #
# Which source a document belongs to
# --------------------------------------------------------------------------- #


def _slug(text: str) -> str:
    name = "".join(ch if ch.isalnum() or ch in "_.-" else "-" for ch in text.lower())
    return "-".join(part for part in name.split("-") if part).strip("_.")[:80].strip("-_.")


def _host(url: str | None) -> str | None:
    if not is_http_url(url):
        return None
    try:
        return (urlsplit(url).hostname or "").lower() or None
    except ValueError:
        return None


def _most_common(values: Iterable[str | None], *, of: int = 0) -> str | None:
    """The most frequent value, ties broken alphabetically so the choice is stable.

    With ``of`` (a number of records), only a value named by at least half of them counts.
    """
    counts = Counter(value for value in values if value)
    if not counts:
        return None
    best = min(counts, key=lambda value: (-counts[value], value))
    return best if counts[best] * 2 >= of else None


def identify_catalog(result: ParseResult) -> tuple[str, str] | None:
    """A source name that identifies the catalog a document holds, and what it was read from.

    In order: the host of the catalog's own address (the entry a Socrata data.json has
    about itself); the host most of its dataset identifiers and landing pages name; the
    publisher at least half of its datasets name; the host most of its download links
    name; any publisher. None when the document names none of these. Download hosts come
    after a common publisher because many cities' files sit on the same shared hosting.
    """
    records = result.records
    own = _most_common(_host(r.source_id) for r in records if is_catalog_self_description(r))
    if own:
        return own, "the catalog's own address"
    host = _most_common(_host(url) for r in records for url in (r.source_id, r.landing_page))
    if host:
        return host, "the host of its dataset identifiers and landing pages"
    publishers = [_slug(r.publisher) for r in records if r.publisher]
    publisher = _most_common(publishers, of=len(records))
    if publisher:
        return publisher, "its publisher"
    host = _most_common(_host(d.url) for r in records for d in r.distributions)
    if host:
        return host, "the host of its download links"
    publisher = _most_common(publishers)
    if publisher:
        return publisher, "its publisher"
    return None


def fallback_source_label(location: str) -> str:
    """A label for a run that failed before its catalog could be identified: a URL's host or a file's name."""
    if is_http_url(location):
        return _slug(_host(location) or "") or "catalog"
    return _slug(Path(location).name) or "catalog"


def source_for_document(location: str, result: ParseResult) -> tuple[str, str]:
    """The source a document is imported into when none is named, and why (for the summary).

    A URL's host names its catalog. A file's name does not (every city's catalog may be
    called ``data.json``), so a file is identified by its content (:func:`identify_catalog`);
    when that names the host of a configured source's URL, the configured source is used.
    Raises ImportFailed when the file cannot be identified.
    """
    if is_http_url(location):
        return fallback_source_label(location), "the host of the URL"
    found = identify_catalog(result)
    if found is None:
        raise ImportFailed(
            f"cannot tell which catalog {Path(location).name} holds (its datasets name no publisher "
            "and no web address): name its source with --source"
        )
    name, reason = _slug(found[0]) or "catalog", found[1]
    for source in db.session.execute(select(CatalogSource).order_by(CatalogSource.name)).scalars():
        if _host(source.url) == name:
            return source.name, f"the configured source whose address is on {name}"
    return name, reason


# --------------------------------------------------------------------------- #
# Running an import
# --------------------------------------------------------------------------- #


def run_import(
    source_name: str | None,
    location: str,
    *,
    format: str = "auto",
    full: bool | None = None,
    allow_files: bool = False,
    allow_mass_withdrawal: bool = False,
    fetcher: Fetcher | None = None,
    progress_factory: Callable[[int], Any] | None = None,
    run_id: int | None = None,
) -> ImportSummary:
    """Import a catalog in one transaction and commit; on failure roll back, record, commit, raise.

    ``source_name=None`` names the source from the document (:func:`source_for_document`;
    the summary's ``source_reason`` says how). ``full=None`` decides from the document: a
    single CKAN package or one page of a larger result is a partial import (nothing
    withdrawn), anything else the whole catalog. ``progress_factory(total)`` may return a
    context manager with ``update(n)`` (such as ``click.progressbar``). ``run_id`` is a
    queued run being executed, which records the outcome. Raises ImportFailed, whose
    ``run`` is the failure's row.
    """
    if source_name is not None:
        source_name = services.check_source_name(source_name)
    started = utcnow()
    label = source_name or fallback_source_label(location)
    try:
        result = load_catalog(
            location,
            format=format,
            fetcher=fetcher,
            allow_files=allow_files,
            max_bytes=int(current_app.config.get("CATALOG_MAX_BYTES", 50 * 1024 * 1024)),
        )
        reason = None
        if source_name is None:
            source_name, reason = source_for_document(location, result)
            label = source_name
        whole = not is_partial(result) if full is None else full
        options = {
            "full": whole,
            "location": location,
            "started_at": started,
            "allow_mass_withdrawal": allow_mass_withdrawal,
            "run": db.session.get(ImportRun, run_id) if run_id is not None else None,
        }
        if progress_factory is not None:
            with progress_factory(len(result.records)) as bar:
                summary = import_catalog(source_name, result, progress=bar.update, **options)
        else:
            summary = import_catalog(source_name, result, **options)
        summary.source_reason = reason
        db.session.commit()
        return summary
    except (ImportFailed, ValidationError, SQLAlchemyError) as exc:
        db.session.rollback()
        message = exc.message if isinstance(exc, (ImportFailed, ValidationError)) else _db_message(exc)
        run = record_failed_import(
            label, location=location, format=format, error=message, started_at=started, run_id=run_id
        )
        db.session.commit()
        log.warning("catalog import of %s (%s) failed: %s", label, location, message)
        failure = type(exc) if isinstance(exc, ImportFailed) else ImportFailed
        raise failure(message, run=run) from exc


def _db_message(exc: SQLAlchemyError) -> str:
    # The first line names the problem (a unique violation from a concurrent import, say)
    # without the statement and parameters that follow it.
    return "database error: " + str(getattr(exc, "orig", exc)).strip().splitlines()[0]


# --------------------------------------------------------------------------- #
# Runs in the background: queued by staff, claimed and executed by a runner
# --------------------------------------------------------------------------- #


def stale_after(config: Any = None) -> timedelta:
    """How long a run may stay queued or running before it counts as abandoned (CATALOG_RUN_STALE_SECONDS)."""
    config = config if config is not None else current_app.config
    return timedelta(seconds=float(config.get("CATALOG_RUN_STALE_SECONDS", 1800)))


def expire_stale_runs(source_name: str | None = None, *, now: datetime | None = None) -> int:
    """Mark runs queued or running for longer than :func:`stale_after` as failed; returns how many.

    A run is left "running" when the process executing it dies (a restart, a crash); it
    must not make its source look busy for ever.
    """
    now = now or utcnow()
    limit = stale_after()
    cutoff = now - limit
    conditions = [
        ImportRun.status.in_(ACTIVE_RUN_STATUSES),
        func.coalesce(ImportRun.started_at, ImportRun.queued_at) < cutoff,
    ]
    if source_name is not None:
        conditions.append(ImportRun.source == source_name)
    minutes = max(1, round(limit.total_seconds() / 60))
    result = db.session.execute(
        update(ImportRun)
        .where(*conditions)
        .values(
            status=RunStatus.FAILED.value,
            finished_at=now,
            error=f"abandoned: no result after {minutes} minute(s); the process running it stopped",
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def active_run(source_name: str) -> ImportRun | None:
    """The source's run that is queued or running (and not stale), if any."""
    return db.session.execute(
        select(ImportRun)
        .where(ImportRun.source == source_name, ImportRun.status.in_(ACTIVE_RUN_STATUSES))
        .order_by(ImportRun.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def queue_refresh(actor: Any, source: CatalogSource) -> ImportRun:
    """Queue a re-import of ``source`` (the staff page's "refresh now"); audited, not committed.

    Stale runs of the source are expired first; a run that is still queued or running
    makes this a ConflictError, so a double click does not import twice. The caller
    commits, then hands the run to :func:`dispatch`.
    """
    require(actor, Capability.MANAGE_DATASETS)
    expire_stale_runs(source.name)
    busy = active_run(source.name)
    if busy is not None:
        if busy.status == RunStatus.RUNNING.value:
            message = _("A refresh of %(name)s is already running; its result will appear below.", name=source.name)
        else:
            message = _("A refresh of %(name)s is already queued; its result will appear below.", name=source.name)
        raise ConflictError(message)
    now = utcnow()
    run = ImportRun(
        source=source.name,
        location=source.url,
        format=source.format,
        status=RunStatus.QUEUED.value,
        requested_by_id=getattr(actor, "id", None),
        queued_at=now,
        started_at=None,
    )
    db.session.add(run)
    db.session.flush()
    audit(actor, "catalog_source.refresh", "catalog_source", source.id, name=source.name, run_id=run.id)
    return run


def claim_run(run_id: int) -> bool:
    """Move a queued run to running and commit; False when another runner claimed it first.

    One conditional UPDATE, so two runners (threads, worker processes, hosts) never both
    execute the same run.
    """
    result = db.session.execute(
        update(ImportRun)
        .where(ImportRun.id == run_id, ImportRun.status == RunStatus.QUEUED.value)
        .values(status=RunStatus.RUNNING.value, started_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def execute_run(run_id: int, *, fetcher: Fetcher | None = None) -> ImportRun | None:
    """Claim a queued run and import its source's catalog; the run records success or failure.

    Returns the finished run, or None when the run was not queued (claimed elsewhere,
    or expired). Staff refreshes never withdraw more than half of a source: the refusal
    is the run's error.
    """
    if not claim_run(run_id):
        return None
    run = db.session.get(ImportRun, run_id)
    source_name, location, fmt = run.source, run.location, run.format or "auto"
    # A failure is recorded on the run by run_import; nobody is waiting for the exception.
    with contextlib.suppress(ImportFailed):
        run_import(source_name, location, format=fmt, fetcher=fetcher or make_fetcher(), run_id=run_id)
    db.session.expire_all()
    return db.session.get(ImportRun, run_id)


def queued_run_ids() -> list[int]:
    """Queued runs, oldest first: what a runner picks up."""
    return list(
        db.session.execute(
            select(ImportRun.id).where(ImportRun.status == RunStatus.QUEUED.value).order_by(ImportRun.id)
        ).scalars()
    )


def run_queued(*, fetcher: Fetcher | None = None) -> list[ImportRun]:
    """Execute every queued run in this process (``flask datasets run-queued``); returns the finished ones."""
    expire_stale_runs()
    db.session.commit()
    finished = []
    for run_id in queued_run_ids():
        run = execute_run(run_id, fetcher=fetcher)
        if run is not None:
            finished.append(run)
    return finished


_runner: ThreadPoolExecutor | None = None
_runner_lock = threading.Lock()


def _background_runner() -> ThreadPoolExecutor:
    """One thread per process: imports are heavy, and one at a time keeps the web workers responsive."""
    global _runner
    with _runner_lock:
        if _runner is None:
            _runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="catalog-import")
        return _runner


def _execute_in_app(app: Any, run_id: int) -> None:
    with app.app_context():
        try:
            execute_run(run_id)
        except Exception:  # a runner thread must never die silently; the run expires as stale
            log.exception("catalog import run %s crashed", run_id)


def dispatch(run_id: int) -> Future | None:
    """Hand a committed queued run to its runner (CATALOG_RUNNER).

    "worker": a task on the worker's queue (`flask worker` executes it); "thread": this
    process's background thread (returns the future, which only tests wait on); "off": the
    run stays queued for ``flask datasets run-queued``. A queue that cannot be reached leaves
    the run queued too; it is logged, and the run expires as stale if nobody runs it.
    """
    app = current_app._get_current_object()
    runner = app.config.get("CATALOG_RUNNER", "worker")
    if runner == "worker":
        try:
            execute_in_worker(run_id)
        except Exception:
            log.exception("Could not queue catalog run %s for the worker", run_id)
        return None
    if runner != "thread":
        return None
    return _background_runner().submit(_execute_in_app, app, run_id)


@huey.task()
def execute_in_worker(run_id: int) -> None:
    """The worker's side of "Refresh now": execute one queued run (claimed once, whoever else tries)."""
    in_app_context(lambda: execute_run(run_id))


@huey.periodic_task(crontab(minute="15", hour="3"))
def nightly_refresh() -> None:
    """Every night at 03:15 UTC: re-import every enabled catalog source, as `flask datasets refresh`."""
    in_app_context(refresh_all)


def refresh_all(
    *,
    allow_mass_withdrawal: bool = False,
    progress_factory: Callable[[int], Any] | None = None,
    report: Callable[[str, ImportSummary | None, str | None], None] | None = None,
) -> tuple[int, list[str]]:
    """Re-import every enabled source, one transaction each; (how many sources, names that failed).

    Sources named in CATALOG_SOURCES are added first if missing (ValueError or
    ValidationError when that setting is malformed). ``report(name, summary, error)`` is
    called after each source; without it, outcomes are logged.
    """
    pairs = services.parse_config_sources(current_app.config.get("CATALOG_SOURCES"))
    services.sync_config_sources(pairs)
    db.session.commit()
    sources = [(s.name, s.url, s.format) for s in enabled_sources()]
    failed = []
    for name, url, fmt in sources:
        try:
            summary = run_import(
                name, url, format=fmt, allow_mass_withdrawal=allow_mass_withdrawal, progress_factory=progress_factory
            )
        except ImportFailed as exc:
            failed.append(name)
            if report is not None:
                report(name, None, exc.message)
            continue
        if report is not None:
            report(name, summary, None)
        else:
            log.info("catalog refresh of %s: %s", name, summary.line())
    return len(sources), failed


def wait_for_background(timeout: float = 30) -> None:
    """Block until every run dispatched so far in this process has finished (tests, shutdown)."""
    _background_runner().submit(lambda: None).result(timeout=timeout)


def enabled_sources() -> list[CatalogSource]:
    """The sources `flask datasets refresh` re-imports, by name."""
    return list(
        db.session.execute(select(CatalogSource).where(CatalogSource.enabled.is_(True)).order_by(CatalogSource.name))
        .scalars()
        .all()
    )
