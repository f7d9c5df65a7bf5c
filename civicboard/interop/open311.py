"""Open311 GeoReport v2, read-only and JSON only: problems seen as service requests.

Mapping (see docs/open-data.md): a service is an active category (service_code = its slug);
a service request is a visible problem. `status` is "closed" for resolved, declined and
duplicate problems, else "open". `status_notes` is the latest official response as plain
text, and `agency_responsible` its department (else the category's department). `lat`/`long` are the
problem's point (null when it has none), `address` its address line (else its neighbourhood),
and `media_url` its first public photo.

POST requests.json (form fields of the specification) creates a problem as the account whose
personal API token is `api_key`: `service_code` names the category, `lat`/`long` and
`address_string` its place, `description` its text, `media_url` a photo elsewhere (linked from
the description, never fetched); `attribute[...]`, `email`, names and `device_id` are ignored.
It is tied to the category's default datasets, or else recorded as a data request for staff
to tie. The answer is `[{"service_request_id": ..., "service_notice": ..., "account_id": null}]`.

Beyond the specification: `page` and `page_size` (default 50, at most 200) page the list,
newest first, with a `Link: rel="next"` header; no implicit 90-day window is applied.
Errors use the specification's shape: `[{"code": 400, "description": "..."}]`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from civicboard.extensions import db
from civicboard.interop.links import site_url_for
from civicboard.interop.queries import MAX_ID, VISIBLE, ProblemRecord, problem_records
from civicboard.interop.text import html_to_text
from civicboard.problems.models import CLOSED_STATUSES, Category, Problem
from civicboard.timeutil import isoformat_z

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint's behaviour last changed (discovery's changeset).
CHANGESET = "2026-11-26T00:00:00Z"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_IDS = 200
MAX_PAGE = 100_000
STATUSES = ("open", "closed")
CLOSED = sorted(str(status) for status in CLOSED_STATUSES)
_SERVICE_CODE = re.compile(r"^[\w.-]{1,80}$")


class GeoReportError(Exception):
    """A request the endpoint refuses, answered as a GeoReport error array."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description

    def body(self) -> list[dict[str, Any]]:
        return [{"code": self.code, "description": self.description}]


@dataclass
class RequestQuery:
    """Validated parameters of GET requests.json."""

    ids: list[int] = field(default_factory=list)
    service_codes: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def is_number(raw: str) -> bool:
    """ASCII digits only (str.isdigit alone also accepts characters such as '²')."""
    return raw.isascii() and raw.isdigit()


def _list(args: Mapping[str, str], name: str) -> list[str]:
    """A comma-delimited parameter (the specification's way of repeating one)."""
    raw = args.get(name, "")
    return [part.strip() for part in raw.split(",") if part.strip()]


def _positive_int(args: Mapping[str, str], name: str, default: int, maximum: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    digits = raw.lstrip("0")
    if not is_number(raw) or not digits:
        raise GeoReportError(400, f"{name} must be a whole number of at least 1.")
    if len(digits) > 9 or int(digits) > maximum:
        raise GeoReportError(400, f"{name} must be at most {maximum}.")
    return int(digits)


def parse_datetime(raw: str, name: str) -> datetime:
    """A W3C/ISO 8601 date or date-time; without an offset it is taken as UTC. Naive UTC out."""
    message = f"{name} must be an ISO 8601 date-time such as 2026-01-31T00:00:00Z."
    if len(raw) > 64:
        raise GeoReportError(400, message)
    try:
        value = datetime.fromisoformat(raw.strip())
        if value.tzinfo is not None:
            # An offset can carry a time past year 9999 or before year 1 (OverflowError).
            value = value.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        raise GeoReportError(400, message) from None
    return value


def parse_query(args: Mapping[str, str]) -> RequestQuery:
    """Validate the query string of requests.json; raise GeoReportError(400) on bad input."""
    query = RequestQuery()
    for raw in _list(args, "service_request_id"):
        if not is_number(raw) or len(raw) > 10 or int(raw) > MAX_ID:
            raise GeoReportError(400, "service_request_id must be a comma-separated list of ids.")
        query.ids.append(int(raw))
    if len(query.ids) > MAX_IDS:
        raise GeoReportError(400, f"At most {MAX_IDS} service_request_id values at once.")
    query.service_codes = _list(args, "service_code")
    for code in query.service_codes:
        if not _SERVICE_CODE.match(code):
            raise GeoReportError(400, f"service_code {code[:80]!r} is not a valid service code.")
    query.statuses = [status.lower() for status in _list(args, "status")]
    for status in query.statuses:
        if status not in STATUSES:
            raise GeoReportError(400, "status must be open, closed, or both separated by a comma.")
    if args.get("start_date"):
        query.start = parse_datetime(args["start_date"], "start_date")
    if args.get("end_date"):
        query.end = parse_datetime(args["end_date"], "end_date")
    if query.start and query.end and query.start > query.end:
        raise GeoReportError(400, "start_date must not be after end_date.")
    query.page = _positive_int(args, "page", 1, MAX_PAGE)
    query.page_size = _positive_int(args, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    return query


def find_requests(query: RequestQuery) -> tuple[list[ProblemRecord], bool]:
    """One page of visible problems, newest first, and whether another page follows (one statement)."""
    stmt = select(Problem.id).where(VISIBLE)
    if query.ids:
        # As the specification says, explicit ids override every other filter.
        stmt = stmt.where(Problem.id.in_(query.ids))
    else:
        if query.service_codes:
            codes = select(Category.id).where(Category.slug.in_(query.service_codes))
            stmt = stmt.where(Problem.category_id.in_(codes))
        if set(query.statuses) == {"closed"}:
            stmt = stmt.where(Problem.status.in_(CLOSED))
        elif set(query.statuses) == {"open"}:
            stmt = stmt.where(Problem.status.not_in(CLOSED))
        if query.start:
            stmt = stmt.where(Problem.created_at >= query.start)
        if query.end:
            stmt = stmt.where(Problem.created_at <= query.end)
    order = [Problem.created_at.desc(), Problem.id.desc()]
    stmt = stmt.order_by(*order).limit(query.page_size + 1).offset((query.page - 1) * query.page_size)
    records = problem_records(stmt, order)
    return records[: query.page_size], len(records) > query.page_size


def find_request(problem_id: int) -> ProblemRecord | None:
    """One visible problem, or None."""
    records = problem_records(select(Problem.id).where(Problem.id == problem_id, VISIBLE), [Problem.id])
    return records[0] if records else None


def open_or_closed(status: str) -> str:
    """GeoReport has two statuses; resolved, declined and duplicate problems are closed."""
    return "closed" if status in CLOSED else "open"


def service_request(record: ProblemRecord) -> dict[str, Any]:
    """One problem as a GeoReport service request."""
    latest = record.latest_response
    description = html_to_text(record.description_html)
    return {
        "service_request_id": str(record.id),
        "status": open_or_closed(record.status),
        "status_notes": html_to_text(latest.body_html) if latest else None,
        "service_name": record.category_name,
        "service_code": record.category_slug,
        "description": f"{record.title}\n\n{description}" if description else record.title,
        "agency_responsible": (latest.department if latest and latest.department else record.category_department),
        "service_notice": None,
        "requested_datetime": isoformat_z(record.created_at),
        "updated_datetime": isoformat_z(record.last_changed_at),
        "expected_datetime": None,
        "address": record.address or record.neighbourhood,
        "address_id": None,
        "zipcode": None,
        "lat": record.latitude,
        "long": record.longitude,
        "media_url": (
            site_url_for("problems.photo_file", key=record.cover_photo_key) if record.cover_photo_key else None
        ),
        "url": site_url_for("problems.show", problem_id=record.id),
    }


def active_categories() -> list[Category]:
    """The categories offered as services (department loaded with them)."""
    stmt = select(Category).where(Category.active.is_(True)).order_by(Category.position, Category.name)
    return list(db.session.execute(stmt).unique().scalars())


def service(category: Category) -> dict[str, Any]:
    """One category as a GeoReport service."""
    department = category.department.name if category.department is not None else None
    keywords = [category.slug, *(word.lower() for word in re.findall(r"\w+", category.name) if len(word) > 2)]
    return {
        "service_code": category.slug,
        "service_name": category.name,
        "description": category.description or category.name,
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(dict.fromkeys(keywords)),
        "group": department or "General",
    }


def discovery(config: Mapping[str, Any]) -> dict[str, Any]:
    """The discovery document: who to contact and where the endpoint is."""
    name = config.get("CONTACT_NAME") or f"{config['SITE_NAME']} team"
    return {
        "changeset": CHANGESET,
        "contact": f"{name} <{config['CONTACT_EMAIL']}>",
        "key_service": "Reading needs no key. To post a service request, send a personal API token "
        "(from your account page) as api_key.",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": site_url_for("interop.open311_discovery").removesuffix("/discovery.json"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json"],
            }
        ],
    }


# -- POST requests.json -------------------------------------------------------------------------

MEDIA_URL_MAX_LENGTH = 2000
TITLE_LENGTH = 140
MIN_TITLE_LENGTH = 5


@dataclass
class NewRequest:
    """A service request posted by another app, checked and mapped to a problem's fields."""

    category: Category
    title: str
    description: str
    latitude: str | None
    longitude: str | None
    address: str | None
    dataset_ids: list[int]
    data_request: str | None


def _field(form: Mapping[str, str], name: str, limit: int = 20_000) -> str:
    value = (form.get(name) or "").strip()
    if len(value) > limit:
        raise GeoReportError(400, f"{name} is longer than {limit} characters.")
    return value


def title_from(description: str, fallback: str) -> str:
    """A problem's title from the report's first line (cut at a word), else the fallback."""
    first = description.strip().splitlines()[0].strip() if description.strip() else ""
    if len(first) > TITLE_LENGTH:
        cut = first[: TITLE_LENGTH - 1].rsplit(" ", 1)[0].rstrip(" ,.;:")
        first = (cut or first[: TITLE_LENGTH - 1]) + "…"
    return first if len(first) >= MIN_TITLE_LENGTH else fallback


def parse_new_request(form: Mapping[str, str]) -> NewRequest:
    """Check the specification's fields and map them to a problem; GeoReportError(400) when unusable."""
    code = _field(form, "service_code", 80)
    if not code:
        raise GeoReportError(400, "service_code is required: one of services.json's codes.")
    category = db.session.execute(
        select(Category).where(Category.slug == code, Category.active.is_(True))
    ).scalar_one_or_none()
    if category is None:
        raise GeoReportError(400, f"service_code {code[:80]!r} is not one of this board's services.")
    latitude, longitude = _field(form, "lat", 40) or None, _field(form, "long", 40) or None
    address = _field(form, "address_string", 200) or None
    if (latitude is None or longitude is None) and address is None:
        raise GeoReportError(400, "A location is required: lat and long, or address_string.")
    description = _field(form, "description", 20_000)
    place = address or (f"{latitude}, {longitude}" if latitude and longitude else "")
    title = title_from(description, f"{category.name} at {place}"[:TITLE_LENGTH])
    body = description or f"Reported through Open311 in “{category.name}”."
    media_url = _field(form, "media_url", MEDIA_URL_MAX_LENGTH)
    if media_url:
        if not re.match(r"^https?://[^\s<>]+$", media_url):
            raise GeoReportError(400, "media_url must be an http(s) URL.")
        body += f"\n\nPhoto sent with the report: <{media_url}>"
    dataset_ids = category.default_dataset_ids
    data_request = None
    if not dataset_ids:
        data_request = (
            f"Reported through Open311 in “{category.name}”, which names no dataset: "
            "staff, tie it to the data that shows it."
        )
    return NewRequest(category, title, body, latitude, longitude, address, dataset_ids, data_request)


def created_request(problem_id: int) -> list[dict[str, Any]]:
    """The specification's answer to a POST."""
    return [{"service_request_id": str(problem_id), "service_notice": "", "account_id": None}]
