"""Sending email: SMTP when configured, the log in development, a list in tests.

send_email delivers at once; send_email_in_background hands the message to a small pool of
threads so a request never waits on (or fails with) the mail server: password reset must
answer the same, in the same time, whether the address has an account and whether SMTP is
slow or down. A failure there is logged, never shown to the person who asked.
"""

from __future__ import annotations

import logging
import os
import smtplib
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from email.message import EmailMessage

from flask import Flask, current_app

log = logging.getLogger(__name__)

EXECUTOR_KEY = "civicboard.mail.executor"
# Threads per process sending mail in the background; each waits at most SMTP_TIMEOUT.
BACKGROUND_THREADS = 2
SMTP_TIMEOUT = 10
_executor_lock = threading.Lock()


def send_email(to: str, subject: str, body: str) -> None:
    """Send a plain-text message with the configured backend."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "memory":
        current_app.extensions.setdefault("mail_outbox", []).append(message)
    elif backend == "smtp":
        _send_smtp(message)
    else:
        current_app.logger.info("Email (not sent; MAIL_SERVER is unset):\n%s", message.as_string())


def send_email_in_background(to: str, subject: str, body: str) -> Future:
    """Queue a message for a background thread and return at once; failures are only logged."""
    app = current_app._get_current_object()
    future = _executor(app).submit(_deliver, app, to, subject, body)
    app.extensions.setdefault("mail_pending", set()).add(future)
    future.add_done_callback(app.extensions["mail_pending"].discard)
    return future


def wait_for_background_mail(app: Flask | None = None, timeout: float = 30) -> None:
    """Block until every queued message was handled (tests, and shutting down in order)."""
    app = app or current_app._get_current_object()
    pending = set(app.extensions.get("mail_pending", ()))
    if pending:
        wait(pending, timeout=timeout)


def outbox() -> list[EmailMessage]:
    """Messages captured by the memory backend (tests)."""
    return current_app.extensions.setdefault("mail_outbox", [])


def _executor(app: Flask) -> ThreadPoolExecutor:
    """This process's pool (made on first use, so each forked worker has its own threads)."""
    with _executor_lock:
        pid, executor = app.extensions.get(EXECUTOR_KEY, (None, None))
        if executor is None or pid != os.getpid():
            executor = ThreadPoolExecutor(max_workers=BACKGROUND_THREADS, thread_name_prefix="civicboard-mail")
            app.extensions[EXECUTOR_KEY] = (os.getpid(), executor)
        return executor


def _deliver(app: Flask, to: str, subject: str, body: str) -> None:
    with app.app_context():
        try:
            send_email(to, subject, body)
        except Exception:
            # Logged for the operator; the requester was answered long ago and learns nothing.
            domain = to.rpartition("@")[2]
            app.logger.exception("Email %r to an address at %s could not be sent", subject, domain)


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT) as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)
