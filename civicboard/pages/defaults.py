"""The text a site page shows until an admin edits it: a sensible start for a city board.

Translated (lazily, in the reader's language) until an admin saves a page's own text.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ABOUT = _l(
    """\
This board is where residents, city staff and civic technologists work together on the
problems people meet in the city, and on the open data that could help solve them.

### How it works

- **Residents** propose problems, support them with a vote, comment and follow them.
- **City staff** answer officially: they acknowledge a problem, say what is being done,
  and link the datasets that bear on it.
- **Organizers** gather problems into challenges, where teams build projects with open data.
- **Moderators** keep the discussion civil, following the [terms of use](/terms).

The board is open source. Everything public on it can be downloaded as open data.
"""
)

PRIVACY = _l(
    """\
This notice explains what the board keeps about you, why, and what you can do about it.

### What we keep

- **Your account**: your email address (to log you in and to write to you), your display
  name and the short bio you choose to show, and a hash of your password (never the
  password itself).
- **What you post**: problems, comments (and their earlier versions, kept for moderation),
  your votes, what you follow, and your reports to moderators.
- **Sessions and tokens**: the devices you are logged in on, and the labels and dates of
  your API tokens.

Your display name, your problems and your comments are public. Your email address,
votes, follows and reports are not shown to other residents.

### Your choices

- **Download your data** from *Your account → Download my data*: one JSON file with
  everything the board holds about you.
- **Delete your account** from *Your account → Delete my account*. Your email address and
  name are erased at once, your sessions and tokens end, and your votes and follows are
  removed. Problems and comments you posted stay for the public record, signed
  "Former resident"; if you ask, those nobody has replied to are removed too.

### Contact

Write to the city's data protection officer with any question about this notice.
"""
)

TERMS = _l(
    """\
By using this board you agree to these terms.

### Be civil and be accurate

- Describe problems as you see them; do not invent facts or impersonate anyone.
- No abuse, harassment, hate, spam or advertising.
- Do not post anyone's personal information, including your own address or phone number.

### Moderation

Moderators may hide content that breaks these terms, and may suspend accounts that break
them repeatedly. Hidden content is kept, with the reason, and can be restored on appeal.

### Your content

What you post is public and may be reused as open data under the board's licence. If you
delete your account, your posts stay for the public record without your name, as the
[privacy notice](/privacy) explains.

### No emergency service

This board is not monitored around the clock. For emergencies, call the emergency number.
"""
)

# slug -> (title, Markdown body)
DEFAULT_PAGES: dict[str, tuple[str, str]] = {
    "about": (_l("About this board"), ABOUT),
    "privacy": (_l("Privacy notice"), PRIVACY),
    "terms": (_l("Terms of use"), TERMS),
}
