"""The email journey, on a server with a real SMTP server and a running `flask worker`.

A resident registers and confirms the address from the mail the SMTP server received,
follows a problem, receives exactly one email when staff resolve it, and its one-click
unsubscribe (RFC 8058, as a mail client sends it: no cookie, no CSRF token) turns those
emails off.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e import server
from tests.e2e.journey import DEMO_PASSWORD, STAFF_EMAIL, log_in, new_person, register
from tests.smtp import Recorder, body_of, running


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Recorder]:
    """The SMTP server the board sends to, in this process."""
    recorder = Recorder()
    with running(recorder) as port:
        recorder.port = port
        yield recorder


@pytest.fixture(scope="module")
def mail_server(mailbox: Recorder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[server.LiveServer]:
    """A board that delivers mail by SMTP to the mailbox, with its worker running."""
    workdir = tmp_path_factory.mktemp("e2e-mail-server")
    mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(mailbox.port), "MAIL_USE_TLS": "0"}
    with server.fresh_database(workdir) as database_url:
        live = server.start(database_url, workdir, mail)
        worker = server.start_worker(database_url, workdir, mail)
        try:
            yield live
        finally:
            server.stop_process(worker)
            server.stop_process(live.process)


def _path(url: str) -> str:
    return urlsplit(url).path  # links name the configured host; the test server's port differs


def test_a_resident_hears_once_by_email_when_staff_resolve_and_can_unsubscribe(browser, mail_server, mailbox, step):
    context = browser.new_context(base_url=mail_server.url)
    staff_context = browser.new_context(base_url=mail_server.url)
    try:
        resident, staff = context.new_page(), staff_context.new_page()
        person = new_person("Mara")

        with step("register and confirm from the mail the SMTP server received"):
            register(resident, person, confirm=False)
            [confirmation] = mailbox.wait_for(person.email)
            link = re.search(r"https?://\S+/verify/\S+", body_of(confirmation)).group(0)
            resident.goto(_path(link))
            resident.get_by_role("main").get_by_role("button", name="Confirm my address").click()
            expect(resident.get_by_text("your email address is confirmed")).to_be_visible()

        with step("follow an open problem"):
            resident.goto("/?status=open&sort=new")
            hrefs = (
                resident.get_by_role("main")
                .locator("a[href^='/problems/']")
                .evaluate_all("links => links.map(a => a.getAttribute('href'))")
            )
            problem_path = next(h for h in hrefs if re.fullmatch(r"/problems/\d+", h))
            resident.goto(problem_path)
            title = resident.get_by_role("heading", level=1).inner_text()
            resident.get_by_role("main").get_by_role("button", name=re.compile("^Follow", re.I)).first.click()
            expect(
                resident.get_by_role("main").get_by_role("button", name=re.compile("^Following", re.I)).first
            ).to_be_visible()

        with step("staff resolve it"):
            log_in(staff, STAFF_EMAIL, DEMO_PASSWORD)
            staff.goto(problem_path)
            form = staff.locator("form:has([name='status'])").first
            form.locator("textarea[name='body']").fill("Fixed this morning by the road crew.")
            form.locator("select[name='status']").select_option(value="resolved")
            form.get_by_role("button", name=re.compile("respond|post|publish|save", re.I)).click()
            expect(staff.get_by_role("main").get_by_text("Fixed this morning by the road crew.")).to_be_visible()

        with step("exactly one email arrives, naming the problem and the status change"):
            messages = mailbox.wait_for(person.email, count=2)  # the confirmation, then the news
            news = messages[1]
            assert news["Subject"] == f"“{title}” is now Resolved"
            body = body_of(news)
            assert "Sam Staff" in body and "→ Resolved" in body and problem_path in body
            # The worker has nothing more for this person: no second email follows.
            with pytest.raises(AssertionError):
                mailbox.wait_for(person.email, count=3, timeout=3)

        with step("one-click unsubscribe, as a mail client sends it"):
            assert news["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            target = re.fullmatch(r"<(.+)>", news["List-Unsubscribe"]).group(1)
            request = urllib.request.Request(
                mail_server.url + _path(target), data=b"List-Unsubscribe=One-Click", method="POST"
            )
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
            with urllib.request.urlopen(request, timeout=10) as answer:
                assert answer.status == 200
            resident.goto("/account/notifications")
            expect(resident.locator("#responses-off")).to_be_checked()
    finally:
        context.close()
        staff_context.close()
