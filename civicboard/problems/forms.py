"""Forms for proposing problems, commenting, and managing categories.

Length and "required" rules live in the services (so the JSON API gets the same answers);
the forms only carry the fields and their labels.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice

from civicboard.i18n.fields import ContentLanguageField
from civicboard.problems.models import Category
from civicboard.problems.services import (
    COMMENT_MAX_LENGTH,
    DATA_REQUEST_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    TITLE_MIN_LENGTH,
)


def category_choices(categories: list[Category], current_id: int | None = None) -> list[SelectChoice]:
    """Active categories (plus the problem's current one), with an empty first choice."""
    choices = [SelectChoice("", "Choose a category…")]
    for category in categories:
        if category.active or category.id == current_id:
            choices.append(SelectChoice(str(category.id), category.name))
    return choices


class ProblemForm(FlaskForm):
    """Propose (or edit) a problem. Datasets arrive as `dataset_ids` checkboxes, read by the view."""

    title = StringField(
        "Title",
        description=f"{TITLE_MIN_LENGTH} to {TITLE_MAX_LENGTH} characters: what is wrong, and where.",
        render_kw={"maxlength": TITLE_MAX_LENGTH, "autocomplete": "off"},
    )
    description = TextAreaField(
        "Description",
        description=(
            "What you see, where and since when, and what the data shows or should show. "
            "Markdown works: **bold**, *italic*, [links](https://example.org), lists."
        ),
        render_kw={"rows": 10, "maxlength": DESCRIPTION_MAX_LENGTH},
    )
    category_id = SelectField("Category", choices=[], validate_choice=False)
    language = ContentLanguageField()
    neighbourhood = StringField(
        "Neighbourhood", description="Optional, for example “Union Square”.", render_kw={"maxlength": 120}
    )
    latitude = StringField(
        "Latitude",
        description="Optional. Decimal degrees, such as 42.3876 (north is positive).",
        render_kw={"inputmode": "decimal", "autocomplete": "off", "maxlength": 20, "data-map-latitude": ""},
    )
    longitude = StringField(
        "Longitude",
        description="Optional. Decimal degrees, such as -71.0995 (west is negative).",
        render_kw={"inputmode": "decimal", "autocomplete": "off", "maxlength": 20, "data-map-longitude": ""},
    )
    address = StringField(
        "Address or landmark",
        description="Optional, one line: “Corner of Elm St and Chester St”.",
        render_kw={"maxlength": 200, "autocomplete": "street-address"},
    )
    data_request = TextAreaField(
        "The data I need is not published",
        description=(
            "Optional. Describe the data you need if the city does not publish it yet: your "
            "problem becomes a data request, and datasets are then optional."
        ),
        render_kw={"rows": 3, "maxlength": DATA_REQUEST_MAX_LENGTH},
    )
    dataset_q = SearchField(
        "Find datasets",
        description="Words from a dataset's title, description or keywords, such as “permits”.",
        render_kw={"autocomplete": "off"},
    )

    def __init__(self, *args, categories: list[Category] | None = None, current_category_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = category_choices(categories or [], current_category_id)


class CommentForm(FlaskForm):
    """A comment or a reply."""

    body = TextAreaField(
        "Your comment",
        description="Markdown works. Be kind; stick to the problem.",
        render_kw={"rows": 4, "maxlength": COMMENT_MAX_LENGTH},
    )
    parent_id = HiddenField()
    language = ContentLanguageField()


class EditCommentForm(FlaskForm):
    """Edit your own comment."""

    body = TextAreaField("Comment", render_kw={"rows": 6, "maxlength": COMMENT_MAX_LENGTH})


class CategoryForm(FlaskForm):
    """Add or change a category."""

    name = StringField("Name", render_kw={"maxlength": 80})
    description = StringField("Description", description="Optional, one line.", render_kw={"maxlength": 500})
    department_id = SelectField("Department", choices=[], validate_choice=False)
    default_dataset_ids = StringField(
        "Default datasets",
        description="Optional: dataset ids separated by commas. Reports from other apps (Open311) in this "
        "category are tied to them; without any, such a report becomes a data request for staff to tie.",
        render_kw={"maxlength": 200, "inputmode": "numeric", "autocomplete": "off"},
    )
    active = BooleanField("Residents can choose it")

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.department_id.choices = [SelectChoice("", "No department")] + [
            SelectChoice(str(d.id), d.name) for d in departments
        ]
