"""The moderation pages in Spanish for a moderator who reads Spanish."""

from __future__ import annotations

from civicboard.extensions import db
from civicboard.moderation import services

SPANISH = {"Accept-Language": "es-US,es;q=0.9,en;q=0.5"}


def test_the_moderation_queue_is_in_spanish(moderator_client, problem_factory, residents):
    problem = problem_factory(title="Potholes on Main")
    a, b = residents(2)
    services.flag(a, "problem", problem.id, "spam", "")
    services.flag(b, "problem", problem.id, "other", "Copied from a shop.")
    db.session.commit()
    page = moderator_client.get("/moderation", headers=SPANISH).get_data(as_text=True)
    for words in (
        "<h1>Cola de moderación</h1>",
        "2 denuncias abiertas",
        "Spam o publicidad (1)",
        "Motivo para ocultar (el autor lo ve)",
        "Desestimar las denuncias",
        "Registro de auditoría",
    ):
        assert words in page, words
    for english in ("Moderation queue", "open reports", "Spam or advertising", "Dismiss reports", "Audit log"):
        assert english not in page, english
    # What people wrote is not translated.
    assert "Potholes on Main" in page and "Copied from a shop." in page


def test_a_users_record_and_the_audit_log_are_in_spanish(moderator_client, user_factory):
    person = user_factory(name="Ana")
    record = moderator_client.get(f"/moderation/users/{person.id}", headers=SPANISH).get_data(as_text=True)
    assert "Suspensión" in record and "Problemas recientes" in record and "Historial de moderación" in record
    assert "Recent problems" not in record and "Lift the suspension" not in record
    audit = moderator_client.get("/moderation/audit", headers=SPANISH).get_data(as_text=True)
    assert "<h1>Registro de auditoría</h1>" in audit and "Every staff" not in audit
