"""CSV and JSON exports of every visible problem, built into stored snapshots batch by batch.

Requests never build an export: they are served from files written in the background (see
"Snapshots" below and civicboard.snapshots). A build reads the board in batches: each batch
is one statement (keyset on id) in an app context of its own, written out and dropped before
the next, so memory stays flat whatever the size of the board.

The licence of user content travels with the data: a top-level "license" object in JSON; in
CSV, which has no place for metadata, a `Link: <url>; rel="license"` header and an `X-License`
header (see docs/open-data.md).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from civicboard import snapshots
from civicboard.csvcells import neutralise
from civicboard.interop.links import site_url
from civicboard.interop.queries import ProblemRecord, export_batch, export_marker, visible_problem_count
from civicboard.interop.text import excerpt
from civicboard.timeutil import isoformat_z, utcnow

DEFAULT_BATCH_SIZE = 500
RESPONSE_EXCERPT_LENGTH = 280

CSV_COLUMNS = [
    "id",
    "title",
    "status",
    "category",
    "neighbourhood",
    "data_request",
    "vote_count",
    "comment_count",
    "dataset_ids",
    "dataset_titles",
    "author",
    "created_at",
    "updated_at",
    "url",
    "latest_response_at",
    "latest_response_department",
    "latest_response_status",
    "latest_response_excerpt",
    "latitude",
    "longitude",
    "address",
    "photo_urls",
]
# Several datasets share one cell: ids separated by ";", titles by " | ".
DATASET_ID_SEPARATOR = ";"
DATASET_TITLE_SEPARATOR = " | "
PHOTO_URL_SEPARATOR = " "
# Coordinates as stored: 6 decimals (about 10 cm), as RFC 7946 recommends.
COORDINATE_DECIMALS = 6


def license_info(name: str, url: str) -> dict[str, str]:
    """The licence statement exports carry."""
    return {
        "name": name,
        "url": url,
        "applies_to": "Problems, data requests and comments contributed by users of this board.",
    }


def iter_batches(app: Flask, size: int) -> Iterator[list[ProblemRecord]]:
    """Every visible problem in id order, one statement (and one short app context) per batch."""
    after_id = 0
    while True:
        with app.app_context():
            batch = export_batch(after_id, size)
        if batch:
            yield batch
        if len(batch) < size:
            return
        after_id = batch[-1].id


def _response_fields(record: ProblemRecord) -> dict[str, Any] | None:
    latest = record.latest_response
    if latest is None:
        return None
    return {
        "created_at": isoformat_z(latest.created_at),
        "department": latest.department,
        "status_to": latest.status_to,
        "excerpt": excerpt(latest.body_html, RESPONSE_EXCERPT_LENGTH),
    }


def photo_urls(record: ProblemRecord, root: str) -> list[str]:
    """The problem's public photos, absolute (re-encoded files without metadata)."""
    return [f"{root}/photos/{key}" for key in record.photo_keys]


def location_of(record: ProblemRecord) -> dict[str, float] | None:
    """{"lat", "lon"} of a located problem, else None."""
    if record.latitude is None or record.longitude is None:
        return None
    return {"lat": record.latitude, "lon": record.longitude}


def json_item(record: ProblemRecord, root: str) -> dict[str, Any]:
    """One problem as an item of the JSON export."""
    return {
        "id": record.id,
        "title": record.title,
        "status": record.status,
        "category": record.category_name,
        "neighbourhood": record.neighbourhood,
        "data_request": record.data_request,
        "vote_count": record.vote_count,
        "comment_count": record.comment_count,
        "datasets": [{"id": dataset_id, "title": title} for dataset_id, title in record.datasets],
        "author": {"name": record.author_name},
        "created_at": isoformat_z(record.created_at),
        "updated_at": isoformat_z(record.updated_at),
        "url": f"{root}/problems/{record.id}",
        "latest_response": _response_fields(record),
        "location": location_of(record),
        "address": record.address,
        "photos": photo_urls(record, root),
    }


def csv_row(record: ProblemRecord, root: str) -> list[Any]:
    """One problem as a CSV row (text cells neutralised against formula injection)."""
    response = _response_fields(record) or {}
    row = [
        record.id,
        record.title,
        record.status,
        record.category_name or "",
        record.neighbourhood or "",
        record.data_request or "",
        record.vote_count,
        record.comment_count,
        DATASET_ID_SEPARATOR.join(str(dataset_id) for dataset_id, _ in record.datasets),
        DATASET_TITLE_SEPARATOR.join(title for _, title in record.datasets),
        record.author_name,
        isoformat_z(record.created_at),
        isoformat_z(record.updated_at),
        f"{root}/problems/{record.id}",
        response.get("created_at") or "",
        response.get("department") or "",
        response.get("status_to") or "",
        response.get("excerpt") or "",
        "" if record.latitude is None else f"{record.latitude:.{COORDINATE_DECIMALS}f}",
        "" if record.longitude is None else f"{record.longitude:.{COORDINATE_DECIMALS}f}",
        record.address or "",
        PHOTO_URL_SEPARATOR.join(photo_urls(record, root)),
    ]
    return [neutralise(cell) for cell in row]


def stream_csv(app: Flask, root: str, batch_size: int = DEFAULT_BATCH_SIZE) -> Iterator[str]:
    """The CSV export (RFC 4180: CRLF line ends, a header row), one chunk per batch.

    `root` is the site's absolute URL without a trailing slash, for each problem's `url`.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for batch in iter_batches(app, batch_size):
        writer.writerows(csv_row(record, root) for record in batch)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def stream_json(
    app: Flask, root: str, license_name: str, license_url: str, batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[str]:
    """The JSON export: {"license": {...}, "generated_at": ..., "items": [...]}, one chunk per batch."""
    head = {"license": license_info(license_name, license_url), "generated_at": isoformat_z(utcnow())}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "items": ['
    first = True
    for batch in iter_batches(app, batch_size):
        chunk = ",".join("\n" + json.dumps(json_item(record, root), ensure_ascii=False) for record in batch)
        yield chunk if first else "," + chunk
        first = False
    yield "\n]}\n"


def geojson_feature(record: ProblemRecord, root: str) -> dict[str, Any] | None:
    """A located problem as an RFC 7946 Feature (a Point, [longitude, latitude]); None when not located."""
    if record.latitude is None or record.longitude is None:
        return None
    item = json_item(record, root)
    del item["location"]
    return {
        "type": "Feature",
        "id": record.id,
        "geometry": {
            "type": "Point",
            "coordinates": [round(record.longitude, COORDINATE_DECIMALS), round(record.latitude, COORDINATE_DECIMALS)],
        },
        "properties": item,
    }


def stream_geojson(
    app: Flask, root: str, license_name: str, license_url: str, batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[str]:
    """The GeoJSON export: a FeatureCollection of located, visible problems, one chunk per batch.

    The licence and build time travel as foreign members, which RFC 7946 allows.
    """
    head = {
        "type": "FeatureCollection",
        "license": license_info(license_name, license_url),
        "generated_at": isoformat_z(utcnow()),
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ['
    first = True
    for batch in iter_batches(app, batch_size):
        features = [feature for feature in (geojson_feature(record, root) for record in batch) if feature]
        if not features:
            continue
        chunk = ",".join("\n" + json.dumps(feature, ensure_ascii=False) for feature in features)
        yield chunk if first else "," + chunk
        first = False
    yield "\n]}\n"


# -- Snapshots --------------------------------------------------------------------------------
#
# Every format is written together, each beside a gzip copy, then a manifest records when they
# were built and the change marker they were built from (interop.queries.export_marker). A
# build is skipped when the marker has not moved; the schedule (worker or web thread) looks at
# most every EXPORT_INTERVAL seconds.

LOCK_NAME = "exports"
MANIFEST_NAME = "exports.json"
DEFAULT_INTERVAL = 15 * 60
DEFAULT_INLINE_MAX_PROBLEMS = 2000
RETRY_AFTER_SECONDS = 30
BUILT, UNCHANGED, BUSY, FRESH = "built", "unchanged", "busy", "fresh"


@dataclass(frozen=True)
class Format:
    """One export format: its file name and how it is served."""

    filename: str
    content_type: str
    disposition: str


FORMATS = {
    "csv": Format("problems.csv", "text/csv; charset=utf-8; header=present", 'attachment; filename="problems.csv"'),
    "json": Format("problems.json", "application/json; charset=utf-8", 'inline; filename="problems.json"'),
    "geojson": Format("problems.geojson", "application/geo+json; charset=utf-8", 'inline; filename="problems.geojson"'),
}


def interval(app: Flask) -> int:
    """Seconds between two looks at the board for a new export (EXPORT_INTERVAL)."""
    return int(app.config.get("EXPORT_INTERVAL", DEFAULT_INTERVAL))


def manifest(app: Flask) -> dict[str, Any] | None:
    """What was last built: {"built_at", "checked_at", "marker", "problems"}, or None."""
    return snapshots.read_json(snapshots.folder(app) / MANIFEST_NAME)


def built_at(app: Flask) -> datetime | None:
    """When the stored export was built (its `modified` time), or None if there is none yet."""
    stored = manifest(app)
    return datetime.fromisoformat(stored["built_at"]) if stored else None


def stored_file(app: Flask, fmt: str, gzipped: bool = False) -> Path | None:
    """The stored file for a format (its gzip copy if asked), or None when none was built."""
    path = snapshots.folder(app) / (FORMATS[fmt].filename + (".gz" if gzipped else ""))
    return path if path.exists() else None


def _write(folder: Path, filename: str, chunks: Iterable[str]) -> None:
    # The plain file and its gzip copy in one pass; each appears (renamed) only when complete.
    with (
        snapshots.write_atomically(folder / filename) as plain,
        snapshots.write_atomically(folder / f"{filename}.gz") as packed,
        gzip.GzipFile(filename=filename, fileobj=packed, mode="wb", mtime=0) as zipped,
    ):
        for chunk in chunks:
            data = chunk.encode("utf-8")
            plain.write(data)
            zipped.write(data)


def build(app: Flask, *, force: bool = False) -> str:
    """Build both exports unless nothing changed since the last build (or `force`).

    Runs inside an app context. Returns BUILT, UNCHANGED, or BUSY when another builder holds
    the lock (it skips rather than waits: that builder's snapshot will do).
    """
    with snapshots.build_lock(app, LOCK_NAME) as held:
        if not held:
            return BUSY
        marker = export_marker()
        stored = manifest(app)
        now = utcnow()
        complete = all(stored_file(app, fmt) and stored_file(app, fmt, True) for fmt in FORMATS)
        if stored and complete and stored.get("marker") == marker and not force:
            snapshots.write_json(snapshots.folder(app) / MANIFEST_NAME, {**stored, "checked_at": now.isoformat()})
            return UNCHANGED
        folder, root, size = snapshots.folder(app), site_url(""), batch_size(app)
        config = app.config
        _write(folder, FORMATS["csv"].filename, stream_csv(app, root, size))
        json_chunks = stream_json(app, root, config["CONTENT_LICENSE_NAME"], config["CONTENT_LICENSE_URL"], size)
        _write(folder, FORMATS["json"].filename, json_chunks)
        geojson_chunks = stream_geojson(app, root, config["CONTENT_LICENSE_NAME"], config["CONTENT_LICENSE_URL"], size)
        _write(folder, FORMATS["geojson"].filename, geojson_chunks)
        document = {"built_at": now.isoformat(), "checked_at": now.isoformat(), "marker": marker}
        snapshots.write_json(folder / MANIFEST_NAME, document)
        return BUILT


def is_due(app: Flask) -> bool:
    """Whether EXPORT_INTERVAL has passed since the board was last looked at for the export."""
    stored = manifest(app)
    if stored is None:
        return True
    checked = datetime.fromisoformat(stored.get("checked_at") or stored["built_at"])
    return utcnow() - checked >= timedelta(seconds=interval(app))


def refresh(app: Flask) -> str:
    """The scheduled job: build if EXPORT_INTERVAL has passed and the board changed (else FRESH)."""
    return build(app) if is_due(app) else FRESH


def batch_size(app: Flask) -> int:
    """Problems per statement while building (EXPORT_BATCH_SIZE)."""
    return int(app.config.get("EXPORT_BATCH_SIZE") or DEFAULT_BATCH_SIZE)


def may_build_inline(app: Flask) -> bool:
    """A board this small may have its first export built inside a request (EXPORT_INLINE_MAX_PROBLEMS)."""
    limit = int(app.config.get("EXPORT_INLINE_MAX_PROBLEMS", DEFAULT_INLINE_MAX_PROBLEMS))
    return visible_problem_count() <= limit


def refresh_in_background() -> bool:
    """Start a refresh in a thread of this process if one is due and none is running."""
    app = current_app._get_current_object()
    if not snapshots.background_enabled(app) or not is_due(app):
        return False
    return snapshots.start_background(app, LOCK_NAME, lambda: refresh(app))


def build_in_background() -> bool:
    """Start a first build in a thread of this process (none is stored yet)."""
    app = current_app._get_current_object()
    if not snapshots.background_enabled(app):
        return False
    return snapshots.start_background(app, LOCK_NAME, lambda: build(app))
