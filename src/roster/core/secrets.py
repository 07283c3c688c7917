"""Hashing of secrets: passwords (argon2id), keyed fingerprints, SIP HA1 digests, tokens."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets as _secrets

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from roster.config import get_settings

_hasher: PasswordHasher | None = None


def _ph() -> PasswordHasher:
    global _hasher
    if _hasher is None:
        s = get_settings()
        _hasher = PasswordHasher(time_cost=s.argon2_time_cost, memory_cost=s.argon2_memory_kib)
    return _hasher


async def hash_password(password: str) -> str:
    """argon2id, computed in a worker thread so the event loop keeps serving."""
    return await anyio.to_thread.run_sync(_ph().hash, password)


async def hash_passwords(passwords: list[str]) -> list[str]:
    """argon2id of many passwords, in worker threads, as many at once as there are cores:
    argon2 releases the GIL, so a batch keeps every core busy (about 120 ms a hash)."""
    if not passwords:
        return []
    limiter = anyio.CapacityLimiter(os.cpu_count() or 1)
    out = [""] * len(passwords)

    async def one(i: int, password: str) -> None:
        out[i] = await anyio.to_thread.run_sync(_ph().hash, password, limiter=limiter)

    async with anyio.create_task_group() as tg:
        for i, password in enumerate(passwords):
            tg.start_soon(one, i, password)
    return out


async def verify_password(stored: str | None, password: str) -> bool:
    if not stored:
        # Spend the same time as a real check so timing tells nothing about the account.
        await anyio.to_thread.run_sync(_ph().hash, password)
        return False

    def _verify() -> bool:
        try:
            return _ph().verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(_verify)


def fingerprint(purpose: str, value: str) -> str:
    """Keyed HMAC-SHA256 of a secret, for equality look-ups without a scan.

    Trade-off: a PIN has few possible values, so any unkeyed or salted-per-row hash would either be
    guessable offline from a database dump or need a scan of every row (one argon2 verify per user)
    to check uniqueness and to sign in by PIN. A keyed HMAC gives an indexed look-up; its strength
    rests on the key, which lives outside the database (settings or <data_dir>/secret.key). Anyone
    holding both the database and the key can test guesses at HMAC speed, so the key is guarded
    like a private key and rotating it means asking users for new PINs. The same holds for the
    password fingerprint used to keep passwords distinct (FCC-13); the password itself is argon2id.
    """
    key = get_settings().resolved_secret_key()
    return hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


def sip_ha1(username: str, realm: str, password: str) -> str:
    return hashlib.md5(f"{username}:{realm}:{password}".encode()).hexdigest()  # noqa: S324


def sip_ha1b(username: str, domain: str, realm: str, password: str) -> str:
    return hashlib.md5(f"{username}@{domain}:{realm}:{password}".encode()).hexdigest()  # noqa: S324


def new_token(prefix: str = "rst") -> tuple[str, str]:
    """A random bearer token and its SHA-256 (what is stored).

    High entropy makes a fast hash safe."""
    plain = f"{prefix}_{_secrets.token_urlsafe(32)}"
    return plain, token_digest(plain)


def token_digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()
