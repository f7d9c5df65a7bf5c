"""Text cleaning shared by every service: invisible-only text, bidi controls, NUL characters."""

from __future__ import annotations

import pytest

from civicboard.validation import ValidationError, clean_name, clean_text, is_invisible, parse_ids

INVISIBLE = [
    "\u200b\u200b\u200b\u200b\u200b",
    "\u200c\u200d\u2060\ufeff\u00ad",
    "\u3164\u3164\u3164",
    " \u2800 \u180e ",
]


@pytest.mark.parametrize("text", INVISIBLE)
def test_invisible_only_text_counts_as_empty(text):
    assert is_invisible(text)
    with pytest.raises(ValidationError, match="required"):
        clean_text(text, "title", max_length=140)


def test_visible_text_with_a_zero_width_joiner_is_kept():
    assert clean_text("Family \U0001f468\u200d\U0001f469\u200d\U0001f467 park", "title", max_length=140)


def test_bidi_controls_are_removed_from_names():
    assert clean_name("Broken \u202egnithgil\u202c on Main", "title", max_length=140) == "Broken gnithgil on Main"
    assert clean_name("\u2067Admin\u2069", "name", max_length=80) == "Admin"


def test_a_name_made_only_of_bidi_controls_is_refused():
    with pytest.raises(ValidationError):
        clean_name("\u202e\u202d\u2066\u2069", "name", max_length=80)


def test_nul_characters_are_refused():
    with pytest.raises(ValidationError, match="NUL"):
        clean_text("a\x00b", "body", max_length=100)


def test_parse_ids_bounds_ids_to_the_database_range():
    assert parse_ids(["1", "2147483647", "2147483648", str(2**63), "-3", "x", "1"]) == [1, 2147483647]


def test_a_problem_titled_with_zero_width_characters_only_is_refused(logged_in, dataset_factory):
    client, _ = logged_in
    dataset = dataset_factory()
    response = client.form(
        "/problems/new",
        {"title": "\u200b" * 10, "description": "Text", "dataset_ids": [str(dataset.id)], "action": "post"},
    )
    assert response.status_code == 422
    assert "Title is required" in response.get_data(as_text=True)


def test_bidi_overrides_are_removed_from_problem_titles_and_display_names(app, user_factory, dataset_factory):
    from civicboard.auth import services as auth_services
    from civicboard.extensions import db
    from civicboard.problems import services as problem_services

    user = user_factory()
    problem = problem_services.create_problem(
        user, title="Pothole \u202eeunevA\u202c here", description="Text", dataset_ids=[dataset_factory().id]
    )
    auth_services.update_profile(user, name="\u202eRosa\u202c", bio="")
    db.session.commit()
    assert problem.title == "Pothole eunevA here"
    assert user.name == "Rosa"
