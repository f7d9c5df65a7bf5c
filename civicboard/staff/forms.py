"""Forms for official responses, evidence and answers to data requests.

The forms parse and carry the CSRF token; the services validate (so the API gets the same
rules). Field names match the JSON API's write bodies.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
        _l("Response"),
        validators=[Length(max=MAX_RESPONSE_LENGTH)],
        description=_l("Markdown. Signed with your department."),
    )
    language = ContentLanguageField()
    # Choices are the allowed transitions of the problem; the service checks them again.
    status = SelectField(_l("Status"), validate_choice=False)
    duplicate_of = StringField(
        _l("Duplicate of problem number"),
        validators=[Optional(), Length(max=20)],
        description=_l("Only when the status is Duplicate: the number of the original problem."),
        render_kw={"inputmode": "numeric"},
    )


class EvidenceForm(FlaskForm):
    """A piece of evidence: dataset, URL within it, caption, stance, as-of date."""

    dataset_id = SelectField(
        _l("Dataset"),
        validate_choice=False,
        description=_l("A dataset tied to the problem, or choose \u201cAnother dataset\u201d and find it below."),
    )
    other_dataset_id = IntegerField(
        _l("Another dataset's number"),
        validators=[Optional(), NumberRange(min=1)],
        description=_l("Any dataset of the catalog, by its number (shown on its page)."),
    )
    # A dataset picked from the catalog search on the evidence page (radio buttons).
    found_dataset_id = IntegerField(_l("Dataset found in the catalog"), validators=[Optional(), NumberRange(min=1)])
    url = StringField(
        _l("Link within the dataset"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Optional: a resource, query, chart or row (http:// or https://)."),
        render_kw={"inputmode": "url"},
    )
    caption = TextAreaField(
        _l("Caption"),
        validators=[Length(max=MAX_CAPTION_LENGTH)],
        description=_l("What the data shows, in a sentence or two."),
    )
    stance = SelectField(
        _l("What the data says"),
        choices=[SelectChoice(s.value, STANCE_LABELS[s]) for s in EvidenceStance],
        validate_choice=False,
    )
    as_of = DateField(
        _l("Data as of"), validators=[Optional()], description=_l("Optional: the date the data is as of.")
    )

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
        _l("Reason"), validators=[Length(max=MAX_REASON_LENGTH)], description=_l("Recorded in the audit log.")
    )


def dataset_choices(datasets: list, current: Any = None) -> list[SelectChoice]:
    """The evidence form's dataset select: the problem's datasets (and the one cited), then "another"."""
    choices = [SelectChoice(str(d.id), d.title) for d in datasets]
    if current is not None and all(str(current.id) != c.value for c in choices):
        choices.insert(0, SelectChoice(str(current.id), current.title))
    choices.append(SelectChoice("", _("Another dataset (find it below)")))
    return choices


class AnswerForm(FlaskForm):
    """Staff's answer to a request for unpublished data."""

    status = SelectField(
        _l("Answer"),
        choices=[
            SelectChoice(s.value, label)
            for s, label in zip(
                ANSWER_STATUSES,
                (_l("Planned: we intend to publish it"), _l("Published: it is in the catalog"), _l("Declined")),
                strict=True,
            )
        ],
        validators=[DataRequired()],
    )
    dataset = StringField(
        _l("Dataset"),
        validators=[Length(max=2000)],
        description=_l("Only for 'published': the dataset's number or its page address (/datasets/123)."),
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Length(max=2000)],
        description=_l("Shown with the request. Required when you decline: say why."),
    )
