"""Account emails are written in the recipient's saved language, whoever's request sends them."""

from __future__ import annotations

import re
from datetime import UTC

from babel.dates import format_datetime
from sqlalchemy import select

from civicboard.auth import email_change
from civicboard.auth.models import User
from civicboard.extensions import db
from civicboard.outbox.models import OutboxMessage
from civicboard.outbox.services import deliver_due
from tests.conftest import DEFAULT_PASSWORD, make_app
from tests.smtp import body_of as _body


def body_of(message) -> str:
    return _body(message).replace("\r\n", "\n")


def _register(client, email, language):
    response = client.form(
        "/register",
        {"email": email, "name": "Lucía", "password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD},
        headers={"Accept-Language": language},
    )
    assert response.status_code == 302
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def _smtp_settings(app) -> dict:
    return {key: app.config[key] for key in ("MAIL_BACKEND", "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}


def _queued_body(address: str) -> str:
    return db.session.execute(select(OutboxMessage.body).where(OutboxMessage.recipient == address)).scalar_one()


def test_the_confirmation_email_is_in_the_language_the_resident_registered_in(app, make_client, smtp_server):
    assert _register(make_client(), "lucia@example.org", "es").language == "es"
    assert _register(make_client(), "lucy@example.org", "en").language == "en"
    deliver_due()
    [spanish] = smtp_server.to("lucia@example.org")
    [english] = smtp_server.to("lucy@example.org")
    assert spanish["Subject"] == "Confirme su dirección de correo electrónico en CivicBoard"
    assert body_of(spanish).startswith("Hola, Lucía:\n\nLe damos la bienvenida a CivicBoard.")
    assert "en un plazo de 48 horas" in body_of(spanish)
    assert english["Subject"] == "Confirm your email address for CivicBoard"
    assert body_of(english).startswith("Hello Lucía,\n\nWelcome to CivicBoard. Open this link within 48 hours")
    # The same link either way.
    for message in (spanish, english):
        assert re.search(r"http://localhost/verify/\S+", body_of(message))


def test_a_reset_asked_from_an_english_page_reaches_a_spanish_resident_in_spanish(
    app, client, user_factory, smtp_server
):
    resident = user_factory(email="ana@example.org", name="Ana")
    resident.language = "es"
    db.session.commit()
    client.form("/password/forgot", {"email": "ana@example.org"}, headers={"Accept-Language": "en"})
    deliver_due()
    [message] = smtp_server.to("ana@example.org")
    assert message["Subject"] == "Restablezca su contraseña de CivicBoard"
    assert "Alguien (esperamos que usted) pidió restablecer su contraseña" in body_of(message)


def test_without_a_saved_language_emails_use_the_default_one(app, client, user_factory, smtp_server):
    user_factory(email="old@example.org")  # accounts made before languages were saved have none
    client.form("/password/forgot", {"email": "old@example.org"}, headers={"Accept-Language": "es"})
    deliver_due()
    [message] = smtp_server.to("old@example.org")
    assert message["Subject"] == "Reset your CivicBoard password"


def test_the_old_address_hears_of_a_change_in_its_language_with_the_city_time(
    app, database_url, user_factory, smtp_server
):
    user = user_factory(email="ana@example.org", name="Ana")
    user.language = "es"
    db.session.commit()
    city = make_app(database_url, CIVICBOARD_TIMEZONE="America/Mexico_City", **_smtp_settings(app))
    with city.app_context():
        user = db.session.get(User, user.id)
        email_change.request_change(user, "ana.nueva@example.org", DEFAULT_PASSWORD)
        token = re.search(r"/account/email/confirm/(\S+)", _queued_body("ana.nueva@example.org")).group(1)
        email_change.confirm_change(token)
        db.session.commit()
        changed_at = user.email_confirmed_at
        deliver_due()
        db.session.remove()
    [notice] = smtp_server.to("ana@example.org")
    [confirm] = smtp_server.to("ana.nueva@example.org")
    assert confirm["Subject"] == "Confirme su nueva dirección de correo electrónico en CivicBoard"
    assert notice["Subject"] == "Se cambió su dirección de correo electrónico en CivicBoard"
    when = format_datetime(changed_at.replace(tzinfo=UTC), "d MMM y, HH:mm", tzinfo="America/Mexico_City", locale="es")
    when += " GMT-06:00"  # Spanish has no short name for the zone
    assert f"El {when}, la dirección de correo electrónico de su cuenta" in body_of(notice)
    assert "ana.nueva@example.org" in body_of(notice)


def test_service_messages_follow_the_page_language(app, client, user_factory):
    user_factory(email="ana@example.org")
    page = client.form(
        "/login", {"email": "ana@example.org", "password": "wrong password!"}, headers={"Accept-Language": "es"}
    )
    assert "Ese correo electrónico y esa contraseña no corresponden a ninguna cuenta." in page.get_data(as_text=True)
