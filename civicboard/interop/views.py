"""Feeds, exports, /data.json and Open311: read-only, public, the same for every reader."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, g, jsonify, request, send_file

from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.insights import store as insights_store
from civicboard.interop import catalog, exports, feeds, open311, queries
from civicboard.interop.links import site_url_for
from civicboard.permissions import PermissionDenied
from civicboard.problems import services as problem_services
from civicboard.ratelimits import api_key_user, export_limit, open311_limit, open311_problems_limit
from civicboard.staff.queries import dataset_evidence
from civicboard.validation import ValidationError

bp = Blueprint("interop", __name__)

# Open data may be read by any site's scripts: nothing here depends on who asks.
CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}
SHARED_CACHE_SECONDS = 60


@bp.after_request
def _public(response: Response) -> Response:
    """CORS for everyone; a minute in shared caches; ETags so feed readers can poll cheaply."""
    for name, value in CORS_HEADERS.items():
        response.headers.setdefault(name, value)
    # Shared caches may keep these: the views never read the session, so no cookie is set.
    response.headers.setdefault("Cache-Control", f"public, max-age={SHARED_CACHE_SECONDS}")
    if response.status_code == 200 and not response.is_streamed:
        response.add_etag()
        response.make_conditional(request)
    return response


def _atom(feed: feeds.Feed) -> Response:
    body = feeds.render(feed, current_app.config["SITE_NAME"])
    return Response(body, mimetype="application/atom+xml", content_type=feeds.ATOM_MEDIA_TYPE)


def _license_headers(response: Response) -> Response:
    config = current_app.config
    response.headers["Link"] = f'<{config["CONTENT_LICENSE_URL"]}>; rel="license"'
    response.headers["X-License"] = f"{config['CONTENT_LICENSE_NAME']} <{config['CONTENT_LICENSE_URL']}>"
    return response


# -- Atom -----------------------------------------------------------------------------------


@bp.get("/feeds/problems.atom")
def problems_feed():
    """The newest visible problems."""
    return _atom(feeds.problems_feed(queries.newest_problems(), current_app.config["SITE_NAME"]))


@bp.get("/feeds/datasets/<int:dataset_id>.atom")
def dataset_feed(dataset_id: int):
    """Problems tied to a dataset, official responses on them, evidence citing the dataset."""
    if dataset_id > queries.MAX_ID:
        abort(404)
    dataset = db.session.get(Dataset, dataset_id) or abort(404)
    feed = feeds.dataset_feed(
        dataset,
        queries.dataset_problems(dataset.id),
        queries.dataset_responses(dataset.id),
        [(item.evidence, item.problem_title) for item in dataset_evidence(dataset.id, limit=queries.FEED_LIMIT)],
        current_app.config["SITE_NAME"],
    )
    return _atom(feed)


@bp.get("/feeds/challenges/<slug>.atom")
def challenge_feed(slug: str):
    """A published (or closed) challenge's curated problems and projects; drafts are not found."""
    challenge = queries.public_challenge(slug) or abort(404)
    feed = feeds.challenge_feed(
        challenge,
        queries.challenge_problems(challenge.id),
        queries.challenge_projects(challenge.id),
        current_app.config["SITE_NAME"],
    )
    return _atom(feed)


# -- exports --------------------------------------------------------------------------------


def _not_ready() -> Response:
    response = Response("The export is being prepared. Please try again in a minute.\n", 503, mimetype="text/plain")
    response.headers["Retry-After"] = str(exports.RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _serve_export(fmt: str) -> Response:
    """Send the stored export: gzip when accepted, with ETag, Last-Modified, Content-Length, ranges.

    Nothing is built here for a board of any size. With no snapshot yet, a small board
    (EXPORT_INLINE_MAX_PROBLEMS) gets its first one built now; a larger one gets a 503 with
    Retry-After while a background thread builds it. A snapshot older than EXPORT_INTERVAL is
    still served, and a background refresh is started.
    """
    app = current_app._get_current_object()
    if exports.stored_file(app, fmt) is None:
        if not exports.may_build_inline(app) or exports.build(app) == exports.BUSY:
            exports.build_in_background()
            return _not_ready()
    else:
        exports.refresh_in_background()
    # The quality, not mere mention: "gzip;q=0" refuses it.
    gzipped = request.accept_encodings["gzip"] > 0 and exports.stored_file(app, fmt, True) is not None
    path = exports.stored_file(app, fmt, gzipped)
    if path is None:  # files are replaced, never removed; only a folder emptied by hand gets here
        return _not_ready()
    # Open first, then measure the open file: a new snapshot renamed into place meanwhile
    # cannot make the length or the ETag disagree with the bytes sent.
    stream = open(path, "rb")  # noqa: SIM115 - closed by the response
    stat = os.fstat(stream.fileno())
    response = send_file(
        stream,
        mimetype=exports.FORMATS[fmt].content_type,
        max_age=SHARED_CACHE_SECONDS,
        conditional=False,
        etag=False,
    )
    response.content_length = stat.st_size
    response.last_modified = datetime.fromtimestamp(stat.st_mtime, UTC)
    response.set_etag(f"{fmt}{'-gzip' if gzipped else ''}-{stat.st_mtime_ns:x}-{stat.st_size:x}")
    response.headers["Content-Disposition"] = exports.FORMATS[fmt].disposition
    response.vary.add("Accept-Encoding")
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response = response.make_conditional(request, accept_ranges=True, complete_length=stat.st_size)
    return _license_headers(response)


@bp.get("/exports/problems.csv")
@export_limit
def export_csv():
    """Every visible problem as CSV, from the stored snapshot."""
    return _serve_export("csv")


@bp.get("/exports/problems.json")
@export_limit
def export_json():
    """Every visible problem as JSON with the content licence, from the stored snapshot."""
    return _serve_export("json")


@bp.get("/exports/problems.geojson")
@export_limit
def export_geojson():
    """Located, visible problems as an RFC 7946 FeatureCollection, from the stored snapshot."""
    return _serve_export("geojson")


@bp.get("/data.json")
def data_json():
    """The board's own exports as a DCAT-US 1.1 catalog, with each snapshot's modified time."""
    app = current_app._get_current_object()
    modified = exports.built_at(app) or queries.last_problem_change()
    return jsonify(catalog.build_catalog(app.config, modified, insights_store.computed_at(app)))


# -- Open311 GeoReport v2 -------------------------------------------------------------------


def _georeport_error(exc: open311.GeoReportError) -> Response:
    response = jsonify(exc.body())
    response.status_code = exc.code
    return response


@bp.get("/open311/v2/discovery.json")
def open311_discovery():
    """Where the endpoint is and who to contact."""
    return jsonify(open311.discovery(current_app.config))


@bp.get("/open311/v2/services.json")
def open311_services():
    """One service per active category."""
    return jsonify([open311.service(category) for category in open311.active_categories()])


@bp.get("/open311/v2/requests.json")
@open311_limit
def open311_requests():
    """Visible problems as service requests, filtered and paged."""
    try:
        query = open311.parse_query(request.args)
    except open311.GeoReportError as exc:
        return _georeport_error(exc)
    records, more = open311.find_requests(query)
    response = jsonify([open311.service_request(record) for record in records])
    if more:
        args = request.args.to_dict()
        args.update(page=str(query.page + 1), page_size=str(query.page_size))
        response.headers["Link"] = f'<{site_url_for("interop.open311_requests")}?{urlencode(args)}>; rel="next"'
    return response


@bp.post("/open311/v2/requests.json")
@open311_limit
@open311_problems_limit
def open311_create_request():
    """Another app posts a service request: a problem proposed as the `api_key` token's account.

    Authenticated by the form's api_key alone (cookies are ignored, so no CSRF token is needed);
    the same rate limits as the board's form and the API apply to that account.
    """
    user = api_key_user()
    if user is None:
        suspended = g.get("api_key_suspended")
        message = "This account is suspended." if suspended else "api_key is missing or not a valid personal API token."
        return _georeport_error(open311.GeoReportError(403, message))
    try:
        new = open311.parse_new_request(request.form)
        problem = problem_services.create_problem(
            user,
            title=new.title,
            description=new.description,
            dataset_ids=new.dataset_ids,
            category_id=new.category.id,
            data_request=new.data_request,
            latitude=new.latitude,
            longitude=new.longitude,
            address=new.address,
        )
    except open311.GeoReportError as exc:
        db.session.rollback()
        return _georeport_error(exc)
    except ValidationError as exc:
        db.session.rollback()
        # The specification has one description per error: say every distinct field's problem.
        return _georeport_error(
            open311.GeoReportError(400, " ".join(dict.fromkeys(exc.fields.values())) or exc.message)
        )
    except PermissionDenied as exc:
        db.session.rollback()
        return _georeport_error(open311.GeoReportError(403, getattr(exc, "message", str(exc))))
    db.session.commit()
    response = jsonify(open311.created_request(problem.id))
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    response.headers["Location"] = site_url_for("interop.open311_request", request_id=problem.id)
    return response


open311_create_request.accepts_token_only = True


@bp.get("/open311/v2/requests/<request_id>.json")
def open311_request(request_id: str):
    """One service request, as an array of one (the specification's shape)."""
    wanted = int(request_id) if open311.is_number(request_id) and len(request_id) <= 10 else None
    record = open311.find_request(wanted) if wanted is not None and wanted <= queries.MAX_ID else None
    if record is None:
        return _georeport_error(open311.GeoReportError(404, f"No service request {request_id[:40]!r}."))
    return jsonify([open311.service_request(record)])
