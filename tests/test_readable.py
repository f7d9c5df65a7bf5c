"""Machine values in words: device names on the account page, audit details on the audit log."""

from __future__ import annotations

import pytest

from civicboard import readable
from civicboard.audit.services import record
from civicboard.extensions import db

WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)"
WINDOWS_CHROME = f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {WEBKIT} Chrome/131.0 Safari/537.36"
UA = {
    WINDOWS_CHROME: "Chrome on Windows",
    f"{WINDOWS_CHROME} Edg/131.0": "Edge on Windows",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1": "Safari on iPhone",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0": "Firefox on macOS",
    f"Mozilla/5.0 (Linux; Android 14; Pixel 8) {WEBKIT} Chrome/131.0 Mobile Safari/537.36": "Chrome on Android",
    "curl/8.5.0": "curl",
    "": "An unknown browser",
}


@pytest.mark.parametrize(("ua", "name"), UA.items())
def test_a_user_agent_becomes_a_device_name(ua, name):
    assert readable.device_name(ua) == name


def test_audit_details_become_labelled_lines():
    lines = readable.details({"from": "open", "to": "resolved", "dataset_ids": [3, 4], "locked": True, "note": None})
    assert lines == [("From", "Open"), ("To", "Resolved"), ("Dataset IDs", "3, 4"), ("Locked", "yes"), ("Note", "none")]
    assert readable.action("site_page.update") == "Site page: update"


def test_the_account_page_names_devices(client, user_factory, login):
    user = user_factory()
    client.environ_base["HTTP_USER_AGENT"] = next(iter(UA))
    login(client, user)
    page = client.get("/account").get_data(as_text=True)
    assert "Chrome on Windows</span> — last active" in page


def test_the_audit_log_shows_details_as_words_not_json(client, user_factory, login):
    moderator = user_factory(roles=["moderator"])
    record(moderator, "problem.status", "problem", "7", **{"from": "open", "to": "declined"})
    db.session.commit()
    login(client, moderator)
    page = client.get("/moderation/audit").get_data(as_text=True)
    assert "<dt>From</dt><dd>Open</dd><dt>To</dt><dd>Declined</dd>" in page
    assert "Problem: status" in page and "{&#34;from&#34;" not in page
