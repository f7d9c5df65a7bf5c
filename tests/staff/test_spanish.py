"""Staff pages in Spanish: the queue and the response form, and their messages."""

from __future__ import annotations

SPANISH = {"Accept-Language": "es"}


def test_staff_queue_in_spanish(staff_client, problem_factory):
    problem_factory(title="Semáforo roto", vote_count=3)
    html = staff_client.get("/staff?department=", headers=SPANISH).get_data(as_text=True)
    assert "<h1>Cola del personal municipal</h1>" in html
    assert "Esperan una primera respuesta" in html
    assert "3 apoyos" in html
    assert "Solicitudes de reapertura" in html
    for english in ("Staff queue", "Waiting for a first response", "Most votes first", "votes", "Reopen requests"):
        assert english not in html


def test_response_form_in_spanish(staff_client, problem_factory):
    problem = problem_factory(title="Bache en la calle Olmo")
    html = staff_client.get(f"/staff/problems/{problem.id}/respond", headers=SPANISH).get_data(as_text=True)
    assert "<h1>Respuesta oficial</h1>" in html
    assert "Firmada por Transportation." in html
    assert "Publicar respuesta" in html and "Mantener el estado" in html
    for english in ("Official response", "Publish response", "Keep the status", "Your response", "Latest comments"):
        assert english not in html


def test_response_form_errors_are_in_spanish(staff_client, problem_factory):
    problem = problem_factory(status="declined")
    response = staff_client.form(
        f"/staff/problems/{problem.id}/respond", {"body": "Go.", "status": "resolved"}, headers=SPANISH
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "solo se puede reabrir" in html
    assert "can only be reopened" not in html


def test_publishing_a_response_says_so_in_spanish(staff_client, problem_factory):
    problem = problem_factory()
    response = staff_client.form(
        f"/staff/problems/{problem.id}/respond", {"body": "Lo revisamos.", "status": ""}, headers=SPANISH
    )
    assert response.status_code == 302
    html = staff_client.get(f"/problems/{problem.id}", headers=SPANISH).get_data(as_text=True)
    assert "Su respuesta está publicada." in html
    assert "Your response is published." not in html
