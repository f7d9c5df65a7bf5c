"""A bare Flask app answering "hello": the ceiling `make bench` compares CivicBoard's pages with.

Served by the same gunicorn, Python and settings as the app, so a page's throughput as a ratio
of hello's says how much the page itself costs, whatever the machine.

It also sends CivicBoard's stored export files (EXPORT_FOLDER) the cheapest way Flask can, a
sendfile of the file as it is: the control for the home page under export load, showing what
moving those bytes costs this machine whatever the app.
"""

import os
from pathlib import Path

from flask import Flask, abort, request, send_file

app = Flask(__name__)
FILES = {"problems.csv", "problems.json"}


@app.get("/")
def hello() -> str:
    """The cheapest possible Flask response."""
    return "hello"


@app.get("/exports/<name>")
def export_file(name: str):
    """A stored export, its gzip copy when the client accepts gzip (no headers beyond that)."""
    if name not in FILES or not os.environ.get("EXPORT_FOLDER"):
        abort(404)
    gzipped = request.accept_encodings["gzip"] > 0
    path = Path(os.environ["EXPORT_FOLDER"]) / (name + (".gz" if gzipped else ""))
    response = send_file(path, max_age=0, conditional=False, etag=False)
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    return response
