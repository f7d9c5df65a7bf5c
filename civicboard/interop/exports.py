"""CSV and JSON exports of every visible problem, streamed batch by batch.

Each batch is one statement (keyset on id), written out and dropped before the next, so memory
stays flat whatever the size of the board. The body is produced after the view has returned,
when the request's context is gone: each batch runs in an app context of its own, opened and
closed between two yields (a context held open across a yield would leak to whatever runs next).

The licence of user content travels with the data: a top-level "license" object in JSON; in
CSV, which has no place for metadata, a `Link: <url>; rel="license"` header and an `X-License`
header (see README, "Open data").
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from flask import Flask

from civicboard.csvcells import neutralise
from civicboard.interop.queries import ProblemRecord, export_batch
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
]
# Several datasets share one cell: ids separated by ";", titles by " | ".
DATASET_ID_SEPARATOR = ";"
DATASET_TITLE_SEPARATOR = " | "


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
