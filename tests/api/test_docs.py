"""/api/docs: a readable API reference rendered on the server from the OpenAPI document."""

from __future__ import annotations

import re

from civicboard.api.openapi import openapi_document


def test_the_reference_lists_every_operation_of_the_openapi_document(client):
    response = client.get("/api/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    document = client.get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                heading = (
                    f'<span class="api-method api-method-{method}" translate="no">{method.upper()}</span> '
                    f'<code class="api-path">{path}</code>'
                )
                assert heading in page, f"{method.upper()} {path} is missing"


def test_the_reference_describes_fields_and_links_the_shapes_it_names(client, app):
    page = client.get("/api/docs").get_data(as_text=True)
    with app.test_request_context():
        schemas = openapi_document()["components"]["schemas"]
    for name in schemas:
        assert f'id="schema-{name}"' in page
    linked = set(re.findall(r'<a href="#schema-([A-Za-z]+)"', page))
    assert linked and linked <= set(schemas)
    assert "<code>title</code>" in page and "needs a token" in page


def test_the_reference_is_plain_html_without_scripts_from_elsewhere(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert re.search(r"<script(?![^>]*\bsrc=\"/static/)", page) is None
    assert "https://cdn" not in page and "style=" not in page


def test_the_footer_links_the_reference(client):
    assert 'href="/api/docs"' in client.get("/").get_data(as_text=True)
