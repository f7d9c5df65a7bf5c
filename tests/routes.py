"""Every page of the board, from the application's own URL map, filled in with the demo city's ids.

Shared by the tests that walk every route (the browser's layout and accessibility walk, the
Spanish walk): a new page is walked as soon as it exists. A route whose arguments have no
sample here fails those tests: add one to SAMPLES or ENDPOINT_SAMPLES.
"""

from __future__ import annotations

import re

from flask import Flask, url_for

from civicboard import create_app
from config import TestingConfig

# The demo accounts (civicboard/demo.py), one per role; None is a visitor who is not logged in.
ROLES = {
    "anonymous": None,
    "resident": "resident@demo.example.org",
    "staff": "staff@demo.example.org",
    "moderator": "moderator@demo.example.org",
    "organizer": "organizer@demo.example.org",
    "admin": "admin@demo.example.org",
}

# Sample values for route arguments, from the demo city (civicboard/demo.py).
SAMPLES = {
    "problem_id": 1,
    "dataset_id": 1,
    "user_id": 7,  # Rosa Resident
    "slug": "somerville-streets-data-jam",
    "project_id": 1,
    "source_id": 1,
    "evidence_id": 2,
    "comment_id": 3,
    "neighbourhood_id": 1,
    "token": "not-a-valid-token",
}
# Where an endpoint needs a different sample than its argument's name suggests.
ENDPOINT_SAMPLES = {
    "problems.edit_comment": {"problem_id": 2, "comment_id": 3},  # Rosa's comment on problem 2
    "problems.comment_history": {"problem_id": 2, "comment_id": 3},
    "staff.answer_data_request": {"problem_id": 7},  # the bike-parking data request
    "staff.department": {"slug": "transportation-and-infrastructure"},
    "pages.edit": {"slug": "about"},
    "moderation.hide_comment": {"comment_id": 3},
    "moderation.restore_comment": {"comment_id": 3},
    "moderation.user": {"user_id": 9},
}
# Machine-readable answers (JSON, feeds, files) and the health check: no page to look at.
NOT_PAGES = re.compile(
    r"^/(api/v1/|feeds/|exports/|open311/|static/|branding/|photos/|healthz|readyz|metrics)|\.(json|csv|atom|md|geojson|xml|txt|css)$"
)
# Redirects that change state for the rest of the walk (the language cookie).
NOT_PAGE_ENDPOINTS = {"problems.dataset_suggest", "static", "i18n.switch"}


def html_pages(app: Flask | None = None) -> list[tuple[str, str]]:
    """(endpoint, path) for every GET route that answers with an HTML page, in path order."""
    app = app or create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    pages: list[tuple[str, str]] = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_PAGE_ENDPOINTS or NOT_PAGES.search(rule.rule):
            continue
        values = {**SAMPLES, **ENDPOINT_SAMPLES.get(rule.endpoint, {})}
        missing = [name for name in rule.arguments if name not in values]
        assert not missing, f"{rule.rule} ({rule.endpoint}): add a sample for {missing} to tests/routes.py"
        with app.test_request_context():
            path = url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
        pages.append((rule.endpoint, path))
    return pages
