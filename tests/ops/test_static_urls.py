"""Static URLs carry their content's hash, so a proxy may cache /static/ for a year."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import url_for


def test_static_urls_carry_the_content_hash(app):
    css = Path(app.static_folder) / "css" / "app.css"
    expected = hashlib.sha256(css.read_bytes()).hexdigest()[:12]
    with app.test_request_context():
        assert url_for("static", filename="css/app.css") == f"/static/css/app.css?v={expected}"


def test_pages_link_the_versioned_files(client):
    page = client.get("/about").get_data(as_text=True)
    assert re.search(r'href="/static/css/app\.css\?v=[0-9a-f]{12}"', page)


def test_the_versioned_url_serves_the_file(client):
    page = client.get("/about").get_data(as_text=True)
    href = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', page).group(1)
    assert client.get(href).status_code == 200


def test_a_missing_file_gets_a_plain_url(app):
    with app.test_request_context():
        assert url_for("static", filename="no/such.css") == "/static/no/such.css"
