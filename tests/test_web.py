"""The view helpers every blueprint shares (civicboard.web)."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import BadRequest, NotFound

from civicboard.web import MAX_ID, back_to, check_button, found_or_404, int_arg


@pytest.mark.parametrize(
    ("query", "expected"),
    [("7", 7), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), ("0", None), ("-3", None), ("x", None), ("", None)],
)
def test_an_id_argument_is_a_positive_row_id_or_nothing(app, query, expected):
    with app.test_request_context("/", query_string={"dataset": query}):
        assert int_arg("dataset") == expected


def test_a_huge_id_in_the_staff_queue_filter_is_ignored_not_a_server_error(client, user_factory, login):
    login(client, user_factory(roles=["staff"], department="Parks"))
    assert client.get(f"/staff?dataset={2**64}").status_code == 200


def test_back_to_refuses_another_site(app):
    with app.test_request_context("/", method="POST", data={"next": "https://evil.example/"}):
        assert back_to("/problems/1") == "/problems/1"
    with app.test_request_context("/", method="POST", data={"next": "/?sort=top"}):
        assert back_to("/problems/1") == "/?sort=top"


def test_a_button_without_its_csrf_token_is_a_400(app):
    with app.test_request_context("/", method="POST", data={}), pytest.raises(BadRequest):
        check_button()


def test_nothing_found_is_a_404():
    with pytest.raises(NotFound):
        found_or_404(None)
    assert found_or_404(0) == 0
