"""/insights in Spanish: headings, chart words and months in Spanish, figures written the Spanish way."""

from __future__ import annotations

import re
from datetime import timedelta

from flask_babel import force_locale

from civicboard.insights import report
from civicboard.insights.queries import Timing
from tests.insights.conftest import NOW

SPANISH = {"Accept-Language": "es"}
TILES = (
    r'<li class="tile"><span class="tile-label">([^<]+)<span class="visually-hidden">:</span></span> '
    r'<span class="tile-value">([^<]+)</span></li>'
)


def test_dashboard_in_spanish_has_spanish_headings_and_figures(client, history, fixed_clock):
    response = client.get("/insights", headers=SPANISH)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Cómo responde Somerville</h1>" in page
    for heading in ("De un vistazo", "Problemas por estado", "Tiempos de respuesta por departamento"):
        assert f">{heading}</h2>" in page
    headline = dict(re.findall(TILES, page))
    assert headline["Problemas visibles"] == "11"
    assert headline["Mediana del tiempo hasta la primera respuesta oficial"] == "4 días"
    # Spanish puts a (non-breaking) space before the percent sign.
    assert headline["Respondidos dentro del plazo objetivo de 14 días"] == "80\xa0% (8 de 10)"
    assert '<tr><th scope="row">Resuelto</th><td>5</td></tr>' in page  # status names too
    assert "Resuelto: 5" in page  # and the chart that reads them out
    # Months are abbreviated in Spanish in the table and in the chart's description.
    assert '<th scope="row">dic 2025</th>' in page
    assert "jul 2026: nuevos 1, resueltos 2" in page
    assert "Problemas nuevos y resueltos por mes" in page
    for english in ("At a glance", "Visible problems", "How these figures are computed", "New and resolved", " days"):
        assert english not in page


def test_fractional_durations_take_a_decimal_comma_in_spanish(client, problem_factory, fixed_clock):
    created = NOW - timedelta(days=20)
    problem_factory(created_at=created, first_response_at=created + timedelta(hours=60))
    page = client.get("/insights", headers=SPANISH).get_data(as_text=True)
    headline = dict(re.findall(TILES, page))
    assert headline["Mediana del tiempo hasta la primera respuesta oficial"] == "2,5 días"
    assert headline["Mediana del tiempo hasta la resolución"] == "sin datos"
    english = dict(re.findall(TILES, client.get("/insights").get_data(as_text=True)))
    assert english["Median time to a first official response"] == "2.5 days"


def test_durations_shares_and_counts_follow_the_language(app):
    timing = Timing(None, "", 12345, 0, None, None, 0, None, None, 9, 12345)
    with app.test_request_context(), force_locale("es"):
        assert report.format_duration(90 * 60) == "1,5 horas"
        assert report.format_duration(3600) == "1 hora"
        assert report.format_duration(86400 * 3) == "3 días"
        assert report.format_share(timing) == "0\xa0% (9 de 12.345)"
    with app.test_request_context(), force_locale("en"):
        assert report.format_duration(90 * 60) == "1.5 hours"
        assert report.format_duration(3600) == "1 hour"
        assert report.format_share(timing) == "0% (9 of 12,345)"
