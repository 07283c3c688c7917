"""The languages the panel and the mails speak (FCC-12, X-UI2): the one list every domain uses."""

from __future__ import annotations

from typing import Literal, get_args

Language = Literal["pl", "en", "de", "ru", "uk"]
LANGUAGES: tuple[str, ...] = get_args(Language)
