"""Every page of the demo city, for every role, read with `Accept-Language: es`, has no English
left in the board's own words; nor have the error pages and forms sent back with errors.

The pages come from the application's URL map (tests/routes.py, shared with the browser walk),
so a new page is checked as soon as it exists. What people wrote stays in its language and is
taken out first (tests/i18n/english.py). A failure names each page and each English run left.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask

from civicboard import demo
from civicboard.extensions import db
from tests.conftest import Client, make_app
from tests.databases import temporary_database
from tests.i18n.english import PeopleText, english_left, english_words
from tests.routes import ROLES, html_pages

SPANISH = {"Accept-Language": "es-ES,es;q=0.9"}
CATALOG = Path(__file__).resolve().parents[2] / "civicboard" / "translations" / "es" / "LC_MESSAGES" / "messages.po"


@pytest.fixture(scope="module")
def city(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, PeopleText]]:
    """The demo city in a database of its own, and the text its people wrote."""
    directory = tmp_path_factory.mktemp("spanish-walk")
    with temporary_database(database_url, directory, "spanish") as url:
        app = make_app(
            url,
            EXPORT_FOLDER=str(directory / "snapshots"),
            UPLOAD_FOLDER=str(directory / "uploads"),
            RATELIMIT_LOGIN="1000 per minute",
        )
        app.test_client_class = Client
        with app.app_context():
            db.create_all()
            demo.seed()
            db.session.commit()
            people = PeopleText.from_database()
            db.session.remove()
        try:
            yield app, people
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def spanish_client(app: Flask, email: str | None) -> Client:
    """A browser asking for Spanish, logged in as the demo account `email` (None: a visitor)."""
    client: Client = app.test_client()  # type: ignore[assignment]
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = SPANISH["Accept-Language"]
    if email:
        response = client.form("/login", {"email": email, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302, f"could not log in as {email}"
    return client


def leftovers(where: str, response, people: PeopleText) -> list[str]:
    """'where: text (words)' for each run of English in an HTML response."""
    if response.mimetype != "text/html":
        return []
    return [f"{where}: {found}" for found in english_left(response.get_data(as_text=True), people)]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_is_in_spanish(city, role):
    app, people = city
    client = spanish_client(app, ROLES[role])
    failures: list[str] = []
    for endpoint, path in html_pages(app):
        response = client.get(path, follow_redirects=True)
        where = f"{path} ({endpoint}, HTTP {response.status_code}"
        where += f", at {response.request.path})" if response.request.path != path else ")"
        if response.status_code >= 500:
            failures.append(f"{where}: server error")
            continue
        failures += leftovers(where, response, people)
    assert not failures, f"{len(failures)} English run(s) as {role}:\n" + "\n".join(failures)


def test_error_pages_are_in_spanish(city):
    app, people = city
    visitor, resident = spanish_client(app, None), spanish_client(app, ROLES["resident"])
    checks = {
        "404, no such page": (visitor.get("/no-such-page"), 404),
        "404, no such problem": (visitor.get("/problems/999999"), 404),
        "403, a resident at /admin": (resident.get("/admin"), 403),
        "405, DELETE /login": (visitor.delete("/login"), 405),
        "400, a form without its CSRF token": (resident.post("/problems/new", data={"title": "x"}), 400),
    }
    failures = []
    for label, (response, status) in checks.items():
        assert response.status_code == status, label
        failures += leftovers(label, response, people)
    assert not failures, "\n".join(failures)


def test_the_too_many_requests_page_is_in_spanish(city):
    app, people = city
    visitor = spanish_client(app, None)
    visitor.environ_base["REMOTE_ADDR"] = "198.51.100.29"  # its own allowance, not the walk's
    app.config["RATELIMIT_LOGIN"] = "1 per minute"
    try:
        responses = [visitor.form("/login", {"email": "nobody@example.org", "password": "wrong"}) for _ in range(2)]
    finally:
        app.config["RATELIMIT_LOGIN"] = "1000 per minute"
    assert responses[-1].status_code == 429
    assert not leftovers("429, logging in too often", responses[-1], people)


def test_forms_sent_back_with_errors_are_in_spanish(city):
    app, people = city
    visitor, resident = spanish_client(app, None), spanish_client(app, ROLES["resident"])
    checks = {
        "a wrong password": visitor.form("/login", {"email": ROLES["resident"], "password": "not it"}),
        "a short password, not repeated": visitor.form(
            "/register", {"email": "not-an-address", "name": "", "password": "short", "confirm": "other"}
        ),
        "an empty problem": resident.form("/problems/new", {"title": "", "description": ""}),
        "an empty comment": resident.form("/problems/1/comments", {"body": ""}, follow_redirects=True),
    }
    failures = []
    for label, response in checks.items():
        assert response.status_code in (200, 400, 422), f"{label}: HTTP {response.status_code}"
        failures += leftovers(label, response, people)
    assert not failures, "\n".join(failures)


def test_the_english_words_looked_for_are_not_spanish():
    """No Spanish translation uses them, but where the English uses them too (a placeholder,
    a field's name, an example value, a name kept as it is)."""
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    found = {}
    for message in list(catalog)[1:]:  # (the first is the catalog's header)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        kept = {word.lower() for text in ids for word in english_words(text)}
        for text in message.string if isinstance(message.string, tuple) else (message.string,):
            if words := {word.lower() for word in english_words(text)} - kept:
                found[text[:80]] = sorted(words)
    assert found == {}


def test_the_checker_finds_english_and_spares_what_people_wrote():
    people = PeopleText(
        ["Pothole on the corner of Elm St", "<p><strong>Fix</strong> the lights</p>", "open", "Olu Organizer"]
    )
    page = (
        '<html lang="es"><head><title>Problemas</title></head><body>'
        "<h1>Pothole on the corner of Elm St</h1><p><strong>Fix</strong> the lights</p>"
        "<p>Estado: open</p><p>Comentado por Olu Organizer</p>"
        '<a lang="en" href="/language/en">English</a><code>GET /api/v1/problems?status=open</code>'
        '<button aria-label="Follow this problem">Seguir</button><input type="submit" value="Save">'
        "<p>Votes</p></body></html>"
    )
    assert [str(found) for found in english_left(page, people)] == [
        "'Estado: open' (open)",
        "'Follow this problem' (follow, this, problem)",
        "'Save' (save)",
        "'Votes' (votes)",
    ]
