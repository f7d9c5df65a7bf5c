"""Notification emails, digests and the unsubscribe page speak the recipient's saved language."""

from __future__ import annotations

import re

from civicboard.extensions import db
from civicboard.notify import dispatch
from civicboard.outbox.services import deliver_due
from civicboard.problems import preferences
from civicboard.problems.services import add_comment
from civicboard.staff import services as staff_services
from tests.smtp import body_of


def _follower(follower, problem, email, language, delivery="immediate"):
    user = follower(problem, email=email, name=email.split("@")[0].capitalize())
    user.language = language
    preferences.set_delivery(user.id, "comments", delivery)
    db.session.commit()
    return user


def test_a_comment_reaches_a_spanish_follower_in_spanish_and_an_english_one_in_english(
    app, problem_factory, follower, user_factory, smtp_server, worker_pass
):
    problem = problem_factory("Farola apagada en la plaza")
    _follower(follower, problem, "lucia@example.org", "es")
    _follower(follower, problem, "lucy@example.org", "en")
    add_comment(user_factory(name="Bo"), problem, "Sigue sin luz.")
    db.session.commit()
    # Whatever language the request that runs the worker speaks, each reader gets their own.
    with app.test_request_context(headers={"Accept-Language": "es"}):
        worker_pass()
    [spanish] = smtp_server.to("lucia@example.org")
    [english] = smtp_server.to("lucy@example.org")
    assert spanish["Subject"] == "Bo comentó sobre “Farola apagada en la plaza”"
    body = body_of(spanish)
    assert body.startswith("Hola, Lucia:")
    assert "Bo comentó sobre “Farola apagada en la plaza”." in body and "> Sigue sin luz." in body
    assert "Véalo en CivicBoard:" in body
    assert "Elija de qué se entera, y cómo: http://localhost/account/notifications" in body
    assert "Recibe este correo por: un comentario en un problema que sigo, o una respuesta a mi comentario." in body
    assert re.search(r"Dejar de recibir estos correos \(un clic\): http://localhost/unsubscribe/\S+", body)
    assert "commented" not in body and "Hello" not in body
    assert english["Subject"] == "Bo commented on “Farola apagada en la plaza”"
    assert body_of(english).startswith("Hello Lucy,")
    assert "Stop these emails (one click): http://localhost/unsubscribe/" in body_of(english)


def test_an_account_without_a_saved_language_gets_the_default(
    app, problem_factory, follower, user_factory, smtp_server, worker_pass
):
    problem = problem_factory("Bench")
    _follower(follower, problem, "nobody@example.org", None)
    add_comment(user_factory(name="Bo"), problem, "Wobbly.")
    db.session.commit()
    worker_pass()
    [message] = smtp_server.messages
    assert message["Subject"] == "Bo commented on “Bench”"


def test_a_spanish_digest_counts_its_updates_in_spanish(
    app, problem_factory, follower, user_factory, smtp_server, worker_pass
):
    problem = problem_factory("Baches en la calle Olmo")
    _follower(follower, problem, "lucia@example.org", "es", delivery="daily")
    _follower(follower, problem, "lucy@example.org", "en", delivery="daily")
    add_comment(user_factory(name="Bo"), problem, "Primer bache.")
    db.session.commit()
    worker_pass()
    assert dispatch.send_digests("daily") == 2
    deliver_due()
    [spanish] = smtp_server.to("lucia@example.org")
    [english] = smtp_server.to("lucy@example.org")
    assert spanish["Subject"] == "Su resumen diario de CivicBoard: 1 novedad"
    assert english["Subject"] == "Your daily digest from CivicBoard: 1 update"
    body = body_of(spanish)
    assert "Esto es lo que pasó desde su último resumen diario." in body
    assert "1. Bo comentó sobre “Baches en la calle Olmo”." in body
    assert "Recibe este resumen diario porque así lo eligió." in body
    add_comment(user_factory(name="Cy"), problem, "Segundo.")
    add_comment(user_factory(name="Di"), problem, "Tercero.")
    db.session.commit()
    worker_pass()
    dispatch.send_digests("daily")
    deliver_due()
    assert smtp_server.to("lucia@example.org")[1]["Subject"] == "Su resumen diario de CivicBoard: 2 novedades"
    assert smtp_server.to("lucy@example.org")[1]["Subject"] == "Your daily digest from CivicBoard: 2 updates"


def test_the_unsubscribe_page_speaks_the_language_of_the_email(
    app, make_client, problem_factory, follower, user_factory, smtp_server, worker_pass
):
    problem = problem_factory()
    _follower(follower, problem, "lucia@example.org", "es")
    add_comment(user_factory(), problem, "Hola.")
    db.session.commit()
    worker_pass()
    [message] = smtp_server.messages
    path = re.search(r"<http://localhost(/unsubscribe/[^>]+)>", message["List-Unsubscribe"]).group(1)
    browser = make_client()
    page = browser.get(path, headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.headers["Content-Language"] == "es"
    assert "Dejar de recibir los correos sobre:" in html
    assert "Un comentario en un problema que sigo, o una respuesta a mi comentario" in html
    assert "Cancelar la suscripción</button>" in html
    done = browser.form(path, {}).get_data(as_text=True)
    assert "Listo: ya no recibirá más correos sobre:" in done
    # The visitor may still pick another language on the page.
    assert "Stop the emails about:" in browser.get(path + "?lang=en").get_data(as_text=True)
    # A one-click POST from a mail client is answered in the same language.
    one_click = make_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert one_click.get_data(as_text=True) == "Suscripción cancelada.\n"


def test_the_notification_settings_page_in_spanish(app, client, user_factory, login):
    login(client, user_factory())
    html = client.get("/account/notifications?lang=es").get_data(as_text=True)
    assert "<h1>Configuración de notificaciones</h1>" in html
    assert "Un comentario en un problema que sigo, o una respuesta a mi comentario" in html
    assert "Correo al momento" in html and "Resumen diario" in html and "(por defecto)" in html
    assert "Guardar la configuración</button>" in html
    response = client.form("/account/notifications?lang=es", {"responses": "daily"})
    assert response.status_code == 422
    assert "Elija una de las opciones." in response.get_data(as_text=True)


def test_a_status_change_names_both_statuses_in_spanish(
    app, problem_factory, follower, user_factory, smtp_server, worker_pass
):
    problem = problem_factory("Farola apagada")
    _follower(follower, problem, "lucia@example.org", "es")
    staff = user_factory(roles=["staff"], department="Parques", name="Sam")
    staff_services.respond(staff, problem, "Ya está arreglada.", "resolved")
    db.session.commit()
    worker_pass()
    [message] = smtp_server.messages
    assert message["Subject"] == "Nuevo estado de “Farola apagada”: Resuelto"
    body = body_of(message)
    assert "Sam (Parques) publicó una respuesta oficial sobre “Farola apagada”." in body
    assert "Estado: Abierto → Resuelto" in body
    assert "Recibe este correo por: una respuesta oficial o un cambio de estado" in body
