"""Forms for official responses, evidence and answers to data requests.

The forms parse and carry the CSRF token; the services validate (so the API gets the same
rules). Field names match the JSON API's write bodies.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from civicboard.i18n.fields import ContentLanguageField
from civicboard.staff.models import EvidenceStance
from civicboard.staff.services import (
    ANSWER_STATUSES,
    MAX_CAPTION_LENGTH,
    MAX_REASON_LENGTH,
    MAX_RESPONSE_LENGTH,
    STANCE_LABELS,
)


class ResponseForm(FlaskForm):
    """An official response, optionally moving the status."""

    body = TextAreaField(
        "Response",
        validators=[Length(max=MAX_RESPONSE_LENGTH)],
        description="Markdown. Signed with your department.",
    )
    language = ContentLanguageField()
    # Choices are the allowed transitions of the problem; the service checks them again.
    status = SelectField("Status", validate_choice=False)
    duplicate_of = StringField(
        "Duplicate of problem number",
        validators=[Optional(), Length(max=20)],
        description="Only when the status is Duplicate: the number of the original problem.",
        render_kw={"inputmode": "numeric"},
    )


class EvidenceForm(FlaskForm):
    """A piece of evidence: dataset, URL within it, caption, stance, as-of date."""

    dataset_id = SelectField(
        "Dataset",
        validate_choice=False,
        description="A dataset tied to the problem, or choose \u201cAnother dataset\u201d and find it below.",
    )
    other_dataset_id = IntegerField(
        "Another dataset's number",
        validators=[Optional(), NumberRange(min=1)],
        description="Any dataset of the catalog, by its number (shown on its page).",
    )
    # A dataset picked from the catalog search on the evidence page (radio buttons).
    found_dataset_id = IntegerField("Dataset found in the catalog", validators=[Optional(), NumberRange(min=1)])
    url = StringField(
        "Link within the dataset",
        validators=[Optional(), Length(max=2000)],
        description="Optional: a resource, query, chart or row (http:// or https://).",
        render_kw={"inputmode": "url"},
    )
    caption = TextAreaField(
        "Caption", validators=[Length(max=MAX_CAPTION_LENGTH)], description="What the data shows, in a sentence or two."
    )
    stance = SelectField(
        "What the data says",
        choices=[SelectChoice(s.value, STANCE_LABELS[s]) for s in EvidenceStance],
        validate_choice=False,
    )
    as_of = DateField("Data as of", validators=[Optional()], description="Optional: the date the data is as of.")

    def chosen_dataset(self) -> str | int | None:
        """A dataset picked from the search, then a typed number, win over the select."""
        if self.found_dataset_id.data:
            return self.found_dataset_id.data
        if self.other_dataset_id.data:
            return self.other_dataset_id.data
        return self.dataset_id.data or None


class RemoveEvidenceForm(FlaskForm):
    """Remove evidence, with a reason for the audit log."""

    reason = TextAreaField(
        "Reason", validators=[Length(max=MAX_REASON_LENGTH)], description="Recorded in the audit log."
    )


def dataset_choices(datasets: list, current: Any = None) -> list[SelectChoice]:
    """The evidence form's dataset select: the problem's datasets (and the one cited), then "another"."""
    choices = [SelectChoice(str(d.id), d.title) for d in datasets]
    if current is not None and all(str(current.id) != c.value for c in choices):
        choices.insert(0, SelectChoice(str(current.id), current.title))
    choices.append(SelectChoice("", "Another dataset (find it below)"))
    return choices


class AnswerForm(FlaskForm):
    """Staff's answer to a request for unpublished data."""

    status = SelectField(
        "Answer",
        choices=[
            SelectChoice(s.value, label)
            for s, label in zip(
                ANSWER_STATUSES,
                ("Planned: we intend to publish it", "Published: it is in the catalog", "Declined"),
                strict=True,
            )
        ],
        validators=[DataRequired()],
    )
    dataset = StringField(
        "Dataset",
        validators=[Length(max=2000)],
        description="Only for 'published': the dataset's number or its page address (/datasets/123).",
    )
    note = TextAreaField(
        "Note",
        validators=[Length(max=2000)],
        description="Shown with the request. Required when you decline: say why.",
    )
