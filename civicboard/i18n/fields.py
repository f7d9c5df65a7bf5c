"""The form field in which a person says which language their text is written in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from civicboard.i18n import current_language, language_names


def _choices() -> list[tuple[str, str]]:
    return language_names()


class ContentLanguageField(SelectField):
    """A select of CIVICBOARD_LANGUAGES (each in its own name), the interface's language chosen at first.

    Any value is carried back to the service, which checks it (i18n.content_language): a bad
    one comes back as that field's error, with everything else typed kept.
    """

    def __init__(self, label=None, **kwargs) -> None:
        kwargs.setdefault("description", _l("What you write is shown as written, not translated."))
        super().__init__(
            label or _l("Language of your text"),
            choices=_choices,
            default=current_language,
            validate_choice=False,
            **kwargs,
        )
