"""Forms for organizing challenges and submitting projects (the services do the real checks)."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from civicboard.challenges.services import timezone_names

DEFAULT_TIMEZONE = "America/New_York"


def default_timezone() -> str:
    """The zone new challenges start with: CHALLENGE_TIMEZONE, else the demo city's."""
    return current_app.config.get("CHALLENGE_TIMEZONE") or DEFAULT_TIMEZONE


class ChallengeForm(FlaskForm):
    """Create or edit a challenge."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=3, max=140)])
    slug = StringField(
        _l("URL slug"),
        validators=[Optional(), Length(max=80)],
        description=_l(
            "Lower-case letters, digits and hyphens; leave empty to make one from the title. "
            "It cannot change once the challenge is published."
        ),
    )
    summary = TextAreaField(
        _l("Summary"),
        validators=[Length(max=20000)],
        description=_l("Markdown: what the challenge is about, who it is for."),
    )
    starts_at = DateTimeLocalField(
        _l("Starts"), validators=[DataRequired()], format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
    )
    ends_at = DateTimeLocalField(
        _l("Ends"), validators=[DataRequired()], format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
    )
    timezone = SelectField(
        _l("Time zone"),
        validators=[DataRequired()],
        description=_l("The dates above are in this zone, and shown in it."),
    )
    place = StringField(
        _l("Place"), validators=[Length(max=255)], description=_l("An address or venue; empty if online only.")
    )
    is_online = BooleanField(_l("Online (participants can take part remotely)"))
    contact = StringField(
        _l("Contact"),
        validators=[DataRequired(), Length(max=255)],
        description=_l("An email address or a web address."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = [SelectChoice(name, name.replace("_", " ")) for name in timezone_names()]
        if not self.timezone.data:
            self.timezone.data = default_timezone()


class ProblemSearchForm(FlaskForm):
    """Find problems to curate (a GET form, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Title contains"), validators=[Optional(), Length(max=200)])
    dataset = StringField(_l("Dataset title contains"), validators=[Optional(), Length(max=200)])
    category = SelectField(_l("Category"), coerce=int, validators=[Optional()])
    min_votes = IntegerField(_l("At least this many votes"), validators=[Optional(), NumberRange(min=0)])


class AddProblemForm(FlaskForm):
    """Curate one problem or several (the search results' checkboxes share the name)."""

    # Every checked box; the service parses and checks each number.
    problem_id = SelectMultipleField(_l("Problems"), validate_choice=False)
    note = TextAreaField(_l("Organizer's note"), validators=[Length(max=2000)])


class NoteForm(FlaskForm):
    """The organizer's note on a curated problem."""

    note = TextAreaField(_l("Organizer's note"), validators=[Length(max=2000)])


class MoveForm(FlaskForm):
    """Move a curated problem up or down."""

    direction = HiddenField(validators=[DataRequired()])


class AddDatasetForm(FlaskForm):
    """Add an extra dataset."""

    dataset_id = HiddenField(validators=[DataRequired()])
    note = StringField(_l("Why this dataset"), validators=[Length(max=2000)])


class StatusForm(FlaskForm):
    """Publish, close or reopen."""

    status = HiddenField(validators=[DataRequired()])


class ProjectForm(FlaskForm):
    """Submit or edit a project."""

    name = StringField(_l("Project name"), validators=[DataRequired(), Length(max=140)])
    description = TextAreaField(
        _l("Description"),
        validators=[DataRequired(), Length(max=10000)],
        description=_l("Markdown: what you built and how."),
    )
    repository_url = StringField(
        _l("Repository URL"), validators=[Optional(), Length(max=2000)], description=_l("https://… (optional)")
    )
    demo_url = StringField(
        _l("Demo URL"), validators=[Optional(), Length(max=2000)], description=_l("https://… (optional)")
    )
    member_emails = TextAreaField(
        _l("Invite team members"),
        validators=[Length(max=2000)],
        description=_l(
            "Email addresses, one per line. Each gets an invitation; once accepted (signed in with that "
            "address), they can edit the project. You are always on the team."
        ),
    )
    team_names = TextAreaField(
        _l("Other team members"),
        validators=[Length(max=1000)],
        description=_l("Names of members without an account, one per line."),
    )
    problem_ids = SelectMultipleField(_l("Problems it addresses"), coerce=int, validators=[DataRequired()])


class AwardForm(FlaskForm):
    """Mark a winner."""

    award = StringField(
        _l("Award"), validators=[Length(max=120)], description=_l("E.g. “Grand prize”; empty to remove.")
    )


class FeatureForm(FlaskForm):
    """Feature or unfeature a project."""

    featured = HiddenField(validators=[DataRequired()])
