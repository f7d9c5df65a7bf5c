"""The admin pages in Spanish, role names included."""

from __future__ import annotations

SPANISH = {"Accept-Language": "es"}


def test_admin_page_and_role_change_in_spanish(client, user_factory, login):
    login(client, user_factory(roles=["admin"]))
    target = user_factory(name="Teresa Técnica", roles=["staff"])
    html = client.get("/admin", headers=SPANISH).get_data(as_text=True)
    assert "<h1>Administración</h1>" in html and "Personal municipal" in html
    for english in ("People", "Departments", "Mail that could not be sent", "City staff"):
        assert english not in html
    response = client.form(
        f"/admin/users/{target.id}/roles",
        {"role": "moderator", "action": "grant", "reason": "refuerzo"},
        headers=SPANISH,
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Rol Moderador concedido." in html
    assert "Roles: Vecino, Personal municipal, Moderador" in html
