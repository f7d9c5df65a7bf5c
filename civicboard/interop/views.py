"""Feeds, exports, /data.json and Open311: read-only, public, the same for every reader."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, jsonify, request

from civicboard.datasets.models import Dataset
from civicboard.extensions import db
from civicboard.interop import catalog, exports, feeds, open311, queries
from civicboard.interop.links import site_url, site_url_for
from civicboard.staff.queries import dataset_evidence

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


def _batch_size() -> int:
    return int(current_app.config.get("EXPORT_BATCH_SIZE") or exports.DEFAULT_BATCH_SIZE)


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


@bp.get("/exports/problems.csv")
def export_csv():
    """Every visible problem as CSV, streamed."""
    body = exports.stream_csv(current_app._get_current_object(), site_url(""), _batch_size())
    response = Response(body, content_type="text/csv; charset=utf-8; header=present")
    response.headers["Content-Disposition"] = 'attachment; filename="problems.csv"'
    return _license_headers(response)


@bp.get("/exports/problems.json")
def export_json():
    """Every visible problem as JSON with the content licence, streamed."""
    config = current_app.config
    body = exports.stream_json(
        current_app._get_current_object(),
        site_url(""),
        config["CONTENT_LICENSE_NAME"],
        config["CONTENT_LICENSE_URL"],
        _batch_size(),
    )
    response = Response(body, content_type="application/json; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="problems.json"'
    return _license_headers(response)


@bp.get("/data.json")
def data_json():
    """The board's own exports as a DCAT-US 1.1 catalog."""
    return jsonify(catalog.build_catalog(current_app.config, queries.last_problem_change()))


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


@bp.get("/open311/v2/requests/<request_id>.json")
def open311_request(request_id: str):
    """One service request, as an array of one (the specification's shape)."""
    wanted = int(request_id) if open311.is_number(request_id) and len(request_id) <= 10 else None
    record = open311.find_request(wanted) if wanted is not None and wanted <= queries.MAX_ID else None
    if record is None:
        return _georeport_error(open311.GeoReportError(404, f"No service request {request_id[:40]!r}."))
    return jsonify([open311.service_request(record)])
