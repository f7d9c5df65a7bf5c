"""The API's error messages follow the request's Accept-Language, and nothing else.

API clients are programs: a `lang` cookie or an account's saved language must not change
what the same request answers. The error `code`, the field names and the data stay the same
in every language; answers that carry words say `Vary: Accept-Language`.
"""

from __future__ import annotations

from civicboard.extensions import db
from tests.api.conftest import error_of

SPANISH = {"Accept-Language": "es-US,es;q=0.9"}
ENGLISH = {"Accept-Language": "en"}


def test_the_same_bad_request_is_explained_in_the_language_asked_for(anonymous):
    spanish = anonymous.get("/datasets?limit=0", headers=SPANISH)
    english = anonymous.get("/datasets?limit=0", headers=ENGLISH)
    assert spanish.status_code == english.status_code == 400
    assert error_of(spanish)["code"] == error_of(english)["code"] == "bad_request"
    assert error_of(english)["message"] == "limit must be a whole number from 1 to 100."
    assert error_of(spanish)["message"] == "limit debe ser un número entero de 1 a 100."
    assert set(error_of(spanish)["fields"]) == set(error_of(english)["fields"]) == {"limit"}
    for response in (spanish, english):
        assert "Accept-Language" in response.headers.get("Vary", "")
    assert spanish.headers["Content-Language"] == "es"


def test_a_refused_body_names_the_same_fields_with_spanish_messages(as_staff):
    body = {"title": "Trees", "keywords": 7, "distributions": [{"title": "CSV"}]}
    spanish = as_staff.post("/datasets", json=body, headers=SPANISH)
    english = as_staff.post("/datasets", json=body, headers=ENGLISH)
    assert spanish.status_code == english.status_code == 422
    assert error_of(spanish)["code"] == error_of(english)["code"] == "validation_error"
    assert error_of(spanish)["fields"] == {
        "keywords": "Debe ser una lista de cadenas de texto (o una sola cadena separada por comas)."
    }
    assert error_of(english)["fields"] == {"keywords": "Must be a list of strings (or one comma-separated string)."}


def test_a_missing_dataset_is_not_found_in_spanish(anonymous):
    response = anonymous.get("/datasets/987654", headers=SPANISH)
    assert response.status_code == 404
    assert error_of(response) == {
        "status": 404,
        "code": "not_found",
        "message": "No existe el conjunto de datos 987654.",
        "fields": {},
    }


def test_a_spanish_lang_cookie_does_not_change_an_api_message(anonymous):
    anonymous.client.set_cookie("lang", "es")
    response = anonymous.get("/datasets?limit=0", headers=ENGLISH)
    assert error_of(response)["message"] == "limit must be a whole number from 1 to 100."
    without_header = anonymous.get("/datasets?limit=0&lang=es")
    assert error_of(without_header)["message"] == "limit must be a whole number from 1 to 100."


def test_an_accounts_saved_language_does_not_change_an_api_message(api_as, resident, make_problem):
    resident.language = "es"
    db.session.commit()
    api = api_as(resident)
    problem = make_problem(author=resident)
    response = api.post("/flags", json={"target_type": "problem", "target_id": problem.id, "reason": "spam"})
    assert response.status_code == 422
    assert error_of(response)["message"] == "You cannot report your own problem."
    spanish = api.post(
        "/flags", json={"target_type": "problem", "target_id": problem.id, "reason": "spam"}, headers=SPANISH
    )
    assert error_of(spanish)["message"] == "No puede denunciar su propio problema."
    assert error_of(spanish)["code"] == error_of(response)["code"] == "validation_error"


def test_answers_without_words_stay_as_they_were(anonymous, dataset_factory):
    dataset_factory(title="Street Trees")
    response = anonymous.get("/datasets", headers=SPANISH)
    assert response.status_code == 200
    assert "Accept-Language" not in response.headers.get("Vary", "")
    assert response.get_json()["items"][0]["status"] == "active"


def test_the_api_reference_for_people_follows_the_language_switcher(client):
    client.set_cookie("lang", "es")
    page = client.get("/api/docs").get_data(as_text=True)
    assert "<h1>Referencia de la API</h1>" in page and "Lo que la API envía y recibe" in page
