"""Hostile input on every route: huge ids, NUL characters, nested cursors, bad dates.

Whatever a client sends, the answer is a 4xx with a clear message, never a 500, on both
databases, for anonymous visitors and for signed-in users with every role.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from werkzeug.routing import IntegerConverter, Rule

from civicboard.challenges import services as challenge_services
from civicboard.extensions import db
from civicboard.problems import services as problem_services
from civicboard.timeutil import utcnow

HUGE_IDS = (2**31, 2**63, 10**30)
NESTED_CURSOR = base64.urlsafe_b64encode(b"[" * 1000 + b"]" * 1000).decode()
# Argument and field names the pages and the API read; the values below go into each.
ARG_NAMES = (
    "q",
    "page",
    "cursor",
    "after",
    "dataset",
    "dataset_q",
    "category",
    "status",
    "sort",
    "limit",
    "problem",
    "user",
    "id",
    "next",
    "start_date",
    "end_date",
    "service_request_id",
    "bbox",
)
FIELD_NAMES = (
    "email",
    "password",
    "name",
    "title",
    "summary",
    "description",
    "body",
    "note",
    "reason",
    "target_type",
    "target_id",
    "dataset_ids",
    "problem_id",
    "dataset_id",
    "parent_id",
    "category_id",
    "department_id",
    "duplicate_of",
    "status",
    "member_emails",
    "keywords",
    "url",
    "slug",
)


def _fill(rule: Rule, huge: int | None) -> Iterator[str]:
    """URLs for a rule: ids set to 1 (or to a huge number), other parts to a plain word."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = huge if huge is not None else 1
        elif name == "action":
            values[name] = "enable"
        elif name == "filename":
            values[name] = "x.css"
        else:
            values[name] = "walk"
    parts = []
    for is_dynamic, data in rule._trace:
        parts.append(str(values[data]) if is_dynamic else data)
    yield "".join(parts).split("|", 1)[-1]


def _requests(rule: Rule) -> Iterator[tuple[str, str, dict]]:
    """(method, url, kwargs) for every hostile request worth sending to a rule."""
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    urls = list(_fill(rule, None))
    if any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
        for huge in HUGE_IDS:
            urls += list(_fill(rule, huge))
    nul_args = urlencode(dict.fromkeys(ARG_NAMES, "a\x00b"))
    huge_args = urlencode({name: str(2**63) for name in ARG_NAMES})
    odd_args = urlencode(
        {"cursor": NESTED_CURSOR, "after": NESTED_CURSOR, "end_date": "9999-12-31T23:59:59-23:59"}
        | {"start_date": "0001-01-01T00:00:00+23:59"}
    )
    for url in urls:
        for method in methods:
            if method == "GET":
                for args in (nul_args, huge_args, odd_args):
                    yield method, f"{url}?{args}", {}
            else:
                nul_form = dict.fromkeys(FIELD_NAMES, "a\x00b")
                huge_form = {name: str(2**63) for name in FIELD_NAMES}
                yield method, url, {"data": nul_form}
                yield method, url, {"data": huge_form}
                if url.startswith("/api/"):
                    yield method, url, {"json": dict.fromkeys(FIELD_NAMES, "a\x00b")}
                    yield method, url, {"json": dict.fromkeys(FIELD_NAMES, 2**63)}
                    yield method, url, {"data": "[" * 5000 + "]" * 5000, "content_type": "application/json"}


@pytest.fixture
def content(app, user_factory, dataset_factory):
    """One of everything, so routes with id 1 reach their real work."""
    owner = user_factory(email="owner@example.org", roles=["staff", "moderator", "organizer", "admin"])
    dataset = dataset_factory()
    problem = problem_services.create_problem(
        owner, title="Broken lights on Main Street", description="Dark at night.", dataset_ids=[dataset.id]
    )
    db.session.flush()
    problem_services.add_comment(owner, problem, "Still broken.")
    start = utcnow() + timedelta(days=7)
    challenge = challenge_services.create_challenge(
        owner,
        title="Walk the routes",
        summary="A challenge to walk.",
        starts_at=start.isoformat() + "Z",
        ends_at=(start + timedelta(days=2)).isoformat() + "Z",
        timezone="America/New_York",
        is_online=True,
        contact="organizers@example.org",
        slug="walk",
    )
    challenge_services.add_problem(owner, challenge, problem.id)
    challenge_services.publish_challenge(owner, challenge)
    db.session.commit()
    return owner


def _walk(app, client) -> list[str]:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.config["RATELIMIT_REFUSED"] = "100000 per minute"  # every refusal here is deliberate
    failures = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method, url, kwargs in _requests(rule):
            body = kwargs.get("data")
            if isinstance(body, dict) and method not in ("GET",):
                body["csrf_token"] = client.csrf_token()
            response = client.open(url, method=method, **kwargs)
            # /readyz answers 503 by design here: the suite's schema comes from create_all, not the migrations.
            not_ready = rule.endpoint == "ops.readyz" and response.status_code == 503
            if response.status_code >= 500 and not not_ready:
                failures.append(f"{method} {url[:120]} {sorted(body) if isinstance(body, dict) else ''}")
    return failures


@pytest.mark.parametrize("who", ["anonymous", "resident", "every role"])
def test_hostile_input_on_every_route_is_never_a_server_error(app, client, content, user_factory, login, who):
    if who == "resident":
        login(client, user_factory())
    elif who == "every role":
        login(client, content)
    failures = _walk(app, client)
    assert not failures, "\n".join(failures)
