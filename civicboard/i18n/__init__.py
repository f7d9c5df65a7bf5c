"""Interface languages: which one a request is served in, and the city's time zone.

The board's own words are translated (Flask-Babel, catalogs under civicboard/translations);
what people write is not. A request is served in the first of these that names one of
CIVICBOARD_LANGUAGES: a `?lang=` parameter (so every page has an address per language, for
`hreflang` links), the `lang` cookie set by the language switcher, the signed-in user's saved
choice (which the switcher also sets, and emails use), the browser's Accept-Language; else
the first configured language.

The JSON API (/api/..., but not /api/docs, a page for people) is read by programs: there the
request's own Accept-Language alone picks the language of the error messages, never a
cookie, a parameter or the account's saved choice, so the same request always gets the same
answer. The machine-readable parts (error codes, field names, values) never change with it.
"""

from __future__ import annotations

from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import flask_babel
from babel import Locale, UnknownLocaleError
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, gettext
from markupsafe import Markup

from civicboard.validation import ValidationError

babel = Babel()

COOKIE = "lang"
PARAMETER = "lang"
# A year: the switcher is a preference, not a session.
COOKIE_MAX_AGE = 365 * 24 * 3600


def parse_languages(value: str | list[str] | tuple[str, ...]) -> list[str]:
    """CIVICBOARD_LANGUAGES ("en,es") as a list of known language codes; ValueError otherwise."""
    codes = [part.strip() for part in (value.split(",") if isinstance(value, str) else value) if part.strip()]
    if not codes:
        raise ValueError("CIVICBOARD_LANGUAGES must name at least one language, such as en,es")
    for code in codes:
        try:
            Locale.parse(code.replace("-", "_"))
        except (UnknownLocaleError, ValueError) as exc:
            raise ValueError(f"CIVICBOARD_LANGUAGES: {code!r} is not a language code Babel knows") from exc
    return list(dict.fromkeys(codes))


def check_timezone(value: str) -> str:
    """CIVICBOARD_TIMEZONE as an IANA zone name; ValueError otherwise."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"CIVICBOARD_TIMEZONE: {value!r} is not a time zone name such as America/New_York") from exc
    return value


def offered() -> list[str]:
    """The interface languages, the default first."""
    return current_app.config["LANGUAGES"]


def chosen(code: str | None) -> str | None:
    """`code` when it names an offered language, else None."""
    return code if code and code in offered() else None


def serves_programs() -> bool:
    """True for a request to the JSON API (see the module's docstring)."""
    return request.path.startswith("/api/") and not request.path.startswith("/api/docs")


def requested_language() -> str:
    """The offered language the request's Accept-Language prefers, else the default."""
    return request.accept_languages.best_match(offered()) or offered()[0]


def anonymous_language() -> str:
    """The language for a visitor without an account: parameter, cookie, browser, default
    (Accept-Language alone for the JSON API).

    The page cache keys on this (it runs before anyone is loaded), so it must not look at
    the session.
    """
    if serves_programs():
        return requested_language()
    return (
        chosen(request.args.get(PARAMETER))
        or chosen(request.cookies.get(COOKIE))
        or request.accept_languages.best_match(offered())
        or offered()[0]
    )


def select_locale() -> str:
    """Flask-Babel's locale selector (see the module's docstring for the order)."""
    if not has_request_context():
        return offered()[0]
    if serves_programs():
        return requested_language()
    picked = chosen(request.args.get(PARAMETER)) or chosen(request.cookies.get(COOKIE))
    if picked:
        return picked
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        saved = chosen(getattr(current_user, "language", None))
        if saved:
            return saved
    return requested_language()


def language_of(person: object) -> str:
    """The language a person's emails are written in: their saved choice when it is still
    offered, else the default (never the language of whoever's request sent the email)."""
    return chosen(getattr(person, "language", None)) or offered()[0]


def in_language_of(person: object):
    """A context in which gettext, and dates, speak to `person` (see language_of).

    Dates keep the city's time zone (CIVICBOARD_TIMEZONE), whoever reads them.
    """
    return force_locale(language_of(person).replace("-", "_"))


def for_visitor_of_link(person: object):
    """A context for a page reached from an emailed link without logging in (an unsubscribe
    link): the language the visitor picked here (`?lang=`, the switcher's cookie), else the
    language the link's email was written in, the person's (see language_of)."""
    picked = chosen(request.args.get(PARAMETER)) or chosen(request.cookies.get(COOKIE))
    return force_locale(picked.replace("-", "_")) if picked else in_language_of(person)


def content_language(value: object) -> str | None:
    """The language a person says their text is written in: one of CIVICBOARD_LANGUAGES, or None.

    What people write is not translated, but its author names its language so that pages can
    mark it (`lang`) for screen readers, spelling and hyphenation. Blank means not stated;
    codes compare case-insensitively (BCP 47) and come back as configured. Anything else is
    refused with a ValidationError naming the field `language`.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        wanted = value.strip().replace("_", "-").lower()
        for code in offered():
            if code.lower() == wanted:
                return code
    message = gettext("Choose a language from the list (%(codes)s).", codes=", ".join(offered()))
    raise ValidationError(message, {"language": message})


def lang_attribute(item: object) -> Markup:
    """` lang="xx"` for an element holding what someone wrote, when its author named the language.

    Always written when known, even if it matches the page's: a cached fragment then reads
    the same in every interface language.
    """
    code = getattr(item, "language", None)
    return Markup(' lang="%s"') % code if code else Markup("")


def current_language() -> str:
    """The language being served, as a code for `<html lang>` and `hreflang`."""
    return _for_current_locale("civicboard_language", lambda locale: str(locale or offered()[0]).replace("_", "-"))


def translations():
    """The catalog of the language being served, for the templates' gettext.

    Flask-Babel looks it up anew for every string (its context three times, the locale's name
    formatted each time), and a page says a few hundred: here it is found once per request and
    language (force_locale() and refresh() put a new locale object in place, which is noticed).
    """
    return _for_current_locale("civicboard_translations", lambda locale: flask_babel.get_translations())


def _for_current_locale(name: str, compute):
    locale = get_locale()
    kept = g.get(name)
    if kept is None or kept[0] is not locale:
        kept = (locale, compute(locale))
        setattr(g, name, kept)
    return kept[1]


def register(app: Flask) -> None:
    """Configure Flask-Babel from CIVICBOARD_LANGUAGES and CIVICBOARD_TIMEZONE."""
    app.config["LANGUAGES"] = parse_languages(app.config.get("CIVICBOARD_LANGUAGES") or "en")
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["LANGUAGES"][0]
    app.config["BABEL_DEFAULT_TIMEZONE"] = check_timezone(app.config.get("CIVICBOARD_TIMEZONE") or "UTC")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["content_lang"] = lang_attribute
    app.jinja_env.globals["interface_languages"] = language_names
    app.jinja_env.globals["language_alternates"] = language_alternates

    @app.after_request
    def vary_on_language(response):
        # Pages differ by language; feeds and exports don't (they stay cacheable as they are).
        if response.mimetype == "text/html":
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
            response.headers.setdefault("Content-Language", current_language())
        elif response.status_code >= 400 and serves_programs():
            # The API's words are its error messages, in the Accept-Language asked for; the
            # data it answers with reads the same in every language.
            response.vary.add("Accept-Language")
            response.headers.setdefault("Content-Language", current_language())
        return response


def language_names() -> list[tuple[str, str]]:
    """(code, the language's own name) for each offered language: "English", "Español"."""
    names = []
    for code in offered():
        locale = Locale.parse(code.replace("-", "_"))
        names.append((code, (locale.get_display_name(locale) or code).capitalize()))
    return names


def language_alternates() -> list[tuple[str, str]]:
    """(code, absolute URL) of this page in each offered language, for `hreflang` links."""
    from civicboard.links import site_url

    if len(offered()) < 2 or request.method != "GET" or request.endpoint is None:
        return []
    alternates = []
    for code in offered():
        args = [(key, value) for key, value in request.args.items(multi=True) if key != PARAMETER]
        args.append((PARAMETER, code))
        alternates.append((code, site_url(f"{request.path}?{urlencode(args)}")))
    return alternates
