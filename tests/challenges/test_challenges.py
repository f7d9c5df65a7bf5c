"""Organizers create and edit challenges: slugs, dates in a time zone, place, contact, status."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from civicboard.audit.models import AuditEntry
from civicboard.challenges import services
from civicboard.challenges.models import Challenge, can_transition
from civicboard.extensions import db
from civicboard.timeutil import utcnow
from civicboard.validation import ConflictError, ValidationError

FORM = {
    "title": "Somerville Streets Data Jam",
    "slug": "",
    "summary": "Build things with **street** data.",
    "starts_at": "2026-05-02T10:00",
    "ends_at": "2026-05-03T18:00",
    "timezone": "America/New_York",
    "place": "City Hall",
    "contact": "jam@example.org",
}


def _details(**changes):
    values = {
        "title": "Streets Data Jam",
        "starts_at": "2026-05-02T10:00",
        "ends_at": "2026-05-03T18:00",
        "timezone": "America/New_York",
        "place": "City Hall",
        "contact": "jam@example.org",
    }
    values.update(changes)
    return values


def test_organizer_creates_a_draft_with_a_slug_from_the_title(organizer_client):
    client, organizer = organizer_client
    response = client.form("/challenges/new", FORM)
    assert response.status_code == 302
    challenge = db.session.execute(select(Challenge)).scalar_one()
    assert challenge.slug == "somerville-streets-data-jam"
    assert challenge.status == "draft"
    assert challenge.created_by_id == organizer.id
    assert "<strong>street</strong>" in challenge.summary_html


def test_local_times_are_stored_in_utc_with_the_zone_name(organizer_client):
    client, _ = organizer_client
    client.form("/challenges/new", FORM)
    challenge = db.session.execute(select(Challenge)).scalar_one()
    # 2 May 2026 is daylight time in New York: UTC-4.
    assert challenge.starts_at == datetime(2026, 5, 2, 14, 0)
    assert challenge.ends_at == datetime(2026, 5, 3, 22, 0)
    assert challenge.timezone == "America/New_York"


def test_the_page_shows_dates_in_the_challenge_zone(organizer_client):
    client, _ = organizer_client
    client.form("/challenges/new", FORM)
    html = client.get("/challenges/somerville-streets-data-jam").get_data(as_text=True)
    assert "Sat 2 May 2026, 10:00 EDT" in html
    assert 'datetime="2026-05-02T14:00:00Z"' in html


def test_iso_times_with_an_offset_are_converted_to_utc(organizer):
    challenge = services.create_challenge(
        organizer, **_details(starts_at="2026-01-10T09:00:00+01:00", ends_at="2026-01-10T17:00:00Z")
    )
    assert challenge.starts_at == datetime(2026, 1, 10, 8, 0)
    assert challenge.ends_at == datetime(2026, 1, 10, 17, 0)


def test_the_end_must_be_after_the_start(organizer):
    with pytest.raises(ValidationError) as info:
        services.create_challenge(organizer, **_details(starts_at="2026-05-02T10:00", ends_at="2026-05-02T10:00"))
    assert "ends_at" in info.value.fields


def test_an_unknown_time_zone_is_refused(organizer):
    with pytest.raises(ValidationError) as info:
        services.create_challenge(organizer, **_details(timezone="Mars/Olympus_Mons"))
    assert "timezone" in info.value.fields


def test_a_place_or_online_is_required(organizer):
    with pytest.raises(ValidationError) as info:
        services.create_challenge(organizer, **_details(place="", is_online=False))
    assert "place" in info.value.fields


def test_an_online_challenge_needs_no_place(organizer):
    challenge = services.create_challenge(organizer, **_details(place="", is_online=True))
    assert challenge.is_online and challenge.place == ""


def test_contact_can_be_a_url(organizer):
    challenge = services.create_challenge(organizer, **_details(contact="https://jam.example.org/contact"))
    assert challenge.contact == "https://jam.example.org/contact"


@pytest.mark.parametrize("contact", ["not a contact", "javascript:alert(1)", "ftp://example.org", "a@b"])
def test_contact_must_be_an_email_or_a_web_address(organizer, contact):
    with pytest.raises(ValidationError) as info:
        services.create_challenge(organizer, **_details(contact=contact))
    assert "contact" in info.value.fields


def test_form_errors_are_shown_on_the_fields(organizer_client):
    client, _ = organizer_client
    response = client.form("/challenges/new", {**FORM, "ends_at": "2026-05-01T10:00"})
    assert response.status_code == 422
    assert "The end must be after the start." in response.get_data(as_text=True)
    assert db.session.execute(select(Challenge)).first() is None


def test_a_taken_generated_slug_gets_a_number(organizer):
    first = services.create_challenge(organizer, **_details())
    second = services.create_challenge(organizer, **_details())
    assert (first.slug, second.slug) == ("streets-data-jam", "streets-data-jam-2")


def test_a_chosen_slug_must_be_unique(organizer):
    services.create_challenge(organizer, **_details(slug="jam"))
    with pytest.raises(ConflictError) as info:
        services.create_challenge(organizer, **_details(slug="jam"))
    assert "slug" in info.value.fields


@pytest.mark.parametrize("slug", ["manage", "new"])
def test_reserved_words_are_refused_as_slugs(organizer, slug):
    with pytest.raises(ValidationError) as info:
        services.create_challenge(organizer, **_details(slug=slug))
    assert "slug" in info.value.fields


@pytest.mark.parametrize("slug", ["Jam!", "jam_2026", "-jam", "jam--2026", "jäm"])
def test_slugs_are_lower_case_letters_digits_and_hyphens(organizer, slug):
    with pytest.raises(ValidationError):
        services.create_challenge(organizer, **_details(slug=slug))


def test_a_title_that_slugifies_to_a_reserved_word_gets_a_number(organizer):
    challenge = services.create_challenge(organizer, **_details(title="Manage"))
    assert challenge.slug == "manage-2"


def test_organizer_edits_details(organizer_client, challenge_factory):
    client, _ = organizer_client
    challenge = challenge_factory()
    response = client.form(
        f"/challenges/{challenge.slug}/edit",
        {
            **FORM,
            "slug": "new-name",
            "title": "Renamed",
            "timezone": "Europe/Paris",
            "starts_at": "2026-06-01T09:00",
            "ends_at": "2026-06-01T17:00",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (challenge.title, challenge.slug, challenge.timezone) == ("Renamed", "new-name", "Europe/Paris")
    assert challenge.starts_at == datetime(2026, 6, 1, 7, 0)


def test_the_edit_form_shows_local_wall_clock_times(organizer_client, challenge_factory):
    client, organizer = organizer_client
    challenge = challenge_factory(starts_at="2026-05-02T14:00:00Z", ends_at="2026-05-03T22:00:00Z")
    html = client.get(f"/challenges/{challenge.slug}/edit").get_data(as_text=True)
    assert 'value="2026-05-02T10:00"' in html


def test_partial_update_keeps_other_fields(organizer, challenge_factory):
    challenge = challenge_factory()
    starts = challenge.starts_at
    services.update_challenge(organizer, challenge, place="Library")
    assert challenge.place == "Library" and challenge.starts_at == starts


def test_the_slug_is_frozen_once_published(organizer, challenge_factory):
    challenge = challenge_factory(status="published")
    with pytest.raises(ConflictError):
        services.update_challenge(organizer, challenge, slug="something-else")


def test_create_is_audited(organizer):
    challenge = services.create_challenge(organizer, **_details())
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "challenge.create")).scalar_one()
    assert (entry.actor_id, entry.target_type, entry.target_id) == (organizer.id, "challenge", str(challenge.id))


def test_publish_is_audited(organizer, challenge_factory):
    challenge = challenge_factory(status="published")
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "challenge.publish")).scalar_one()
    assert entry.target_id == str(challenge.id) and entry.details["status_to"] == "published"
    assert challenge.published_at is not None


def test_close_is_audited(organizer, challenge_factory):
    challenge = challenge_factory(status="closed")
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "challenge.close")).scalar_one()
    assert entry.target_id == str(challenge.id)
    assert challenge.closed_at is not None


def test_publish_needs_at_least_one_problem(organizer, challenge_factory):
    challenge = challenge_factory()
    with pytest.raises(ConflictError):
        services.publish_challenge(organizer, challenge)
    assert challenge.status == "draft"


def test_hidden_problems_do_not_count_for_publishing(organizer, challenge_factory, problem_factory):
    problem = problem_factory()
    challenge = challenge_factory(problems=[problem])
    problem.hidden_at = utcnow()
    db.session.commit()
    with pytest.raises(ConflictError):
        services.publish_challenge(organizer, challenge)


def test_publish_button_on_the_curation_page(organizer_client, challenge_factory, problem_factory):
    client, _ = organizer_client
    challenge = challenge_factory(problems=[problem_factory()])
    response = client.form(f"/challenges/{challenge.slug}/status", {"status": "published"})
    assert response.status_code == 302
    db.session.expire_all()
    assert challenge.status == "published"


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("draft", "published", True),
        ("draft", "closed", False),
        ("published", "closed", True),
        ("published", "draft", False),
        ("closed", "published", True),
        ("closed", "draft", False),
        ("draft", "bogus", False),
    ],
)
def test_transitions_are_defined_in_one_place(current, target, allowed):
    assert can_transition(current, target) is allowed


def test_a_draft_cannot_be_closed(organizer, challenge_factory):
    challenge = challenge_factory()
    with pytest.raises(ConflictError):
        services.close_challenge(organizer, challenge)


def test_reopening_a_closed_challenge_is_audited_as_a_reopening(organizer, challenge_factory):
    challenge = challenge_factory(status="closed")
    services.publish_challenge(organizer, challenge)
    assert challenge.status == "published" and challenge.closed_at is None
    assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "challenge.reopen")).scalar_one()


def test_dashboard_lists_drafts_and_published(organizer_client, challenge_factory):
    client, _ = organizer_client
    challenge_factory(title="Draft one")
    challenge_factory(title="Public one", status="published")
    html = client.get("/challenges/manage").get_data(as_text=True)
    assert "Draft one" in html and "Public one" in html


def test_json_brief_uses_utc_times_with_z(client, challenge_factory):
    challenge = challenge_factory(status="published", starts_at="2026-05-02T10:00", ends_at="2026-05-02T18:00")
    data = json.loads(client.get(f"/challenges/{challenge.slug}/brief.json").get_data(as_text=True))
    assert (data["starts_at"], data["ends_at"]) == ("2026-05-02T14:00:00Z", "2026-05-02T22:00:00Z")
    assert data["timezone"] == "America/New_York"


def test_same_day_events_show_one_date(challenge_factory):
    challenge = challenge_factory(starts_at="2026-05-02T10:00", ends_at="2026-05-02T18:00")
    assert challenge.when_label == "Sat 2 May 2026, 10:00 to 18:00 EDT"


def test_winter_dates_use_standard_time(challenge_factory):
    challenge = challenge_factory(starts_at="2027-01-15T10:00", ends_at="2027-01-16T10:00")
    assert challenge.starts_at == datetime(2027, 1, 15, 15, 0)
    assert challenge.format_local(challenge.starts_at) == "Fri 15 Jan 2027, 10:00 EST"


def test_emptying_a_drafts_slug_makes_a_new_one_from_the_title(organizer, challenge_factory):
    challenge = challenge_factory(slug="old-slug")
    services.update_challenge(organizer, challenge, title="Bike Data Night", slug="")
    assert challenge.slug == "bike-data-night"
