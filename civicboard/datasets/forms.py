"""Staff forms for the catalog: datasets by hand, catalog sources, answers to data requests."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, SelectField, StringField, TextAreaField
from wtforms.fields import FieldList, FormField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from civicboard.datasets.freshness import CHOICES as FREQUENCY_CHOICES
from civicboard.datasets.importers import FORMATS

#: Blank distribution rows offered below the existing ones (no JavaScript needed to add one).
BLANK_DISTRIBUTION_ROWS = 3


class DistributionForm(Form):
    """One file or API of a dataset (a sub-form: the page's CSRF token covers it)."""

    title = StringField(_l("Title"), validators=[Optional(), Length(max=300)])
    url = StringField(_l("URL"), validators=[Optional(), Length(max=2000)], render_kw={"inputmode": "url"})
    format = StringField(_l("Format"), validators=[Optional(), Length(max=60)], description=_l("CSV, JSON, API..."))


class DatasetForm(FlaskForm):
    """A dataset added or edited by staff."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Length(max=20000)])
    publisher = StringField(_l("Publisher"), validators=[Length(max=255)], description=_l("The department or body."))
    keywords = StringField(_l("Keywords"), validators=[Length(max=5000)], description=_l("Separated by commas."))
    theme = StringField(_l("Themes"), validators=[Length(max=5000)], description=_l("Separated by commas."))
    landing_page = StringField(
        _l("Landing page"), validators=[Length(max=2000)], description=_l("An http:// or https:// address.")
    )
    license = StringField(_l("Licence"), validators=[Length(max=500)], description=_l("A name or a link."))
    accrual_periodicity = SelectField(_l("Update frequency"), validators=[Optional()])
    contact_name = StringField(_l("Contact name"), validators=[Length(max=255)])
    contact_email = StringField(_l("Contact e-mail"), validators=[Length(max=255)], render_kw={"inputmode": "email"})
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice("active", _l("Active")), SelectChoice("withdrawn", _l("Withdrawn from the catalog"))],
        default="active",
    )
    distributions = FieldList(FormField(DistributionForm), min_entries=BLANK_DISTRIBUTION_ROWS, max_entries=20)

    def set_frequency_choices(self, current: str | None) -> None:
        """The usual frequencies, plus an imported value that is not one of them."""
        choices = [SelectChoice(value, label) for value, label in FREQUENCY_CHOICES]
        if current and current not in {value for value, _ in FREQUENCY_CHOICES}:
            choices.append(SelectChoice(current, current))
        self.accrual_periodicity.choices = choices

    def service_fields(self) -> dict[str, Any]:
        """The form's values in the shape the dataset services take."""
        return {
            "title": self.title.data,
            "description": self.description.data,
            "publisher": self.publisher.data,
            "keywords": self.keywords.data,
            "theme": self.theme.data,
            "landing_page": self.landing_page.data,
            "license": self.license.data,
            "accrual_periodicity": self.accrual_periodicity.data,
            "contact_name": self.contact_name.data,
            "contact_email": self.contact_email.data,
            "status": self.status.data,
            "distributions": [
                {"title": row.form.title.data, "url": row.form.url.data, "format": row.form.format.data}
                for row in self.distributions
            ],
        }


def dataset_form_for(dataset: Any = None, formdata: Any = None) -> DatasetForm:
    """A dataset form, filled from a dataset (existing distributions plus blank rows) or a POST."""
    if dataset is None:
        form = DatasetForm(formdata=formdata)
        form.set_frequency_choices(None)
        return form
    data = {
        "title": dataset.title,
        "description": dataset.description,
        "publisher": dataset.publisher or "",
        "keywords": ", ".join(dataset.keywords or []),
        "theme": ", ".join(dataset.theme or []),
        "landing_page": dataset.landing_page or "",
        "license": dataset.license or "",
        "accrual_periodicity": dataset.accrual_periodicity or "",
        "contact_name": dataset.contact_name or "",
        "contact_email": dataset.contact_email or "",
        "status": dataset.status,
        "distributions": [
            {"title": d.title or "", "url": d.url, "format": d.format or ""} for d in dataset.distributions
        ]
        + [{} for _ in range(BLANK_DISTRIBUTION_ROWS)],
    }
    form = DatasetForm(formdata=formdata, data=data)
    form.set_frequency_choices(dataset.accrual_periodicity)
    return form


FORMAT_CHOICES = [SelectChoice("auto", _l("Detect"))] + [
    SelectChoice(f, f.upper() if f != "socrata" else "Socrata") for f in FORMATS
]


class SourceForm(FlaskForm):
    """A catalog source the nightly refresh re-imports."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l(
            "A short key such as 'somerville'; lower-case letters, digits, '_', '.', '-'. It cannot change."
        ),
    )
    title = StringField(_l("Title"), validators=[Length(max=255)])
    url = StringField(
        _l("Catalog URL"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("A data.json, a CKAN package_search URL, or a Socrata /api/catalog/v1 URL."),
        render_kw={"inputmode": "url"},
    )
    format = SelectField(_l("Format"), choices=FORMAT_CHOICES, default="auto")
    enabled = BooleanField(_l("Refresh it every night"), default=True)


class SourceEditForm(SourceForm):
    """Editing a source: the name is its key, shown but not changed."""

    name = StringField(_l("Name"), render_kw={"readonly": True})
