"""What an integrator's script does, over real HTTP: a token from `flask users token`, every
visible problem exactly once by following `next`, a comment and a vote, and the errors.

The server is a real one on 127.0.0.1 (a free port), stopped by the test; the script uses
nothing but the standard library, as a script written against the README would.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from civicboard.timeutil import utcnow

TIMEOUT = 10  # seconds for any one request


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app served on 127.0.0.1 at a free port, for the length of the test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    # An operator sets CIVICBOARD_URL to where the board is served; links (`next`) use it.
    app.config["CIVICBOARD_URL"] = f"http://127.0.0.1:{server.server_port}"
    try:
        yield f"http://127.0.0.1:{server.server_port}/api/v1"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def call(method: str, url: str, token: str | None = None, body: Any = None, raw: bytes | None = None):
    """(status, JSON body) of one request; error statuses are answers, not exceptions."""
    headers = {"Accept": "application/json"}
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
    if data is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def test_an_external_script_reads_everything_once_writes_and_gets_clear_errors(
    live_server, runner, user_factory, make_problem, problem_factory, dataset_factory
):
    resident = user_factory(email="script@example.org", name="Script Writer")
    token = runner.invoke(args=["users", "token", "script@example.org", "--label", "script"]).output.strip()
    dataset = dataset_factory(title="Street Lights")
    visible = {make_problem(datasets=[dataset]).id for _ in range(23)}
    visible |= {problem_factory(vote_count=n % 4).id for n in range(22)}
    hidden = {problem_factory(hidden_at=utcnow()).id for _ in range(3)}
    own_hidden = problem_factory(author=resident, hidden_at=utcnow()).id  # its author sees it

    # Who am I?
    status, me = call("GET", f"{live_server}/me", token)
    assert (status, me["name"]) == (200, "Script Writer")

    # Every problem the token may see, exactly once, by following `next`.
    seen: list[int] = []
    url: str | None = f"{live_server}/problems?limit=10&sort=top"
    pages = 0
    while url:
        status, page = call("GET", url, token)
        assert status == 200
        assert page["total"] == len(visible) + 1
        seen += [item["id"] for item in page["items"]]
        url = page["next"]
        pages += 1
        assert pages <= 10, "next never became null"
    assert len(seen) == len(set(seen)), "a problem came twice"
    assert set(seen) == visible | {own_hidden}
    assert not set(seen) & hidden

    # Write: a comment and a vote.
    target = min(visible)
    status, comment = call("POST", f"{live_server}/problems/{target}/comments", token, {"body": "Seen from my script."})
    assert (status, comment["body"]) == (201, "Seen from my script.")
    status, vote = call("PUT", f"{live_server}/problems/{target}/vote", token)
    assert status == 200 and vote["voted"] is True
    status, again = call("PUT", f"{live_server}/problems/{target}/vote", token)
    assert (status, again) == (200, vote)

    # Errors: each with its status, the contract's body, and what is wrong.
    status, error = call("POST", f"{live_server}/problems", token, raw=b'{"title": "unterminated')
    assert (status, error["error"]["code"]) == (400, "bad_request")
    status, error = call(
        "POST", f"{live_server}/problems", token, {"description": "No title.", "dataset_ids": [dataset.id]}
    )
    assert (status, error["error"]["code"]) == (422, "validation_error")
    assert "title" in error["error"]["fields"]
    status, error = call("GET", f"{live_server}/problems/987654", token)
    assert (status, error["error"]["code"]) == (404, "not_found")
    status, error = call("POST", f"{live_server}/problems/{target}/comments", None, {"body": "Anonymous."})
    assert (status, error["error"]["code"]) == (401, "unauthorized")
    status, error = call("POST", f"{live_server}/problems/{target}/responses", token, {"body": "I am not staff."})
    assert (status, error["error"]["code"]) == (403, "forbidden")
