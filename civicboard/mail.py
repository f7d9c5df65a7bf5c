"""Sending one email: SMTP when MAIL_SERVER is set, the log in development, a list in tests.

Nothing here is called by a request: requests write messages to the outbox (civicboard.outbox)
in their own transaction, and the worker delivers them with send_email, retrying when the
mail server is slow or down.
"""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

# Seconds to wait on the mail server for each step before the attempt counts as failed.
SMTP_TIMEOUT = 10
# The connection a delivery pass keeps open (per thread), see one_connection().
_pass = threading.local()


def build_message(
    to: str, subject: str, body: str, headers: dict[str, str] | None = None, message_id: str | None = None
) -> EmailMessage:
    """A plain-text message from MAIL_FROM, with extra headers and a stable Message-ID."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain=_sender_domain())
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def send_email(
    to: str, subject: str, body: str, headers: dict[str, str] | None = None, message_id: str | None = None
) -> EmailMessage:
    """Send a plain-text message with the configured backend; raises when SMTP fails."""
    message = build_message(to, subject, body, headers, message_id)
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "memory":
        current_app.extensions.setdefault("mail_outbox", []).append(message)
    elif backend == "smtp":
        _send_smtp(message)
    else:
        current_app.logger.info("Email (not sent; MAIL_SERVER is unset):\n%s", message.as_string())
    return message


def outbox() -> list[EmailMessage]:
    """Messages captured by the memory backend (tests)."""
    return current_app.extensions.setdefault("mail_outbox", [])


def _sender_domain() -> str:
    address = current_app.config["MAIL_FROM"].rpartition("<")[2].rstrip(">")
    return address.rpartition("@")[2] or "localhost"


@contextmanager
def one_connection() -> Iterator[None]:
    """Within this block, messages sent by SMTP share one connection (a delivery pass).

    Opening a connection (TCP, EHLO, STARTTLS, login) costs more than sending a message; a
    pass of thousands keeps one open. After any error it is dropped and the next message
    opens a fresh one.
    """
    _pass.active, _pass.smtp = True, None
    try:
        yield
    finally:
        smtp, _pass.active, _pass.smtp = _pass.smtp, False, None
        if smtp is not None:
            _close(smtp)


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    smtp = smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT)
    try:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    except Exception:
        _close(smtp)
        raise
    return smtp


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except Exception:
        smtp.close()


def _send_smtp(message: EmailMessage) -> None:
    if not getattr(_pass, "active", False):
        smtp = _connect()
        try:
            smtp.send_message(message)
        finally:
            _close(smtp)
        return
    if _pass.smtp is None:
        _pass.smtp = _connect()
    try:
        _pass.smtp.send_message(message)
    except Exception:
        smtp, _pass.smtp = _pass.smtp, None
        _close(smtp)
        raise
