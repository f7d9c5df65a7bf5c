"""Forms for flags and moderator actions; the services validate, the forms parse."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from civicboard.moderation.models import FlagReason
from civicboard.moderation.services import FLAG_REASON_LABELS, MAX_NOTE_LENGTH, MAX_REASON_LENGTH
from civicboard.readable import AUDIT_SUBJECTS


class FlagForm(FlaskForm):
    """Report a problem or a comment (the same field names as POST /api/v1/flags)."""

    target_type = HiddenField()
    target_id = HiddenField()
    reason = SelectField(
        _l("Why are you reporting this?"),
        choices=[SelectChoice(r.value, FLAG_REASON_LABELS[r]) for r in FlagReason],
        validate_choice=False,
    )
    note = TextAreaField(
        _l("Note for the moderators"),
        validators=[Length(max=MAX_NOTE_LENGTH)],
        description=_l("Required when the reason is \u201csomething else\u201d."),
    )
    next = HiddenField()


class ReasonForm(FlaskForm):
    """A moderator action with a reason (required to hide, optional otherwise)."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[Length(max=MAX_REASON_LENGTH)],
        description=_l("Recorded in the audit log; when hiding, the author sees it on their item."),
    )
    next = HiddenField()


class DismissForm(ReasonForm):
    """Dismiss an item's open flags."""

    target_type = HiddenField()
    target_id = HiddenField()


class SuspendForm(FlaskForm):
    """Suspend a user until a date, or ban for good."""

    until = DateField(
        _l("Suspended until"),
        validators=[Optional()],
        description=_l("The suspension ends at the start of this day (UTC)."),
    )
    permanent = BooleanField(_l("Ban for good instead"))
    reason = TextAreaField(
        _l("Reason"), validators=[Length(max=MAX_REASON_LENGTH)], description=_l("Recorded in the audit log.")
    )

    def validate(self, extra_validators=None) -> bool:
        """Either an end date or a ban for good, not neither and not both."""
        if not super().validate(extra_validators):
            return False
        if self.until.data is None and not self.permanent.data:
            self.until.errors = [_l("Choose the day the suspension ends, or tick \u201cBan for good\u201d.")]
            return False
        if self.until.data is not None and self.permanent.data:
            self.until.errors = [_l("Give an end date or ban for good, not both.")]
            return False
        return True


class AuditFilterForm(FlaskForm):
    """The audit log's filters (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    action = StringField(
        _l("Action"), description=_l("Such as “problem.hide”, or “problem.” for every problem action.")
    )
    actor = StringField(_l("Actor"), description=_l("A user number or email address, or \u201csystem\u201d."))
    # Any name an entry may hold is accepted (an old link's); the list offers the known ones, in words.
    target_type = SelectField(
        _l("Target type"),
        choices=[SelectChoice("", _l("Any"))] + [SelectChoice(name, words) for name, words in AUDIT_SUBJECTS.items()],
        validate_choice=False,
    )
    target_id = StringField(_l("Target number"))
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("Until"), validators=[Optional()])
