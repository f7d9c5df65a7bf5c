"""The catalog pages in Spanish for a Spanish reader; the catalog's own records stay as written."""

from __future__ import annotations

from datetime import timedelta

from civicboard.timeutil import utcnow

SPANISH = {"Accept-Language": "es-US,es;q=0.9,en;q=0.5"}


def test_the_dataset_list_is_in_spanish(client, dataset_factory):
    dataset_factory(title="Street Trees", publisher="Parks", keywords=["trees"])
    dataset_factory(title="Bus Stops")
    page = client.get("/datasets", headers=SPANISH).get_data(as_text=True)
    assert '<html lang="es">' in page
    for words in (
        "<h1>Conjuntos de datos</h1>",
        "2 conjuntos de datos",
        "0 problemas · 0 apoyos de demanda",
        "Ordenar por",
        "Más demandados",
        "Palabras clave:",
        "Mostrar los conjuntos de datos retirados",
        "solicitudes de datos",
    ):
        assert words in page, words
    for english in ("Sort by", "Most demanded", "votes of demand", "Show withdrawn datasets", "Search datasets"):
        assert english not in page, english
    # What the catalog says is not translated.
    assert "Street Trees" in page and "Parks" in page


def test_a_dataset_page_is_in_spanish(client, dataset_factory):
    dataset = dataset_factory(
        title="Street Trees",
        modified=utcnow() - timedelta(days=10),
        accrual_periodicity="R/P1W",
        license="CC-BY-4.0",
    )
    page = client.get(f"/datasets/{dataset.id}", headers=SPANISH).get_data(as_text=True)
    for words in (
        "Proponer un problema sobre este conjunto de datos",
        "Seguir en un lector de noticias",
        "Actualidad",
        "actualización semanal",
        "puede estar desactualizado",
        "Sobre este conjunto de datos",
        '<th scope="row">Licencia</th>',
        "Catálogo de datos test, identificador",
        "Aún no hay problemas vinculados a este conjunto de datos.",
        "Evidencias que citan este conjunto de datos",
    ):
        assert words in page, words
    for english in (
        "Propose a problem about this dataset",
        "Freshness",
        "may be stale",
        "About this dataset",
        "Problems about this dataset",
        "No staff evidence",
    ):
        assert english not in page, english


def test_the_data_requests_page_is_in_spanish(client, problem_factory):
    problem_factory(title="Where are the benches?", data_request="Bench locations")
    page = client.get("/data-requests", headers=SPANISH).get_data(as_text=True)
    assert "<h1>Solicitudes de datos</h1>" in page and "1 solicitud." in page
    assert "Solicitada" in page and "Datos solicitados:" in page
    assert "Data wanted" not in page and "Most votes" not in page


def test_the_same_pages_stay_in_english_for_an_english_reader(client, dataset_factory):
    dataset = dataset_factory(modified=utcnow() - timedelta(days=10), accrual_periodicity="R/P1W")
    page = client.get(f"/datasets/{dataset.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Freshness" in page and "updated weekly" in page and "Actualidad" not in page
