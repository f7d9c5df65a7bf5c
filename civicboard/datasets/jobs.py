"""Running an import as a unit of work: read or fetch, parse, upsert, commit; or record the failure.

This is the one place in the catalog code that commits, and it does so on purpose: an
import is all or nothing (one transaction), yet a failed import must still leave its
ImportRun row behind, which is only possible by rolling the import back and then
writing and committing the failure on its own. The command line (``flask datasets
import`` / ``refresh``) and the staff page's "refresh now" button both go through
:func:`run_import`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from civicboard.audit.services import record as audit
from civicboard.datasets import services
from civicboard.datasets.fetch import FetchError, fetch
from civicboard.datasets.importers import CatalogFormatError, ParseResult, collect_ckan_search, is_http_url, parse
from civicboard.datasets.models import CatalogSource
from civicboard.extensions import db
from civicboard.permissions import require
from civicboard.timeutil import utcnow
from civicboard.validation import ValidationError

log = logging.getLogger(__name__)

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
    :class:`~civicboard.datasets.services.ImportFailed` with a readable message for
    anything that stops the import: a refused or failed fetch, an unreadable file, a
    document that is not a catalog.
    """
    if format not in services.SOURCE_FORMATS:
        raise services.ImportFailed(f"unknown format {format!r}: use one of {', '.join(services.SOURCE_FORMATS)}")
    try:
        if is_http_url(location):
            fetcher = fetcher or make_fetcher()
            if is_ckan_search(location) and format in ("auto", "ckan"):
                return collect_ckan_search(location, fetcher)
            return parse(fetcher(location), format)
        if "://" in location:
            raise services.ImportFailed(f"cannot import {location}: only http and https URLs are accepted")
        if not allow_files:
            raise services.ImportFailed(f"cannot import {location}: a catalog source must be an http(s) URL")
        return parse(_read_file(location, max_bytes), format)
    except FetchError as exc:
        raise services.ImportFailed(f"could not fetch the catalog: {exc}") from exc
    except CatalogFormatError as exc:
        raise services.ImportFailed(f"not a catalog this board can read: {exc}") from exc


def _read_file(location: str, max_bytes: int | None) -> bytes:
    path = Path(location)
    try:
        if max_bytes is not None and path.stat().st_size > max_bytes:
            raise services.ImportFailed(f"cannot import {location}: larger than {max_bytes} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise services.ImportFailed(f"cannot read {location}: {exc.strerror or exc}") from exc


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
) -> services.ImportSummary:
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
        whole = not services.is_partial(result) if full is None else full
        options = {"full": whole, "actor": actor, "location": location, "started_at": started}
        if progress_factory is not None:
            with progress_factory(len(result.records)) as bar:
                summary = services.import_catalog(source_name, result, progress=bar.update, **options)
        else:
            summary = services.import_catalog(source_name, result, **options)
        if actor is not None:
            _audit_refresh(actor, audit_target, summary.run, ok=True)
        db.session.commit()
        return summary
    except (services.ImportFailed, ValidationError, SQLAlchemyError) as exc:
        db.session.rollback()
        message = exc.message if isinstance(exc, (services.ImportFailed, ValidationError)) else _db_message(exc)
        run = services.record_failed_import(
            source_name, location=location, format=format, error=message, started_at=started
        )
        if actor is not None:
            _audit_refresh(actor, audit_target, run, ok=False)
        db.session.commit()
        log.warning("catalog import of %s (%s) failed: %s", source_name, location, message)
        raise services.ImportFailed(message, run=run) from exc


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


def refresh_source(actor: Any, source: CatalogSource, *, fetcher: Fetcher | None = None) -> services.ImportSummary:
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
