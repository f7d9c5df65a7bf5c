"""The challenges API's error messages follow Accept-Language; its field values do not."""

from __future__ import annotations

from tests.api.conftest import error_of

SPANISH = {"Accept-Language": "es"}


def test_a_refused_status_change_is_explained_in_spanish(as_organizer, make_challenge):
    draft = make_challenge(status="draft")
    response = as_organizer.patch(f"/challenges/{draft.slug}", json={"status": "closed"}, headers=SPANISH)
    assert response.status_code == 409
    assert error_of(response)["message"] == "Un reto en estado “borrador” no puede pasar a “cerrado”."
    assert error_of(response)["code"] == "conflict"
    english = as_organizer.patch(f"/challenges/{draft.slug}", json={"status": "closed"})
    assert error_of(english)["message"] == "A draft challenge cannot become closed."


def test_validation_messages_and_fields_are_in_spanish(as_organizer):
    response = as_organizer.post(
        "/challenges",
        json={
            "title": "Noche de datos",
            "starts_at": "2030-05-02T18:00",
            "ends_at": "2030-05-02T10:00",
            "timezone": "America/New_York",
            "online": True,
            "contact": "no es una dirección",
        },
        headers=SPANISH,
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert error["fields"]["ends_at"] == "El final debe ser posterior al inicio."
    assert error["fields"]["contact"] == (
        "El campo “Contacto” debe ser una dirección web que empiece por http:// o https://."
    )
    assert error["message"] in error["fields"].values()


def test_values_people_do_not_read_stay_as_they_are(anonymous, make_challenge):
    challenge = make_challenge(status="published")
    body = anonymous.get(f"/challenges/{challenge.slug}", headers=SPANISH).get_json()
    assert body["status"] == "published"
    missing = anonymous.get("/challenges/no-such-jam", headers=SPANISH)
    assert missing.status_code == 404
    assert error_of(missing)["message"] == "No existe el reto 'no-such-jam'."
