"""Admin forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from civicboard.permissions import ROLE_LABELS, Role


class RoleChangeForm(FlaskForm):
    """Grant or revoke one role, with a reason for the audit log."""

    role = SelectField(
        "Role",
        choices=[SelectChoice(r.value, ROLE_LABELS[r]) for r in Role if r is not Role.RESIDENT],
        validators=[DataRequired()],
    )
    action = SelectField(
        "Action",
        choices=[SelectChoice("grant", "Grant"), SelectChoice("revoke", "Revoke")],
        validators=[DataRequired()],
    )
    reason = TextAreaField("Reason", validators=[Length(max=1000)], description="Recorded in the audit log.")


class DepartmentAssignForm(FlaskForm):
    """Put a staff member in a department."""

    department_id = SelectField("Department", coerce=int, validators=[])
    reason = TextAreaField("Reason", validators=[Length(max=1000)])


class DepartmentForm(FlaskForm):
    """Add a department."""

    name = StringField("Department name", validators=[DataRequired(), Length(max=120)])
