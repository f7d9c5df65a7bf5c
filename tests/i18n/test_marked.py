"""Every word of the board is marked for translation (see tests/i18n/unmarked.py for what counts):
every template, and every module's messages. A new page or message left unmarked fails here.
"""

from __future__ import annotations

import pytest

from tests.i18n.unmarked import ROOT, unmarked_in_python, unmarked_in_template

TEMPLATES = sorted(
    str(path.relative_to(ROOT)) for path in (ROOT / "templates").rglob("*") if path.suffix in (".html", ".txt")
)
MODULES = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "civicboard").rglob("*.py"))


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_marks_every_word(name):
    assert unmarked_in_template(ROOT / name) == []


def test_every_module_marks_every_message():
    found = {name: unmarked for name in MODULES if (unmarked := unmarked_in_python(ROOT / name))}
    assert found == {}


def test_the_checker_finds_unmarked_words(tmp_path):
    template = tmp_path / "page.html"
    template.write_text(
        '<h1>{{ _("Problems") }}</h1>\n<p title="Shown">{{ count }} votes</p>\n'
        '{% trans %}Hello {{ name }}{% endtrans %}\n<input type="submit" value="Send">\n'
        '<input type="hidden" value="internal"><script>var words = 1;</script>\n'
    )
    assert unmarked_in_template(template) == [(2, "Shown"), (2, "votes"), (4, "Send")]
    module = tmp_path / "views.py"
    module.write_text(
        'flash(_("Saved."))\nflash("Saved.")\nraise ValidationError(f"{n} too long")\n'
        'name = StringField(_l("Name"), description="Shown to all")\n'
    )
    assert [line for line, _ in unmarked_in_python(module)] == [2, 3, 4]
