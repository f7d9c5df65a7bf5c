"""The hackathon pages, their messages and their emails in Spanish (the catalog in es/)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import refresh

from civicboard.challenges.models import Challenge
from civicboard.extensions import db
from civicboard.mail import outbox
from civicboard.outbox.services import deliver_due

SPANISH = {"Accept-Language": "es-US,es;q=0.9,en;q=0.5"}


def test_the_challenge_list_and_page_are_in_spanish(client, challenge_factory, problem_factory, dataset_factory):
    problem = problem_factory(title="Dangerous crossing", datasets=[dataset_factory(title="Crashes")])
    challenge = challenge_factory(status="published", problems=[problem], is_online=True)
    listing = client.get("/challenges", headers=SPANISH).get_data(as_text=True)
    assert '<html lang="es">' in listing
    assert "<h1>Retos</h1>" in listing and "1 problema" in listing and "0 proyectos" in listing
    assert "Somerville City Hall y en línea" in listing
    page = client.get(f"/challenges/{challenge.slug}", headers=SPANISH).get_data(as_text=True)
    for words in (
        "Problemas para trabajar (1)",
        "Descargar la ficha (Markdown)",
        "Conjuntos de datos (1)",
        "Todavía no hay proyectos.",
        "Inicie sesión para seguir este reto",
        "<dt>Cuándo</dt>",
        "(hora de America/New York)",
        "0 apoyos",
    ):
        assert words in page, words
    for english in ("Problems to work on", "Download the brief", "No projects yet", "Log in to follow"):
        assert english not in page
    # The curated problem's page says which challenge it is part of.
    problem_page = client.get(f"/problems/{problem.id}", headers=SPANISH).get_data(as_text=True)
    assert "Forma parte de un reto:" in problem_page


def test_the_same_pages_stay_in_english_for_an_english_reader(client, challenge_factory):
    challenge = challenge_factory(status="published")
    page = client.get(f"/challenges/{challenge.slug}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Problems to work on (1)" in page and "Problemas para trabajar" not in page


def test_dates_are_written_in_the_readers_language(app):
    challenge = Challenge(
        starts_at=datetime(2026, 5, 2, 14, 0), ends_at=datetime(2026, 5, 2, 22, 0), timezone="America/New_York"
    )
    with app.test_request_context("/", headers=SPANISH):
        refresh()  # the locale is kept on the app context the fixture pushed
        assert challenge.when_label.startswith("sáb 2 may 2026, 10:00 a 18:00")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        refresh()
        assert challenge.when_label == "Sat 2 May 2026, 10:00 to 18:00 EDT"


def test_the_organizer_pages_are_in_spanish(organizer_client, challenge_factory):
    client, _organizer = organizer_client
    client.set_cookie("lang", "es")
    challenge = challenge_factory(status="draft")
    manage = client.get("/challenges/manage").get_data(as_text=True)
    assert "<h1>Organizar retos</h1>" in manage and 'data-label="Acciones"' in manage and "Borrador" in manage
    curate = client.get(f"/challenges/{challenge.slug}/curate").get_data(as_text=True)
    assert f"Seleccionar el contenido de “{challenge.title}”" in curate and "Buscar problemas" in curate
    form = client.get("/challenges/new").get_data(as_text=True)
    assert "Zona horaria" in form and "(obligatorio)" in form and "Crear borrador" in form


def test_flash_messages_are_in_spanish(organizer_client, challenge_factory, problem_factory):
    client, _organizer = organizer_client
    client.set_cookie("lang", "es")
    challenge = challenge_factory(status="published")
    first, second = problem_factory(), problem_factory()
    response = client.form(
        f"/challenges/{challenge.slug}/problems", {"problem_id": [first.id, second.id]}, follow_redirects=True
    )
    assert "2 problemas agregados al reto." in response.get_data(as_text=True)
    response = client.form(f"/challenges/{challenge.slug}/follow", follow_redirects=True)
    assert "Ahora sigue este reto." in response.get_data(as_text=True)


def test_a_refused_challenge_form_explains_itself_in_spanish(organizer_client):
    client, _organizer = organizer_client
    response = client.form(
        "/challenges/new",
        {
            "title": "Noche de datos",
            "starts_at": "2030-05-02T18:00",
            "ends_at": "2030-05-02T10:00",
            "timezone": "America/New_York",
            "place": "",
            "contact": "datos@example.org",
        },
        headers=SPANISH,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Hay un problema" in html
    assert "El final debe ser posterior al inicio." in html
    assert "Indique un lugar o marque el reto como en línea." in html
    assert db.session.query(Challenge).count() == 0


def test_the_brief_is_written_in_the_readers_language(client, challenge_factory):
    challenge = challenge_factory(status="published")
    brief = client.get(f"/challenges/{challenge.slug}/brief.md", headers=SPANISH).get_data(as_text=True)
    assert "## Datos clave" in brief and "- **Estado:** Publicado" in brief and "## Conjuntos de datos" in brief
    english = client.get(f"/challenges/{challenge.slug}/brief.md").get_data(as_text=True)
    assert "## Key facts" in english and "- **Status:** Published" in english


def test_an_invitation_is_written_in_the_invitees_saved_language(
    logged_in, challenge_factory, problem_factory, user_factory
):
    client, _inviter = logged_in
    problem = problem_factory()
    challenge = challenge_factory(status="published", problems=[problem])
    invitee = user_factory(email="lucia@example.org")
    invitee.language = "es"
    db.session.commit()
    response = client.form(
        f"/challenges/{challenge.slug}/projects/new",
        {
            "name": "Mapa de cruces",
            "description": "Un mapa.",
            "problem_ids": [problem.id],
            "member_emails": "lucia@example.org\nnadie@example.org",
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 302
    deliver_due()
    sent = {message["To"]: message for message in outbox()}
    spanish, english = sent["lucia@example.org"], sent["nadie@example.org"]
    assert spanish["Subject"] == "Únase al equipo de “Mapa de cruces”"
    assert "Para unirse, inicie sesión" in spanish.get_content()
    assert english["Subject"] == "Join the team of “Mapa de cruces”"
