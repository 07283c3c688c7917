"""X-UI2: the panel speaks Polish, English, German, Russian and Ukrainian, completely.

No database: these read the catalogues and the sources."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from roster.web import i18n
from roster.web.messages import ERRORS, LABELS, error_text

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "roster"
LOCALE = SRC / "web" / "locale"
KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2),
            "pgettext": ((1, "c"), 2)}


def _catalog(lang: str):
    with open(LOCALE / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def _source_ids() -> set:
    """Every message the panel's sources and templates use, extracted as `make i18n` does."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "True",
                                     "lstrip_blocks": "True"}}
    ids = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            str(SRC / "web"), method_map, options, keywords=KEYWORDS):
        ids.add((context, message))
    return ids


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_message_is_translated_in_every_language_x_ui2(lang):
    catalog = _catalog(lang)
    wanted = _source_ids()
    have = {(m.context, m.id) for m in catalog if m.id}
    assert not wanted - have, f"{lang}: messages missing from the catalogue (make i18n): " \
                              f"{sorted(str(w) for w in wanted - have)[:10]}"
    untranslated = [m.id for m in catalog if m.id and (
        m.fuzzy or not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    assert not untranslated, f"{lang}: untranslated or fuzzy: {untranslated[:10]}"


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_plural_forms_match_the_language(lang):
    """Polish, Russian and Ukrainian have three plural forms; English and German two."""
    catalog = _catalog(lang)
    expected = {"pl": 3, "ru": 3, "uk": 3, "en": 2, "de": 2}[lang]
    assert catalog.num_plurals == expected
    for m in catalog:
        if isinstance(m.id, tuple):
            assert len(m.string) == expected, (lang, m.id)


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_compiled_catalogue_matches_its_source(lang):
    """The committed .mo is the compiled .po (make i18n compiles both together)."""
    with open(LOCALE / lang / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = {(m.context, _key(m.id)): _key(m.string) for m in read_mo(f) if m.id}
    source = {(m.context, _key(m.id)): _key(m.string) for m in _catalog(lang) if m.id}
    assert compiled == source


def test_placeholders_survive_translation():
    for lang in i18n.LANGUAGES:
        for m in _catalog(lang):
            if not m.id:
                continue
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            want = set(re.findall(r"%\(\w+\)[sd]", ids[0]))
            for s in strings:
                assert set(re.findall(r"%\(\w+\)[sd]", s)) == want, (lang, m.id, s)


def test_plural_choice_per_language():
    i18n.set_language("pl")
    assert [i18n.ngettext("%(num)d member", "%(num)d members", n) for n in (1, 3, 5, 22)] == \
        ["1 członek", "3 członków", "5 członków", "22 członków"]
    i18n.set_language("ru")
    assert [i18n.ngettext("%(num)d member", "%(num)d members", n) for n in (1, 3, 5, 21)] == \
        ["1 участник", "3 участника", "5 участников", "21 участник"]
    i18n.set_language("uk")
    assert i18n.ngettext("%(num)d member", "%(num)d members", 2) == "2 учасники"
    i18n.set_language("en")


# the code is the second argument of FieldError(field, code, ...), errors.add(...), conflict(...)
# (field, code, ...) or, for a batch's per-row errors, (row, field, code, ...)
_CODE = re.compile(r'(?:FieldError|errors\.add|conflict)\(\s*(?:[\w.]+\s*,\s*f?"[^"]*"'
                   r'|f?"[^"]*"|[\w.]+)\s*,\s*"(\w+)"|code="(\w+)"')


def _service_codes() -> set[str]:
    """Every error code the services raise, read from the sources."""
    codes = set()
    for path in (SRC / "domains").rglob("*.py"):
        text = path.read_text()
        for match in _CODE.finditer(text):
            codes.add(match.group(1) or match.group(2))
    core = (SRC / "core" / "errors.py").read_text()
    codes |= set(re.findall(r'code="(\w+)"', core))
    codes |= set(re.findall(r'": "(\w+)",\n', core.split("_PYDANTIC_CODES")[1].split("}")[0]))
    return {c for c in codes if not c.startswith("{")}


def test_every_service_error_code_has_a_translated_text():
    """Rule errors are shown by their code in the visitor's language: none may be missing."""
    missing = _service_codes() - set(ERRORS)
    assert not missing, f"error codes without a panel text (web/messages.py): {sorted(missing)}"
    i18n.set_language("pl")
    assert error_text("pin_sequential", "x").startswith("PIN agenta nie może")
    assert error_text("no_such_code", "fallback") == "fallback"
    i18n.set_language("en")


def test_language_order_query_then_session_then_user_then_browser_fcc12():
    assert i18n.choose(query="ru", kept="pl", user="de", accept="uk") == "ru"
    assert i18n.choose(query=None, kept="pl", user="de", accept="uk") == "pl"
    assert i18n.choose(query="xx", kept=None, user="de", accept="uk") == "de"
    assert i18n.choose(query=None, kept=None, user=None, accept="fr-FR,uk;q=0.8,pl;q=0.9") == "pl"
    assert i18n.choose(query=None, kept=None, user=None, accept="fr") == "en"


def test_labels_cover_the_seed_form_fields():
    """The basic tab's fields in the words of the Polish seed (FCC §1)."""
    i18n.set_language("pl")
    from roster.web.messages import label

    assert [label(k) for k in ("full_name", "login", "mobile", "requires_daily_login",
                               "keep_station_on_logout", "sip_password")] == [
        "Imię i nazwisko", "Login", "Tel. komórkowy", "Wymaga logowania",
        "Nie odpinaj stanowiska przy wylogowaniu", "Hasło do konta SIP"]
    assert set(LABELS) >= {"did", "extension", "blacklist", "whitelist"}
    i18n.set_language("en")
