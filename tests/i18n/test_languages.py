"""Which language a page is served in, how a visitor changes it, and the page cache per language."""

from __future__ import annotations

import pytest

from civicboard.extensions import db
from civicboard.i18n import check_timezone, parse_languages

SPANISH_SKIP_LINK = "Saltar al contenido principal"
ENGLISH_SKIP_LINK = "Skip to main content"


def test_languages_and_time_zone_are_checked():
    assert parse_languages("en, es,en") == ["en", "es"]
    with pytest.raises(ValueError, match="xx-nope"):
        parse_languages("en,xx-nope")
    with pytest.raises(ValueError):
        parse_languages(" , ")
    assert check_timezone("America/New_York") == "America/New_York"
    with pytest.raises(ValueError, match="Mars/Olympus"):
        check_timezone("Mars/Olympus")


def test_templates_speak_the_language_in_force_even_when_it_changes_mid_request(app):
    """The templates keep the request's catalog (civicboard.i18n.translations); an email
    written in its recipient's language during an English request must not get it."""
    from flask import render_template_string
    from flask_babel import force_locale

    words = "{{ _('Log in') }} / {{ ngettext('%(num)s vote', '%(num)s votes', 2) }} / {{ current_language() }}"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(words) == "Log in / 2 votes / en"
        with force_locale("es"):
            assert render_template_string(words) == "Iniciar sesión / 2 apoyos / es"
        assert render_template_string(words) == "Log in / 2 votes / en"


def test_the_first_configured_language_is_the_default(client):
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert '<html lang="en">' in html and ENGLISH_SKIP_LINK in html
    assert page.headers["Content-Language"] == "en"


def test_accept_language_chooses_among_the_offered_languages(client):
    page = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    html = page.get_data(as_text=True)
    assert '<html lang="es">' in html and SPANISH_SKIP_LINK in html
    assert page.headers["Content-Language"] == "es"
    assert {"Accept-Language", "Cookie"} <= set(page.vary)
    # A language not offered falls back to the default.
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)


def test_the_cookie_beats_the_browser_and_the_parameter_beats_both(client):
    client.set_cookie("lang", "es")
    assert SPANISH_SKIP_LINK in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert ENGLISH_SKIP_LINK in client.get("/?lang=en").get_data(as_text=True)
    client.set_cookie("lang", "klingon")  # not offered: ignored
    assert ENGLISH_SKIP_LINK in client.get("/").get_data(as_text=True)


def test_pages_name_their_other_languages_with_absolute_addresses(client, app):
    html = client.get("/datasets?q=bus").get_data(as_text=True)
    base = app.config["CIVICBOARD_URL"]
    assert f'<link rel="alternate" hreflang="es" href="{base}/datasets?q=bus&amp;lang=es">' in html
    assert f'<link rel="alternate" hreflang="en" href="{base}/datasets?q=bus&amp;lang=en">' in html


def test_the_switcher_link_sets_the_cookie_and_goes_back(client):
    response = client.get("/language/es?next=/datasets%3Flang%3Den%26q%3Dbus")
    assert response.status_code == 303
    # Back to the page, minus the ?lang= that would outrank the new choice.
    assert response.headers["Location"] == "/datasets?q=bus"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=es;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert SPANISH_SKIP_LINK in client.get("/datasets?q=bus").get_data(as_text=True)


def test_the_switcher_refuses_other_sites_and_unknown_languages(client):
    assert client.get("/language/es?next=//evil.example/").headers["Location"] == "/"
    assert client.get("/language/es?next=https://evil.example/").headers["Location"] == "/"
    assert client.get("/language/xx").status_code == 404


def test_a_signed_in_choice_is_saved_on_the_account(client, user_factory, login, make_client):
    user = user_factory()
    login(client, user)
    html = client.get("/").get_data(as_text=True)
    assert 'action="/language/es"' in html  # a button (with a CSRF token) for signed-in users
    assert client.post("/language/es", data={"next": "/"}).status_code == 400  # no CSRF token
    response = client.form("/language/es", {"next": "/datasets"})
    assert response.status_code == 303 and response.headers["Location"] == "/datasets"
    db.session.refresh(user)
    assert user.language == "es"
    # Another device, without the cookie and with an English browser, still gets Spanish.
    other = make_client()
    login(other, user)
    assert SPANISH_SKIP_LINK in other.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_the_header_and_the_footer_both_offer_the_other_languages(client, user_factory, login):
    import re

    def header_and_footer(html):
        header = re.search(r"<header.*?</header>", html, re.S).group(0)
        footer = re.search(r"<footer.*?</footer>", html, re.S).group(0)
        return header, footer

    header, footer = header_and_footer(client.get("/").get_data(as_text=True))
    # Both header menus (wide screen and phone) and the footer; the footer also names the current one.
    assert header.count('href="/language/es?next=') == 2 and 'href="/language/es?next=' in footer
    assert "/language/en" not in header and 'aria-current="true" lang="en"' in footer
    login(client, user_factory())
    header, footer = header_and_footer(client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True))
    assert header.count('action="/language/en"') == 2 and 'action="/language/en"' in footer


def test_anonymous_pages_offer_links_not_forms(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/language/es?next=' in html
    assert 'action="/language/' not in html
    assert "Set-Cookie" not in client.get("/").headers


def test_the_page_cache_never_serves_one_language_to_another(app, make_client):
    app.config["PAGE_CACHE_SECONDS"] = 30
    from civicboard import pagecache

    pagecache.register(app)
    spanish = make_client().get("/", headers={"Accept-Language": "es"})
    again = make_client().get("/", headers={"Accept-Language": "es-ES"})
    english = make_client().get("/", headers={"Accept-Language": "en-US"})
    assert (spanish.headers["X-Cache"], again.headers["X-Cache"], english.headers["X-Cache"]) == ("miss", "hit", "miss")
    assert SPANISH_SKIP_LINK in again.get_data(as_text=True)
    assert ENGLISH_SKIP_LINK in english.get_data(as_text=True)
    assert "Accept-Language" in again.vary


def test_the_api_and_feeds_do_not_vary_by_language(client):
    assert "Accept-Language" not in client.get("/api/v1/problems").vary


def test_registering_keeps_the_language_for_the_emails(client):
    client.set_cookie("lang", "es")
    response = client.form(
        "/register",
        {
            "email": "lucia@example.org",
            "name": "Lucía",
            "password": "a long enough passphrase",
            "confirm": "a long enough passphrase",
        },
    )
    assert response.status_code == 302
    from civicboard.auth.services import find_user_by_email

    assert find_user_by_email("lucia@example.org").language == "es"


def test_dates_and_relative_times_follow_the_language_and_the_city_time_zone(database_url):
    from datetime import datetime, timedelta

    from civicboard.templating import format_date, format_datetime, time_ago
    from civicboard.timeutil import utcnow
    from tests.conftest import make_app

    app = make_app(database_url, CIVICBOARD_TIMEZONE="America/New_York")
    winter, summer = datetime(2026, 11, 26, 14, 5), datetime(2026, 5, 2, 14, 0)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert format_date(winter) == "26 Nov 2026"
        assert format_datetime(winter) == "26 Nov 2026, 09:05 EST"
        assert format_datetime(summer) == "2 May 2026, 10:00 EDT"
        assert time_ago(utcnow() - timedelta(days=3, hours=2)) == "3 days ago"
        assert time_ago(utcnow() - timedelta(minutes=50)) == "50 minutes ago"
        assert time_ago(utcnow()) == "just now"
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert format_date(winter) == "26 nov 2026"
        # Spanish has no short name for New York's zone: the GMT form, not a bare "-0500".
        assert format_datetime(winter) == "26 nov 2026, 09:05 GMT-05:00"
        assert time_ago(utcnow() - timedelta(days=3, hours=2)) == "hace 3 días"
        assert time_ago(utcnow() - timedelta(days=1, hours=2)) == "hace 1 día"
        assert time_ago(utcnow()) == "ahora mismo"


def test_a_third_language_is_a_catalog_file_and_one_setting(app, database_url, tmp_path):
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    from tests.conftest import make_app

    catalog = Catalog(locale="fr")
    catalog.add("Skip to main content", "Aller au contenu principal")
    catalog.add("Propose a problem", "Proposer un problème")
    (tmp_path / "fr" / "LC_MESSAGES").mkdir(parents=True)
    with (tmp_path / "fr" / "LC_MESSAGES" / "messages.mo").open("wb") as target:
        write_mo(target, catalog)
    french = make_app(
        database_url, CIVICBOARD_LANGUAGES="en,es,fr", BABEL_TRANSLATION_DIRECTORIES=f"translations;{tmp_path}"
    )
    page = french.test_client().get("/", headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    html = page.get_data(as_text=True)
    assert '<html lang="fr">' in html and page.headers["Content-Language"] == "fr"
    assert "Aller au contenu principal" in html and "Proposer un problème" in html
    assert 'hreflang="fr"' in html and ">Français<" in html  # the switcher offers it by its own name
