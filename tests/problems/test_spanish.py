"""The board, a problem's page and the propose form read in Spanish for a Spanish browser."""

from __future__ import annotations

from datetime import date

from civicboard.extensions import db
from civicboard.problems import services
from civicboard.staff import services as staff_services

SPANISH = {"Accept-Language": "es-ES,es;q=0.9"}


def test_the_board_is_in_spanish(client, problem_factory, dataset_factory):
    problem_factory(title="Baches en Broadway", datasets=[dataset_factory()])
    page = client.get("/", headers=SPANISH).get_data(as_text=True)
    assert '<html lang="es">' in page
    for spanish in ("Proponer un problema", "Problemas en", "Populares", "Más comentados", "Cualquier estado"):
        assert spanish in page, spanish
    assert "Inicie sesión para apoyar" in page and "0 comentarios" in page
    for english in (
        "Propose a problem",
        "Problems in",
        "Most discussed",
        "Any status",
        "Log in to vote",
        "Search problems",
    ):
        assert english not in page, english


def test_a_problem_page_is_in_spanish(client, make_problem, user_factory, dataset_factory, problem_factory, residents):
    dataset = dataset_factory(title="Accidentes de tráfico")
    problem = make_problem(title="Cruce peligroso en Elm Street", datasets=[dataset])
    first, second = residents(2)
    services.add_comment(first, problem, "Lo veo cada mañana.")
    services.add_comment(second, problem, "Yo también.")
    staff = user_factory(roles=["staff"], department="Transportation")
    staff_services.respond(staff, problem, "Lo revisaremos este mes.", status="acknowledged")
    staff_services.add_evidence(
        staff,
        problem,
        dataset.id,
        "https://data.example.org/rows",
        "Los choques se duplicaron.",
        "supports",
        date(2026, 1, 31),
    )
    db.session.commit()

    page = client.get(f"/problems/{problem.id}", headers=SPANISH).get_data(as_text=True)
    for spanish in (
        "Respuesta oficial",
        "Recibido",  # the status, in the badge and the response's status change
        "Evidencia de los datos",
        "Datos al 31 ene 2026",
        "2 comentarios",
        "para comentar",
        "propuesto por",
    ):
        assert spanish in page, spanish
    # What people wrote stays as they wrote it.
    assert "Lo veo cada mañana." in page and "Lo revisaremos este mes." in page
    for english in (
        "Official response",
        "Evidence from the data",
        "Data as of",
        "2 comments",
        "to comment",
        "proposed by",
    ):
        assert english not in page, english


def test_the_propose_form_with_an_error_is_in_spanish(logged_in):
    client, _ = logged_in
    response = client.form(
        "/problems/new",
        {"title": "", "description": "Algo pasa.", "dataset_ids": [], "action": "post"},
        headers=SPANISH,
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for spanish in (
        "Proponer un problema",
        "Título",
        "El campo “Título” es obligatorio.",
        "Elija al menos un conjunto de datos",
        "Publicar problema",
    ):
        assert spanish in page, spanish
    for english in (
        "Propose a problem",
        "Title is required",
        "Choose at least one dataset",
        "Post problem",
        "Datasets",
    ):
        assert english not in page, english
