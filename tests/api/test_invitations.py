"""Invitations by e-mail (OKI-40) and password recovery (FCC-14), over a real SMTP server."""

from __future__ import annotations

import re
import secrets

from tests.conftest import login
from tests.factories import strong_password

LINK = re.compile(r"http\S+/set-password/(\S+)")


def _link(message) -> tuple[str, str]:
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = LINK.search(body)
    assert match, body
    return match.group(0), match.group(1)


def _email() -> str:
    return f"ann.{secrets.token_hex(4)}@example.com"


async def _delivered_after(mailbox, client, api) -> None:
    """Wait until a mail queued now has arrived: the outbox delivers in order, so whatever was
    queued before it has been delivered too."""
    marker = _email()
    r = await client.post(f"{api}/users", json={"full_name": "Marker", "email": marker})
    assert r.status_code == 201, r.text
    await mailbox.wait_for(marker)


async def test_name_and_email_are_enough_link_sets_password_then_sign_in_oki40(
        mailbox, anon, client, tenant, api):
    """OKI-40: a user created with a name and an e-mail receives a single-use link."""
    email = _email()
    r = await client.post(f"{api}/users", json={"full_name": "Anna Nowak", "email": email})
    assert r.status_code == 201, r.text
    user = r.json()
    assert user["login"] == email and user["has_password"] is False
    (msg,) = await mailbox.wait_for(email)
    assert msg["Subject"] == f"Twoje konto w {tenant['name']}"  # the tenant's language: Polish
    url, key = _link(msg)
    assert url.startswith("http://127.0.0.1:8000/")  # settings.public_base_url
    path = f"/api/v1/auth/invitations/{key}"

    # the link is the panel's page; the API address forwards there
    page = await anon.get(f"/set-password/{key}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert '<form method="post"' in page.text and 'name="password"' in page.text
    forward = await anon.get(path)
    assert forward.status_code == 307 and forward.headers["location"] == f"/set-password/{key}"

    weak = await anon.post(path, data={"password": "short"})
    assert weak.status_code == 422  # FCC-13 policy, from the user form's rules
    assert {e["code"] for e in weak.json()["errors"]} >= {"password_too_short"}

    password = strong_password("Nowe-Haslo")
    done = await anon.post(path, data={"password": password})
    assert done.status_code == 200 and done.json() == {"status": "password_set"}, done.text
    r = await login(anon, tenant["slug"], email, password)
    assert r.status_code == 200, r.text

    again = await anon.post(path, data={"password": strong_password()})
    assert again.status_code == 410
    assert (await anon.get(f"/set-password/{key}")).status_code == 410
    audit = (await client.get(f"{api}/audit", params={"action": "password_set"})).json()
    assert [e["entity_id"] for e in audit["items"]] == [str(user["id"])]


async def test_password_must_be_unique_across_users_fcc13(mailbox, anon, client, tenant, api):
    taken = strong_password()
    await client.post(f"{api}/users", json={"full_name": "Taken", "login": "taken-pw",
                                            "password": taken})
    email = _email()
    await client.post(f"{api}/users", json={"full_name": "New", "email": email})
    _, key = _link((await mailbox.wait_for(email))[-1])
    r = await anon.post(f"/api/v1/auth/invitations/{key}", data={"password": taken})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "password_not_accepted"
    r = await anon.post(f"/api/v1/auth/invitations/{key}", data={"password": strong_password()})
    assert r.status_code == 200  # the refused attempt did not use up the link


async def test_resend_invalidates_the_previous_link_oki40(mailbox, anon, client, api):
    email = _email()
    user = (await client.post(f"{api}/users", json={"full_name": "Ben", "email": email,
                                                     "language": "de"})).json()
    _, first = _link((await mailbox.wait_for(email))[0])
    r = await client.post(f"{api}/users/{user['id']}/invitation")
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "queued"  # not "sent": the outbox sends it after commit
    second_msg = (await mailbox.wait_for(email, 2))[1]
    assert second_msg["Subject"].startswith("Ihr Konto")  # the user's language
    _, second = _link(second_msg)
    assert first != second
    assert (await anon.get(f"/set-password/{first}")).status_code == 410
    assert (await anon.get(f"/set-password/{second}")).status_code == 200


async def test_expired_link_is_gone_oki40(mailbox, anon, client, api, clock):
    email = _email()
    await client.post(f"{api}/users", json={"full_name": "Cyril", "email": email,
                                            "language": "uk"})
    msg = (await mailbox.wait_for(email))[0]
    assert msg["Subject"].startswith("Ваш обліковий запис")
    _, key = _link(msg)
    clock.advance(hours=72, seconds=1)
    r = await anon.post(f"/api/v1/auth/invitations/{key}", data={"password": strong_password()})
    assert r.status_code == 410


async def test_no_invitation_for_users_who_cannot_sign_in_dak10(mailbox, client, api):
    email = _email()
    r = await client.post(f"{api}/users", json={"full_name": "Back office", "email": email,
                                                "roles": ["pbx_user"]})
    assert r.status_code == 201
    await _delivered_after(mailbox, client, api)
    assert mailbox.to(email) == []


async def test_refused_creation_sends_no_mail(mailbox, client, api):
    email = _email()
    r = await client.post(f"{api}/users", json={"full_name": "X", "email": email,
                                                "extension": "1"})
    assert r.status_code == 422
    await _delivered_after(mailbox, client, api)
    assert mailbox.to(email) == []


async def test_password_recovery_by_email_fcc14(mailbox, app, anon, client, tenant, api):
    """FCC-14: the e-mail serves password recovery; the answer never says who exists."""
    email = _email()
    old = strong_password()
    user = (await client.post(f"{api}/users", json={
        "full_name": "Dora", "email": email, "password": old, "language": "ru"})).json()
    token = (await login(anon, tenant["slug"], email, old)).json()["access_token"]
    unknown = await anon.post("/api/v1/auth/password-recovery",
                              json={"tenant": tenant["slug"], "email": _email()})
    known = await anon.post("/api/v1/auth/password-recovery",
                            json={"tenant": tenant["slug"], "email": email})
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    (msg,) = await mailbox.wait_for(email)
    assert msg["Subject"].startswith("Сброс пароля")
    _, key = _link(msg)
    new = strong_password("Novyj")
    r = await anon.post(f"/api/v1/auth/invitations/{key}", data={"password": new})
    assert r.status_code == 200
    assert (await login(anon, tenant["slug"], email, old)).status_code == 401
    assert (await login(anon, tenant["slug"], email, new)).status_code == 200
    me = await anon.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401  # a new password ends the old sessions
    assert (await client.get(f"{api}/users/{user['id']}")).json()["has_password"] is True
