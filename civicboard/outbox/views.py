"""The development mail page (/dev/mail) and the admins' retry of a failed message."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from civicboard.extensions import db
from civicboard.outbox import services
from civicboard.outbox.models import STATUS_LABELS, OutboxMessage
from civicboard.permissions import Capability, capability_required

bp = Blueprint("outbox", __name__)
dev_bp = Blueprint("dev_mail", __name__)


def register(app: Flask) -> None:
    """The retry action always; /dev/mail only outside production and without a mail server."""
    app.register_blueprint(bp)
    if app.config["ENV_NAME"] != "production" and app.config["MAIL_BACKEND"] != "smtp":
        app.register_blueprint(dev_bp)


@dev_bp.get("/dev/mail")
def dev_mail():
    """Every message the board would have sent, newest first (development only)."""
    return render_template("outbox/dev_mail.html", messages=services.recent_messages(), status_labels=STATUS_LABELS)


@bp.post("/admin/mail/<int:message_id>/retry")
@capability_required(Capability.MANAGE_ROLES)
def retry(message_id: int):
    """Queue a failed message again."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    services.retry_failed(current_user, message)
    db.session.commit()
    flash(_("The message to %(address)s is queued again.", address=message.recipient), "success")
    return redirect(url_for("admin.index") + "#failed-mail")
