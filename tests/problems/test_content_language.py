"""Content language: authors say which language a problem, comment or official response is in.

What people write is not translated; the pages mark it with `lang` so that screen readers,
spelling and hyphenation treat it as what it is, and the API reads and writes `language`.
"""

from __future__ import annotations

import pytest

from civicboard.extensions import db
from civicboard.problems import services
from civicboard.problems.models import Comment, Problem
from civicboard.staff.models import Response


def propose_form(dataset, **changes):
    data = {
        "title": "Broken streetlight at Union Square",
        "description": "Dark since Monday.",
        "dataset_ids": [str(dataset.id)],
        "category_id": "",
        "neighbourhood": "",
        "latitude": "",
        "longitude": "",
        "address": "",
        "data_request": "",
        "action": "post",
    }
    data.update(changes)
    return data


@pytest.fixture
def staff(user_factory):
    return user_factory(roles=["staff"], department="Transportation")


# -- forms -----------------------------------------------------------------------------------------


def test_the_propose_form_offers_the_languages_with_the_interface_one_chosen(logged_in):
    client, _user = logged_in
    page = client.get("/problems/new?lang=es").get_data(as_text=True)
    assert '<option selected value="es">Español</option>' in page
    assert '<option value="en">English</option>' in page
    page = client.get("/problems/new?lang=en").get_data(as_text=True)
    assert '<option selected value="en">English</option>' in page


def test_a_problem_keeps_its_language_and_its_page_marks_it(logged_in, dataset_factory):
    client, _user = logged_in
    response = client.form("/problems/new", propose_form(dataset_factory(), language="es"))
    assert response.status_code == 303
    problem = db.session.query(Problem).one()
    assert problem.language == "es"
    page = client.get(f"/problems/{problem.id}?lang=en").get_data(as_text=True)
    assert '<h1 id="problem-title" lang="es">' in page
    assert '<div class="markdown description" lang="es">' in page
    assert 'class="problem-title" lang="es"' in client.get("/?lang=en").get_data(as_text=True)


def test_a_language_not_offered_is_refused_and_nothing_typed_is_lost(logged_in, dataset_factory):
    client, _user = logged_in
    response = client.form("/problems/new", propose_form(dataset_factory(), language="xx"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose a language from the list (en, es)." in page
    assert 'value="Broken streetlight at Union Square"' in page and "Dark since Monday." in page
    assert db.session.query(Problem).count() == 0


def test_editing_changes_the_language_and_the_form_shows_it(logged_in, dataset_factory):
    client, _user = logged_in
    dataset = dataset_factory()
    client.form("/problems/new", propose_form(dataset, language="en"))
    problem = db.session.query(Problem).one()
    page = client.get(f"/problems/{problem.id}/edit?lang=es").get_data(as_text=True)
    assert '<option selected value="en">English</option>' in page  # the stored one, not the interface's
    client.form(f"/problems/{problem.id}/edit", propose_form(dataset, language="es"))
    db.session.expire_all()
    assert db.session.get(Problem, problem.id).language == "es"


def test_a_comment_keeps_its_language(logged_in, make_problem):
    client, _user = logged_in
    problem = make_problem()
    page = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert 'name="language"' in page
    response = client.form(f"/problems/{problem.id}/comments", {"body": "Lo mismo en mi calle.", "language": "es"})
    assert response.status_code == 303
    comment = db.session.query(Comment).one()
    assert comment.language == "es"
    page = client.get(f"/problems/{problem.id}?lang=en").get_data(as_text=True)
    assert '<div class="markdown" lang="es"><p>Lo mismo en mi calle.</p>' in page


def test_a_comment_in_an_unknown_language_is_refused_with_its_text_kept(logged_in, make_problem):
    client, _user = logged_in
    problem = make_problem()
    response = client.form(f"/problems/{problem.id}/comments", {"body": "Me too, on Elm.", "language": "klingon"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose a language from the list (en, es)." in page and "Me too, on Elm." in page
    assert db.session.query(Comment).count() == 0


def test_a_reply_without_a_language_takes_the_interface_language(logged_in, make_problem, user_factory):
    client, _user = logged_in
    problem = make_problem()
    parent = services.add_comment(user_factory(), problem, "First.")
    db.session.commit()
    client.form(f"/problems/{problem.id}/comments?lang=es", {"body": "Respuesta.", "parent_id": str(parent.id)})
    reply = db.session.query(Comment).filter(Comment.parent_id == parent.id).one()
    assert reply.language == "es"


def test_an_official_response_keeps_its_language(client, login, staff, make_problem):
    problem = make_problem()
    login(client, staff)
    page = client.get(f"/staff/problems/{problem.id}/respond").get_data(as_text=True)
    assert 'name="language"' in page
    assert 'id="response-language"' in client.get(f"/problems/{problem.id}").get_data(as_text=True)
    response = client.form(f"/staff/problems/{problem.id}/respond", {"body": "Lo revisaremos.", "language": "es"})
    assert response.status_code == 302
    assert db.session.query(Response).one().language == "es"
    page = client.get(f"/problems/{problem.id}?lang=en").get_data(as_text=True)
    assert '<div class="markdown" lang="es"><p>Lo revisaremos.</p>' in page


def test_an_official_response_in_an_unknown_language_is_refused(client, login, staff, make_problem):
    problem = make_problem()
    login(client, staff)
    response = client.form(f"/staff/problems/{problem.id}/respond", {"body": "We will look.", "language": "fr"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose a language from the list (en, es)." in page and "We will look." in page
    assert db.session.query(Response).count() == 0


def test_content_without_a_language_has_no_lang_attribute(client, make_problem):
    problem = make_problem()
    assert problem.language is None
    page = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert '<div class="markdown description">' in page
