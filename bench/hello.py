"""A bare Flask app answering "hello": the ceiling `make bench` compares CivicBoard's pages with.

Served by the same gunicorn, Python and settings as the app, so a page's throughput as a ratio
of hello's says how much the page itself costs, whatever the machine.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    """The cheapest possible Flask response."""
    return "hello"
