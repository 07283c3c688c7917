"""Invitation and recovery mails (OKI-40, FCC-14) in the user's language, and key validity."""

from __future__ import annotations

from datetime import datetime

_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "invitation": {
        "en": ("Your {tenant} account",
               "Hello {name},\n\nAn account has been created for you at {tenant}.\n"
               "Set your password here (the link works once, until {expires}):\n\n{link}\n"),
        "pl": ("Twoje konto w {tenant}",
               "Dzień dobry {name},\n\nUtworzono dla Ciebie konto w {tenant}.\n"
               "Ustaw hasło tutaj (link działa jeden raz, do {expires}):\n\n{link}\n"),
        "de": ("Ihr Konto bei {tenant}",
               "Hallo {name},\n\nfür Sie wurde ein Konto bei {tenant} angelegt.\n"
               "Legen Sie hier Ihr Passwort fest (der Link gilt einmal, bis {expires}):\n\n"
               "{link}\n"),
        "ru": ("Ваша учётная запись в {tenant}",
               "Здравствуйте, {name}!\n\nДля вас создана учётная запись в {tenant}.\n"
               "Задайте пароль по ссылке (она действует один раз, до {expires}):\n\n{link}\n"),
        "uk": ("Ваш обліковий запис у {tenant}",
               "Вітаємо, {name}!\n\nДля вас створено обліковий запис у {tenant}.\n"
               "Встановіть пароль за посиланням (воно діє один раз, до {expires}):\n\n{link}\n"),
    },
    "recovery": {
        "en": ("Reset your {tenant} password",
               "Hello {name},\n\nSomeone asked to reset your password at {tenant}.\n"
               "If it was you, set a new one here (once, until {expires}):\n\n{link}\n\n"
               "If not, ignore this message.\n"),
        "pl": ("Zmiana hasła w {tenant}",
               "Dzień dobry {name},\n\nPoproszono o zmianę Twojego hasła w {tenant}.\n"
               "Jeśli to Ty, ustaw nowe hasło tutaj (jeden raz, do {expires}):\n\n{link}\n\n"
               "Jeśli nie, zignoruj tę wiadomość.\n"),
        "de": ("Passwort bei {tenant} zurücksetzen",
               "Hallo {name},\n\nes wurde angefragt, Ihr Passwort bei {tenant} zurückzusetzen.\n"
               "Wenn Sie das waren, legen Sie hier ein neues fest (einmal, bis {expires}):\n\n"
               "{link}\n\nWenn nicht, ignorieren Sie diese Nachricht.\n"),
        "ru": ("Сброс пароля в {tenant}",
               "Здравствуйте, {name}!\n\nЗапрошен сброс вашего пароля в {tenant}.\n"
               "Если это были вы, задайте новый пароль (один раз, до {expires}):\n\n{link}\n\n"
               "Если нет, просто проигнорируйте это письмо.\n"),
        "uk": ("Скидання пароля в {tenant}",
               "Вітаємо, {name}!\n\nЗапитано скидання вашого пароля в {tenant}.\n"
               "Якщо це ви, встановіть новий пароль (один раз, до {expires}):\n\n{link}\n\n"
               "Якщо ні, просто проігноруйте цей лист.\n"),
    },
}


def compose(purpose: str, language: str, *, name: str, tenant: str, link: str,
            expires: datetime) -> tuple[str, str]:
    """Subject and body of the mail, in the user's language (English when unknown)."""
    texts = _TEXTS[purpose]
    subject, body = texts.get(language, texts["en"])
    values = {"name": name, "tenant": tenant, "link": link,
              "expires": expires.strftime("%Y-%m-%d %H:%M UTC")}
    return subject.format(**values), body.format(**values)


def key_state(*, used_at: datetime | None, revoked_at: datetime | None, expires_at: datetime,
              now: datetime) -> str:
    """usable | used | revoked | expired: a key works once, before it expires, if not replaced."""
    if used_at is not None:
        return "used"
    if revoked_at is not None:
        return "revoked"
    if expires_at <= now:
        return "expired"
    return "usable"
