"""Admin forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from civicboard.permissions import ROLE_LABELS, Role


class RoleChangeForm(FlaskForm):
    """Grant or revoke one role, with a reason for the audit log."""

    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(r.value, ROLE_LABELS[r]) for r in Role if r is not Role.RESIDENT],
        validators=[DataRequired()],
    )
    action = SelectField(
        _l("Action"),
        choices=[SelectChoice("grant", _l("Grant")), SelectChoice("revoke", _l("Revoke"))],
        validators=[DataRequired()],
    )
    reason = TextAreaField(_l("Reason"), validators=[Length(max=1000)], description=_l("Recorded in the audit log."))


class DepartmentAssignForm(FlaskForm):
    """Put a staff member in a department."""

    department_id = SelectField(_l("Department"), coerce=int, validators=[])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=1000)])


class DepartmentForm(FlaskForm):
    """Add a department."""

    name = StringField(_l("Department name"), validators=[DataRequired(), Length(max=120)])
