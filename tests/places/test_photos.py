"""Photos on problems: decoded, re-encoded without metadata, served carefully, hidden with their problem."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from civicboard.extensions import db
from civicboard.moderation import services as moderation_services
from civicboard.problems import photos
from civicboard.problems.models import Photo, Problem
from civicboard.timeutil import utcnow
from civicboard.validation import ValidationError
from tests import imagefiles


@pytest.fixture
def author(user_factory):
    return user_factory(name="Pat Photographer")


@pytest.fixture
def problem(make_problem, author) -> Problem:
    return make_problem("Graffiti on the bridge", author=author)


def stored_files(app) -> list[Path]:
    return sorted(p for p in Path(app.config["UPLOAD_FOLDER"]).iterdir() if not p.name.startswith("."))


def test_a_phone_photo_loses_its_gps_and_every_other_tag(app, problem, author):
    photo = photos.add_photo(author, problem, imagefiles.phone_jpeg(), "Spray paint on the north wall")
    db.session.commit()
    stored = photos.path_of(photo).read_bytes()
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and photo.content_type == "image/jpeg"
    assert dict(image.getexif()) == {}
    assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile"} & set(image.info)
    for needle in (b"Exif", b"GPS", b"PhoneMaker", b"xmpmeta", b"secret comment"):
        assert needle not in stored
    thumb = photos.path_of(photo, thumbnail=True).read_bytes()
    assert b"Exif" not in thumb and b"GPS" not in thumb


def test_the_orientation_is_applied_to_the_pixels(app, problem, author):
    photo = photos.add_photo(author, problem, imagefiles.phone_jpeg(64, 32, orientation=6), "Rotated")
    assert (photo.width, photo.height) == (32, 64)  # orientation 6: turned a quarter clockwise


@pytest.mark.parametrize(("data", "kind"), [(imagefiles.png(), "image/png"), (imagefiles.webp(), "image/webp")])
def test_png_and_webp_are_accepted_and_kept_in_their_format(app, problem, author, data, kind):
    photo = photos.add_photo(author, problem, data, "A square")
    assert photo.content_type == kind
    assert b"Someone private" not in photos.path_of(photo).read_bytes()


@pytest.mark.parametrize(
    "data",
    [b"GIF89a not really", imagefiles.gif(), b"\xff\xd8\xff\xe0 truncated jpeg", b"<svg xmlns='x'></svg>", b""],
)
def test_anything_that_does_not_decode_as_jpeg_png_or_webp_is_refused(app, problem, author, data):
    with pytest.raises(ValidationError) as caught:
        photos.add_photo(author, problem, data, "Something")
    assert "photo" in caught.value.fields
    assert stored_files(app) == []


@pytest.mark.parametrize("side", [8000, 20000])
def test_decompression_bombs_are_refused_cleanly(app, problem, author, side):
    with pytest.raises(ValidationError) as caught:
        photos.add_photo(author, problem, imagefiles.bomb(side), "A bomb")
    assert "too many pixels" in caught.value.message


def test_uploads_past_the_size_limit_are_refused(app, problem, author):
    app.config["UPLOAD_MAX_BYTES"] = 100
    with pytest.raises(ValidationError, match="larger than"):
        photos.add_photo(author, problem, imagefiles.phone_jpeg(), "Too big")


def test_alt_text_is_required(app, problem, author):
    with pytest.raises(ValidationError) as caught:
        photos.add_photo(author, problem, imagefiles.png(), "   ")
    assert "photo_alt" in caught.value.fields


def test_a_problem_takes_at_most_six_photos(app, problem, author):
    for n in range(photos.MAX_PHOTOS):
        photos.add_photo(author, problem, imagefiles.png(), f"Photo {n}")
    with pytest.raises(ValidationError, match="at most 6"):
        photos.add_photo(author, problem, imagefiles.png(), "One too many")


def test_only_whoever_may_edit_adds_photos(app, problem, user_factory):
    from civicboard.permissions import PermissionDenied

    with pytest.raises(PermissionDenied):
        photos.add_photo(user_factory(), problem, imagefiles.png(), "Not mine")


def test_photos_are_served_with_their_type_nosniff_and_a_long_cache(app, client, problem, author):
    photo = photos.add_photo(author, problem, imagefiles.png(), "Green")
    db.session.commit()
    response = client.get(f"/photos/{photo.key}")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in response.headers["Cache-Control"] and "public" in response.headers["Cache-Control"]
    assert client.get(f"/photos/{photo.key}/thumbnail").mimetype == "image/png"
    assert client.get("/photos/0123456789abcdef0123456789abcdef").status_code == 404


def test_a_hidden_problem_hides_its_photos(app, make_client, login, problem, author, user_factory):
    photo = photos.add_photo(author, problem, imagefiles.png(), "Green")
    moderator = user_factory(roles=["moderator"])
    moderation_services.hide_problem(moderator, problem, "Spam")
    db.session.commit()
    anonymous = make_client()
    assert anonymous.get(f"/photos/{photo.key}").status_code == 404
    assert anonymous.get(f"/photos/{photo.key}/thumbnail").status_code == 404
    own = make_client()
    login(own, author)
    response = own.get(f"/photos/{photo.key}")
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]


def test_a_moderator_hides_one_photo_and_the_cover_moves_on(app, client, problem, author, user_factory):
    first = photos.add_photo(author, problem, imagefiles.png(), "First")
    second = photos.add_photo(author, problem, imagefiles.webp(), "Second")
    db.session.commit()
    assert problem.cover_photo_key == first.key
    moderation_services.hide_photo(user_factory(roles=["moderator"]), first, "Shows a face")
    db.session.commit()
    assert client.get(f"/photos/{first.key}").status_code == 404
    assert client.get(f"/photos/{second.key}").status_code == 200
    db.session.refresh(problem)
    assert problem.cover_photo_key == second.key


def test_deleting_a_photo_removes_its_files_once_committed(app, problem, author):
    photo = photos.add_photo(author, problem, imagefiles.png(), "Green")
    db.session.commit()
    assert len(stored_files(app)) == 2
    photos.delete_photo(author, problem, photo)
    assert len(stored_files(app)) == 2  # not before the commit: a rollback would keep the photo
    db.session.commit()
    assert stored_files(app) == [] and db.session.query(Photo).count() == 0
    assert problem.cover_photo_key is None


def test_a_rolled_back_upload_leaves_no_file(app, problem, author):
    photos.add_photo(author, problem, imagefiles.png(), "Green")
    db.session.rollback()
    assert stored_files(app) == []


def test_stored_names_are_random_and_reveal_nothing(app, problem, author):
    photo = photos.add_photo(author, problem, imagefiles.png(), "Green")
    assert len(photo.key) == 32 and str(problem.id) not in photos.path_of(photo).name.split(".")[0][:0] + "x"
    assert {p.name for p in stored_files(app)} == {f"{photo.key}.png", f"{photo.key}-thumb.png"}


def test_the_api_adds_a_photo_and_reads_it_back(app, api_as, problem, author):
    api = api_as(author)
    response = api.post(
        f"/problems/{problem.id}/photos",
        data={"file": (io.BytesIO(imagefiles.phone_jpeg()), "IMG_0001.HEIC"), "alt": "The wall"},
    )
    assert response.status_code == 201, response.get_json()
    photo = response.get_json()
    assert photo["alt"] == "The wall" and photo["url"].endswith(f"/photos/{photo['url'].rsplit('/', 1)[1]}")
    [listed] = api.get(f"/problems/{problem.id}").get_json()["photos"]
    assert listed["id"] == photo["id"] and listed["thumbnail_url"].endswith("/thumbnail")
    assert api.delete(f"/problems/{problem.id}/photos/{photo['id']}").status_code == 200
    assert api.get(f"/problems/{problem.id}").get_json()["photos"] == []


def test_a_photo_larger_than_an_ordinary_request_is_accepted(app, api_as, problem, author):
    data = imagefiles.noisy_png()
    assert len(data) > app.config["MAX_CONTENT_LENGTH"]
    response = api_as(author).post(
        f"/problems/{problem.id}/photos", data={"file": (io.BytesIO(data), "big.png"), "alt": "Noise"}
    )
    assert response.status_code == 201, response.get_data(as_text=True)[:300]


def test_the_api_refuses_uploads_past_the_limit(app, api_as, problem, author):
    app.config["UPLOAD_MAX_BYTES"] = 1000
    api = api_as(author)
    upload = {"file": (io.BytesIO(b"x" * 5_000), "big.jpg"), "alt": "Big"}
    response = api.post(f"/problems/{problem.id}/photos", data=upload)
    assert response.status_code == 422 and "larger than" in response.get_json()["error"]["fields"]["file"]
    app.config["MAX_CONTENT_LENGTH"] = 1000  # the body itself: the photo's limit plus room for the form
    upload = {"file": (io.BytesIO(b"x" * 5_000), "big.jpg"), "alt": "Big"}
    assert api.post(f"/problems/{problem.id}/photos", data=upload).status_code == 413


def test_exports_and_open311_link_the_public_photos(app, client, problem, author):
    photo = photos.add_photo(author, problem, imagefiles.png(), "Green")
    db.session.commit()
    [item] = client.get("/exports/problems.json").get_json()["items"]
    assert item["photos"] == [f"http://localhost/photos/{photo.key}"]
    [request] = client.get(f"/open311/v2/requests/{problem.id}.json").get_json()
    assert request["media_url"] == f"http://localhost/photos/{photo.key}"
    problem.hidden_at = utcnow()
    db.session.commit()
    assert client.get(f"/open311/v2/requests/{problem.id}.json").status_code == 404


def test_the_board_shows_the_first_thumbnail_and_the_page_a_gallery(app, client, problem, author):
    first = photos.add_photo(author, problem, imagefiles.png(), "Green square")
    photos.add_photo(author, problem, imagefiles.webp(), "Blue square")
    db.session.commit()
    board = client.get("/").get_data(as_text=True)
    assert f"/photos/{first.key}/thumbnail" in board
    page = client.get(f"/problems/{problem.id}").get_data(as_text=True)
    assert 'alt="Green square"' in page and 'alt="Blue square"' in page


def test_the_author_adds_and_removes_photos_from_the_page(app, make_client, login, problem, author):
    own = make_client()
    login(own, author)
    response = own.form(
        f"/problems/{problem.id}/photos",
        {"photo": (io.BytesIO(imagefiles.phone_jpeg()), "IMG_1.jpg"), "photo_alt": "The wall"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    [photo] = db.session.query(Photo).all()
    assert photo.problem_id == problem.id and photo.alt == "The wall"
    own.form(f"/problems/{problem.id}/photos/{photo.id}/delete")
    assert db.session.query(Photo).count() == 0


def test_moderators_hide_and_restore_one_photo_from_the_page(app, make_client, login, problem, author, user_factory):
    photo = photos.add_photo(author, problem, imagefiles.png(), "Green")
    db.session.commit()
    moderator = make_client()
    login(moderator, user_factory(roles=["moderator"]))
    assert moderator.form(f"/moderation/photos/{photo.id}/hide", {"reason": "A face"}).status_code == 303
    db.session.expire_all()
    assert photo.hidden_at is not None and photo.hidden_reason == "A face"
    assert moderator.form(f"/moderation/photos/{photo.id}/restore").status_code == 303
    db.session.expire_all()
    assert photo.hidden_at is None


def test_residents_cannot_hide_photos(app, logged_in, problem, author):
    client, _user = logged_in
    photo = photos.add_photo(author, problem, imagefiles.png(), "Green")
    db.session.commit()
    assert client.form(f"/moderation/photos/{photo.id}/hide", {"reason": "No"}).status_code == 403


def propose_form(dataset, **changes):
    data = {
        "title": "Graffiti under the bridge",
        "description": "Fresh paint.",
        "dataset_ids": [str(dataset.id)],
        "category_id": "",
        "action": "post",
    }
    data.update(changes)
    return data


def test_proposing_with_a_photo_stores_it_without_gps(app, logged_in, dataset_factory):
    client, user = logged_in
    dataset = dataset_factory()
    response = client.form(
        "/problems/new",
        propose_form(
            dataset, photo_1=(io.BytesIO(imagefiles.phone_jpeg()), "IMG_2.jpg"), photo_1_alt="Tags on the wall"
        ),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    problem = db.session.query(Problem).one()
    [photo] = problem.photos
    assert photo.alt == "Tags on the wall" and photo.author_id == user.id
    assert problem.cover_photo_key == photo.key
    assert b"GPS" not in photos.path_of(photo).read_bytes()


def test_a_preview_keeps_the_chosen_photo_until_the_post(app, logged_in, dataset_factory):
    client, _user = logged_in
    dataset = dataset_factory()
    preview = client.form(
        "/problems/new",
        propose_form(dataset, action="preview", photo_1=(io.BytesIO(imagefiles.png()), "a.png"), photo_1_alt="Green"),
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200
    [pending] = db.session.query(Photo).all()
    assert pending.problem_id is None
    html = preview.get_data(as_text=True)
    assert f'name="pending_photo" value="{pending.key}"' in html
    client.form("/problems/new", propose_form(dataset, pending_photo=pending.key), content_type="multipart/form-data")
    db.session.expire_all()
    assert pending.problem_id == db.session.query(Problem).one().id


def test_a_photo_without_a_description_is_refused_and_nothing_else_is_lost(app, logged_in, dataset_factory):
    client, _user = logged_in
    dataset = dataset_factory()
    response = client.form(
        "/problems/new",
        propose_form(dataset, photo_1=(io.BytesIO(imagefiles.png()), "a.png"), photo_1_alt=""),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose the photo again" in html and "Graffiti under the bridge" in html
    assert db.session.query(Problem).count() == 0 and db.session.query(Photo).count() == 0


def test_someone_elses_pending_photo_cannot_be_claimed(app, logged_in, dataset_factory, user_factory):
    other = user_factory()
    theirs = photos.store(other, imagefiles.png(), "Theirs")
    db.session.commit()
    client, _user = logged_in
    client.form("/problems/new", propose_form(dataset_factory(), pending_photo=theirs.key))
    db.session.expire_all()
    assert theirs.problem_id is None
    assert db.session.query(Problem).one().photos == []


def test_the_feed_links_the_first_photo(app, client, problem, author):
    photo = photos.add_photo(author, problem, imagefiles.png(), "Green")
    db.session.commit()
    feed = client.get("/feeds/problems.atom").get_data(as_text=True)
    assert f'rel="enclosure" href="http://localhost/photos/{photo.key}"' in feed


def test_photos_left_pending_for_a_day_are_pruned_with_their_files(app, author):
    from datetime import timedelta

    old = photos.store(author, imagefiles.png(), "Never posted")
    fresh = photos.store(author, imagefiles.png(), "Still being written")
    old.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    assert photos.prune_pending() == 1
    db.session.commit()
    assert [p.id for p in db.session.query(Photo)] == [fresh.id]
    assert {p.name for p in stored_files(app)} == {f"{fresh.key}.png", f"{fresh.key}-thumb.png"}


def test_the_worker_prunes_abandoned_photos(app, author):
    from datetime import timedelta

    from civicboard.problems import tasks

    old = photos.store(author, imagefiles.png(), "Never posted")
    old.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    assert tasks.prune_pending_photos.call_local() == 1
    assert db.session.query(Photo).count() == 0
