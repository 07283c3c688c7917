"""Factories: valid objects with unique values, overridable field by field."""

from __future__ import annotations

import itertools
import random
import secrets

_seq = itertools.count(100)


def strong_password(prefix: str = "Pw") -> str:
    return f"{prefix}-{secrets.token_hex(6)}!A1"


def sip_password() -> str:
    return f"Sip-{secrets.token_hex(5)}-x9"


def free_pin() -> str:
    while True:
        pin = "".join(random.choice("0123456789") for _ in range(6))
        steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
        if len(set(pin)) > 1 and steps not in ({1}, {9}):
            return pin


def pl_number() -> str:
    """A random valid Polish geographic number (Warsaw, 22)."""
    return f"+4822{random.randint(1000000, 9999999)}"


def user_body(**overrides) -> dict:
    n = next(_seq)
    body = {"full_name": f"User {n}", "login": f"user{n}-{secrets.token_hex(2)}",
            "roles": ["agent"]}
    body.update(overrides)
    return body


async def make_user(client, api: str, **overrides) -> dict:
    r = await client.post(f"{api}/users", json=user_body(**overrides))
    assert r.status_code == 201, r.text
    return r.json()


async def make_number(client, api: str, number: str | None = None) -> dict:
    r = await client.post(f"{api}/numbers", json={"number": number or pl_number()})
    assert r.status_code == 201, r.text
    return r.json()
