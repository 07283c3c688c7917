"""The panel's languages (X-UI2, FCC-12): message catalogues, the request's locale, formatting.

Catalogues are Babel ``.po`` files compiled to ``.mo`` under ``web/locale`` (both committed;
``make i18n`` extracts, updates and compiles them; a test fails when a ``.mo`` is stale or a
message lacks a translation). The language of a request is chosen in this order: ``?lang=``
(kept for the session), the signed-in user's setting, the browser's Accept-Language, English.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from roster.core.i18n import LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT = "en"
# Each language's name in itself, for the language switch.
NATIVE_NAMES = {code: Locale.parse(code).get_display_name(code).capitalize() for code in LANGUAGES}

_current: ContextVar[str] = ContextVar("panel_language", default=DEFAULT)


@cache
def translations(language: str) -> NullTranslations:
    return Translations.load(str(LOCALE_DIR), [language], domain="messages")


def set_language(language: str) -> None:
    _current.set(language if language in LANGUAGES else DEFAULT)


def current() -> str:
    return _current.get()


def gettext(message: str, **values) -> str:
    text = translations(_current.get()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values) -> str:
    text = translations(_current.get()).ngettext(singular, plural, n)
    return text % {"num": n, **values}


def pgettext(context: str, message: str, **values) -> str:
    text = translations(_current.get()).pgettext(context, message)
    return text % values if values else text


_ = gettext


def from_accept_language(header: str | None) -> str | None:
    """The first language of the browser's preference list that the panel speaks."""
    if not header:
        return None
    ranked = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((-q, i, tag.strip().lower().split("-")[0]))
    for _q, _i, code in sorted(ranked):
        if code in LANGUAGES:
            return code
    return None


def choose(*, query: str | None, kept: str | None, user: str | None,
           accept: str | None) -> str:
    """The request's language: ?lang=, then the one kept for the session, then the user's
    setting (FCC-12), then the browser."""
    for candidate in (query, kept, user, from_accept_language(accept)):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT


def fmt_datetime(value: datetime | None, time_zone: str = "UTC") -> str:
    if value is None:
        return ""
    try:
        tz = ZoneInfo(time_zone)
    except Exception:  # an unknown zone shows UTC rather than failing the page
        tz = ZoneInfo("UTC")
    return format_datetime(value, "medium", tzinfo=tz, locale=_current.get())


def fmt_number(value: int | float) -> str:
    return format_decimal(value, locale=_current.get())
