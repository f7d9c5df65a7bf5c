"""Operators' routes: `/readyz` for load balancers, `/metrics` for Prometheus."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify

from civicboard.ops import health, metrics

bp = Blueprint("ops", __name__)


@bp.get("/readyz")
def readyz():
    """200 when the database, Redis (if configured) and the schema are ready; 503 with the reasons."""
    checks = health.readiness()
    ready = all(check.ok for check in checks)
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {check.name: check.detail for check in checks},
    }
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/metrics")
def metrics_page():
    """The Prometheus exposition, for allowed addresses or a bearer of METRICS_TOKEN."""
    if not metrics.allowed(current_app):
        abort(403)
    body, content_type = metrics.render()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})
