"""The board's words are marked for translation (see tests/i18n/unmarked.py for what counts).

TRANSLATED grows as each part of the interface is marked and translated; once it covers
every template and package, it becomes the whole tree.
"""

from __future__ import annotations

import pytest

from tests.i18n.unmarked import ROOT, unmarked_in_python, unmarked_in_template

TRANSLATED_TEMPLATES = [
    "templates/_language_switcher.html",
    "templates/macros/forms.html",
    "templates/challenges/_facts.html",
    "templates/challenges/_problem_badges.html",
    "templates/challenges/curate.html",
    "templates/challenges/form.html",
    "templates/challenges/index.html",
    "templates/challenges/invitations.html",
    "templates/challenges/manage.html",
    "templates/challenges/project_form.html",
    "templates/challenges/show.html",
    "templates/auth/_confirm_banner.html",
    "templates/auth/_resend_form.html",
    "templates/auth/account.html",
    "templates/auth/email_change_confirm.html",
    "templates/auth/forgot.html",
    "templates/auth/login.html",
    "templates/auth/register.html",
    "templates/auth/reset.html",
    "templates/auth/reset_invalid.html",
    "templates/auth/reset_sent.html",
    "templates/auth/verify.html",
    "templates/auth/verify_invalid.html",
    "templates/errors/error.html",
    "templates/admin/_failed_mail.html",
    "templates/admin/index.html",
    "templates/admin/user.html",
    "templates/insights/_chart.html",
    "templates/insights/index.html",
    "templates/insights/pending.html",
    "templates/staff/_dataset_picks.html",
    "templates/staff/_evidence.html",
    "templates/staff/_problem_actions.html",
    "templates/staff/_reopen_requests.html",
    "templates/staff/_responses.html",
    "templates/staff/_stance.html",
    "templates/staff/answer_data_request.html",
    "templates/staff/department.html",
    "templates/staff/evidence_form.html",
    "templates/staff/queue.html",
    "templates/staff/remove_evidence.html",
    "templates/staff/respond.html",
    "templates/base.html",
    "templates/places/_map.html",
    "templates/problems/_comment.html",
    "templates/problems/_comment_items.html",
    "templates/problems/_macros.html",
    "templates/problems/_photos.html",
    "templates/problems/_place.html",
    "templates/problems/_thread.html",
    "templates/problems/categories.html",
    "templates/problems/comment_history.html",
    "templates/problems/edit_comment.html",
    "templates/problems/index.html",
    "templates/problems/map.html",
    "templates/problems/new.html",
    "templates/problems/notifications.html",
    "templates/problems/search.html",
    "templates/problems/show.html",
    "templates/places/neighbourhood.html",
    "templates/places/neighbourhoods.html",
    "templates/notify/settings.html",
    "templates/notify/unsubscribe.html",
    "templates/notify/unsubscribe_invalid.html",
    "templates/outbox/dev_mail.html",
    "templates/pages/branding.html",
    "templates/pages/edit.html",
    "templates/pages/show.html",
    "templates/users/account_delete.html",
    "templates/users/account_export.html",
    "templates/users/profile.html",
    "templates/api/docs.html",
    "templates/datasets/_macros.html",
    "templates/datasets/data_requests.html",
    "templates/datasets/form.html",
    "templates/datasets/index.html",
    "templates/datasets/show.html",
    "templates/datasets/source_form.html",
    "templates/datasets/sources.html",
    "templates/moderation/_comment_actions.html",
    "templates/moderation/_problem_actions.html",
    "templates/moderation/_target_summary.html",
    "templates/moderation/audit.html",
    "templates/moderation/confirm.html",
    "templates/moderation/flag.html",
    "templates/moderation/queue.html",
    "templates/moderation/user.html",
]
TRANSLATED_PACKAGES = [
    "civicboard/i18n",
    "civicboard/challenges",
    "civicboard/auth",
    "civicboard/errors.py",
    "civicboard/permissions.py",
    "civicboard/problems",
    "civicboard/places",
    "civicboard/__init__.py",
    "civicboard/briefcache.py",
    "civicboard/csvcells.py",
    "civicboard/extensions.py",
    "civicboard/fragments.py",
    "civicboard/links.py",
    "civicboard/mail.py",
    "civicboard/markup.py",
    "civicboard/metrics.py",
    "civicboard/models.py",
    "civicboard/pagecache.py",
    "civicboard/ratelimits.py",
    "civicboard/readable.py",
    "civicboard/requestlog.py",
    "civicboard/security.py",
    "civicboard/snapshots.py",
    "civicboard/templating.py",
    "civicboard/timeutil.py",
    "civicboard/validation.py",
    "civicboard/web.py",
    "civicboard/writes.py",
    "civicboard/staff",
    "civicboard/insights",
    "civicboard/admin",
    "civicboard/notify",
    "civicboard/outbox",
    "civicboard/pages",
    "civicboard/users",
    "civicboard/datasets",
    "civicboard/moderation",
    "civicboard/api",
]


@pytest.mark.parametrize("name", TRANSLATED_TEMPLATES)
def test_translated_templates_mark_every_word(name):
    assert unmarked_in_template(ROOT / name) == []


@pytest.mark.parametrize("name", TRANSLATED_PACKAGES)
def test_translated_packages_mark_every_message(name):
    found = {
        str(path.relative_to(ROOT)): unmarked
        for path in ([ROOT / name] if name.endswith(".py") else sorted((ROOT / name).rglob("*.py")))
        if (unmarked := unmarked_in_python(path))
    }
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
