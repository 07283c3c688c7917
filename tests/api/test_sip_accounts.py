"""The accounts Kamailio's auth_db reads (``sip_subscriber``) follow every change of users and
tenants at commit: a table kept by triggers on PostgreSQL, a view on SQLite; both must answer
the same (FCC-42/43, SIPL-1)."""

from __future__ import annotations

from roster.core.secrets import sip_ha1
from roster.domains.sip import repository as sip_repo
from tests.factories import sip_password, user_body


async def _account(app, username: str, domain: str) -> dict | None:
    async with app.state.sessionmaker() as db:
        return await sip_repo.account(db, username, domain)


async def test_accounts_follow_users_and_tenants(app, client, api, tenant):
    domain = tenant["sip_domain"]
    pw = sip_password()
    r = await client.post(f"{api}/users", json=user_body(extension="301", sip_password=pw))
    assert r.status_code == 201, r.text
    user = r.json()
    row = await _account(app, "301", domain)
    assert row and row["ha1"] == sip_ha1("301", domain, pw) and row["id"] == user["id"]
    # a user with no SIP password is no account
    r = await client.post(f"{api}/users", json=user_body(extension="302"))
    assert r.status_code == 201 and await _account(app, "302", domain) is None

    # new extension: the old name is gone at once, the new one authenticates with a new digest
    pw2 = sip_password()
    r = await client.patch(f"{api}/users/{user['id']}", json={"extension": "311",
                                                              "sip_password": pw2})
    assert r.status_code == 200, r.text
    assert await _account(app, "301", domain) is None
    assert (await _account(app, "311", domain))["ha1"] == sip_ha1("311", domain, pw2)

    # a change of something else leaves the account as it was
    r = await client.patch(f"{api}/users/{user['id']}", json={"full_name": "Renamed Person"})
    assert r.status_code == 200 and await _account(app, "311", domain) is not None

    # deactivation removes it, re-activation brings it back
    assert (await client.patch(f"{api}/users/{user['id']}", json={"active": False})).status_code == 200
    assert await _account(app, "311", domain) is None
    assert (await client.patch(f"{api}/users/{user['id']}", json={"active": True})).status_code == 200
    assert await _account(app, "311", domain) is not None

    # the tenant's activity (its domain cannot change while digests exist: sip_domain_in_use)
    new_domain = domain
    assert (await client.patch(api, json={"active": False})).status_code == 200
    assert await _account(app, "311", new_domain) is None
    assert (await client.patch(api, json={"active": True})).status_code == 200
    assert await _account(app, "311", new_domain) is not None

    # deletion
    assert (await client.delete(f"{api}/users/{user['id']}")).status_code == 204
    assert await _account(app, "311", new_domain) is None


async def test_a_batch_creates_every_account(app, client, api, tenant):
    rows = [user_body(extension=str(400 + i), sip_password=sip_password()) for i in range(30)]
    r = await client.post(f"{api}/users/batch", json={"users": rows})
    assert r.status_code in (200, 201), r.text
    for i in (0, 17, 29):
        assert await _account(app, str(400 + i), tenant["sip_domain"]) is not None
