"""Proposing a problem: the form, validation, dataset search, preview, data requests, duplicates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from civicboard.extensions import db
from civicboard.problems.models import Follow, Problem


def count_problems() -> int:
    return db.session.execute(select(func.count()).select_from(Problem)).scalar_one()


def form_data(dataset, **changes):
    data = {
        "title": "Potholes on Broadway near Ball Square",
        "description": "Three deep potholes since **March**.",
        "dataset_ids": [str(dataset.id)] if dataset is not None else [],
        "category_id": "",
        "neighbourhood": "Ball Square",
        "data_request": "",
        "action": "post",
    }
    data.update(changes)
    return data


def no_match_note_shown(html: str) -> bool:
    """The picker's "no dataset matches" note is on the page and not hidden."""
    start = html.index('<p class="dataset-none"')
    return " hidden" not in html[start : html.index(">", start)]


def test_the_form_needs_a_login(client):
    response = client.get("/problems/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_posting_creates_the_problem_and_redirects_to_it(logged_in, dataset_factory):
    client, user = logged_in
    dataset = dataset_factory(title="Street Pavement Ratings")
    response = client.form("/problems/new", form_data(dataset))
    assert response.status_code == 303
    problem = db.session.execute(select(Problem)).scalar_one()
    assert response.headers["Location"].endswith(f"/problems/{problem.id}")
    assert problem.author_id == user.id
    assert [link.dataset_id for link in problem.dataset_links] == [dataset.id]
    assert problem.description_html == "<p>Three deep potholes since <strong>March</strong>.</p>"
    assert problem.neighbourhood == "Ball Square"


def test_the_author_follows_the_new_problem(logged_in, dataset_factory):
    client, user = logged_in
    client.form("/problems/new", form_data(dataset_factory()))
    follow = db.session.execute(select(Follow)).scalar_one()
    assert follow.user_id == user.id


def test_bad_input_shows_field_errors_and_keeps_what_was_typed(logged_in, dataset_factory):
    client, _ = logged_in
    dataset = dataset_factory(title="Street Pavement Ratings")
    response = client.form("/problems/new", form_data(dataset, title="Hole", description="Kept description text"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Title must be at least 5 characters." in html
    assert "Kept description text" in html
    assert 'value="Hole"' in html
    assert f'value="{dataset.id}" id="dataset-{dataset.id}" checked' in html
    assert count_problems() == 0


def test_whitespace_only_fields_are_rejected(logged_in, dataset_factory):
    client, _ = logged_in
    response = client.form("/problems/new", form_data(dataset_factory(), title="      ", description=" \n\t "))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Title is required." in html and "Description is required." in html


def test_a_problem_needs_a_dataset_or_a_data_request(logged_in):
    client, _ = logged_in
    response = client.form("/problems/new", form_data(None))
    assert response.status_code == 422
    assert "Choose at least one dataset" in response.get_data(as_text=True)
    assert count_problems() == 0


def test_a_data_request_needs_no_dataset(logged_in):
    client, _ = logged_in
    response = client.form(
        "/problems/new", form_data(None, data_request="Daily counts of people at each bike-share dock.")
    )
    assert response.status_code == 303
    problem = db.session.execute(select(Problem)).scalar_one()
    assert problem.is_data_request
    assert problem.data_request_status == "requested"
    assert problem.dataset_links == []


def test_withdrawn_datasets_cannot_be_chosen(logged_in, dataset_factory):
    client, _ = logged_in
    dataset = dataset_factory(title="Old Parking Tickets", status="withdrawn")
    response = client.form("/problems/new", form_data(dataset))
    assert response.status_code == 422
    assert "withdrawn from the catalog" in response.get_data(as_text=True)


def test_unknown_datasets_are_refused(logged_in):
    client, _ = logged_in
    response = client.form("/problems/new", {**form_data(None), "dataset_ids": ["99999"]})
    assert response.status_code == 422
    assert count_problems() == 0


def test_a_category_is_required_once_staff_have_made_some(logged_in, dataset_factory, category_factory):
    client, _ = logged_in
    category_factory(name="Transit")
    response = client.form("/problems/new", form_data(dataset_factory()))
    assert response.status_code == 422
    assert "Choose a category." in response.get_data(as_text=True)


def test_the_chosen_category_is_stored(logged_in, dataset_factory, category_factory):
    client, _ = logged_in
    category = category_factory(name="Transit")
    client.form("/problems/new", form_data(dataset_factory(), category_id=str(category.id)))
    assert db.session.execute(select(Problem.category_id)).scalar_one() == category.id


def test_inactive_categories_cannot_be_chosen(logged_in, dataset_factory, category_factory):
    client, _ = logged_in
    category_factory(name="Transit")
    old = category_factory(name="Old things", active=False)
    response = client.form("/problems/new", form_data(dataset_factory(), category_id=str(old.id)))
    assert response.status_code == 422


def test_preview_renders_markdown_and_saves_nothing(logged_in, dataset_factory):
    client, _ = logged_in
    response = client.form(
        "/problems/new", form_data(dataset_factory(), description="A *real* mess <script>x</script>", action="preview")
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<em>real</em>" in html
    assert "<script>x" not in html
    assert count_problems() == 0


def test_dataset_search_lists_matching_active_datasets_as_checkboxes(logged_in, dataset_factory):
    client, _ = logged_in
    match = dataset_factory(title="Bike Lanes Network")
    dataset_factory(title="Bike Counts (retired)", status="withdrawn")
    dataset_factory(title="Tree Inventory")
    response = client.form("/problems/new", form_data(None, dataset_q="bike", action="find", title="Kept title"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'value="{match.id}" id="dataset-{match.id}">' in html
    assert "Bike Counts" not in html and "Tree Inventory" not in html
    assert "Kept title" in html
    assert count_problems() == 0


def test_preview_keeps_the_dataset_search_results_instead_of_saying_none_match(logged_in, dataset_factory):
    client, _ = logged_in
    first = dataset_factory(title="Building Permits")
    second = dataset_factory(title="Permit Applications")
    response = client.form("/problems/new", form_data(first, dataset_q="permit", action="preview"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert not no_match_note_shown(html) and "No active dataset" not in html
    assert f'value="{second.id}" id="dataset-{second.id}">' in html
    assert f'value="{first.id}" id="dataset-{first.id}" checked' in html


def test_a_validation_error_keeps_the_dataset_search_results(logged_in, dataset_factory):
    client, _ = logged_in
    match = dataset_factory(title="Building Permits")
    response = client.form("/problems/new", form_data(None, dataset_q="permit", title=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'value="{match.id}" id="dataset-{match.id}">' in html
    assert not no_match_note_shown(html)


def test_dataset_search_results_show_publisher_last_update_and_a_line_of_description(logged_in, dataset_factory):
    client, _ = logged_in
    dataset_factory(
        title="311 Call Center Raw Data",
        publisher="Department of Innovation",
        modified=datetime(2025, 3, 4),
        description="<p>Every <b>service request</b> received by phone.</p>",
    )
    html = client.form("/problems/new", form_data(None, dataset_q="311", action="find")).get_data(as_text=True)
    assert "Department of Innovation" in html
    assert 'updated <time datetime="2025-03-04T00:00:00Z">4 Mar 2025</time>' in html
    assert "Every service request received by phone." in html


def test_dataset_search_finds_words_in_descriptions_as_the_api_does(logged_in, dataset_factory):
    client, _ = logged_in
    match = dataset_factory(title="Service Requests", description="Calls about potholes and permits.")
    html = client.form("/problems/new", form_data(None, dataset_q="potholes", action="find")).get_data(as_text=True)
    assert f'id="dataset-{match.id}"' in html


def test_a_search_with_no_match_points_to_the_data_request(logged_in, dataset_factory):
    client, _ = logged_in
    dataset_factory(title="Tree Inventory")
    html = client.form("/problems/new", form_data(None, dataset_q="permit", action="find")).get_data(as_text=True)
    assert no_match_note_shown(html)
    none = html[html.index("data-dataset-none") : html.index("</p>", html.index("data-dataset-none"))]
    assert "No dataset matches “<span data-dataset-none-q>permit</span>”" in none
    assert '<a href="#data_request">' in none


def test_the_search_button_brings_the_page_back_to_the_picker(logged_in):
    client, _ = logged_in
    html = client.get("/problems/new").get_data(as_text=True)
    assert 'formaction="/problems/new#dataset-search"' in html
    assert 'id="dataset-search"' in html


def test_dataset_search_works_with_a_plain_get(logged_in, dataset_factory):
    client, _ = logged_in
    match = dataset_factory(title="Bike Lanes Network")
    html = client.get("/problems/new?dataset_q=lanes").get_data(as_text=True)
    assert f'id="dataset-{match.id}"' in html


def test_a_dataset_link_preselects_the_dataset(logged_in, dataset_factory):
    client, _ = logged_in
    dataset = dataset_factory(title="Tree Inventory")
    html = client.get(f"/problems/new?dataset={dataset.id}").get_data(as_text=True)
    assert f'value="{dataset.id}" id="dataset-{dataset.id}" checked' in html


def test_dataset_suggestions_answer_json(client, dataset_factory):
    dataset = dataset_factory(title="Bike Lanes Network", publisher="City of Somerville")
    dataset_factory(title="Tree Inventory")
    body = client.get("/problems/dataset-suggest?q=bike%20net").get_json()
    assert body == {
        "items": [
            {
                "id": dataset.id,
                "title": "Bike Lanes Network",
                "publisher": "City of Somerville",
                "url": f"/datasets/{dataset.id}",
            }
        ]
    }


def test_likely_duplicates_are_shown_before_posting(logged_in, dataset_factory, make_problem):
    client, _ = logged_in
    dataset = dataset_factory(title="Street Pavement Ratings")
    existing = make_problem("Broadway potholes near Ball Square", datasets=[dataset])
    response = client.form("/problems/new", form_data(dataset))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Is it one of these?" in html
    assert f"/problems/{existing.id}" in html
    assert "Post anyway" in html
    assert count_problems() == 1


def test_post_anyway_creates_the_problem(logged_in, dataset_factory, make_problem):
    client, _ = logged_in
    dataset = dataset_factory()
    make_problem("Broadway potholes near Ball Square", datasets=[dataset])
    response = client.form("/problems/new", form_data(dataset, action="post_anyway"))
    assert response.status_code == 303
    assert count_problems() == 2


def test_problems_on_other_datasets_or_closed_are_not_duplicates(logged_in, dataset_factory, make_problem):
    client, _ = logged_in
    dataset = dataset_factory()
    make_problem("Broadway potholes near Ball Square", datasets=[dataset_factory()])
    closed = make_problem("Potholes Broadway Ball Square", datasets=[dataset])
    closed.status = "resolved"
    db.session.commit()
    response = client.form("/problems/new", form_data(dataset))
    assert response.status_code == 303


def test_the_author_can_edit_the_problem(logged_in, make_problem, dataset_factory):
    client, user = logged_in
    problem = make_problem(author=user)
    other = dataset_factory(title="Traffic Counts")
    response = client.form(
        f"/problems/{problem.id}/edit",
        {"title": "A better title here", "description": "New *text*", "dataset_ids": [str(other.id)], "action": "post"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    problem = db.session.get(Problem, problem.id)
    assert problem.title == "A better title here"
    assert problem.description_html == "<p>New <em>text</em></p>"
    assert [link.dataset_id for link in problem.dataset_links] == [other.id]


def test_others_cannot_edit_a_problem(logged_in, make_problem):
    client, _ = logged_in
    problem = make_problem()
    assert client.get(f"/problems/{problem.id}/edit").status_code == 403
    response = client.form(f"/problems/{problem.id}/edit", {"title": "Hijacked title", "description": "x"})
    assert response.status_code == 403
