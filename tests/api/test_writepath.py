"""One write path for every edge (issue 9): create_users/update_users with many rows, errors per
row, all or nothing; the same report through the API, the command line and the service; the
rules of issue 8 enforced by the services themselves, without the web layer."""

from __future__ import annotations

import json

import anyio
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from roster.core.errors import Problem
from tests.conftest import login, unique
from tests.factories import free_pin, make_user, sip_password, strong_password, user_body


def _errors(r) -> set[tuple]:
    assert r.headers["content-type"].startswith("application/problem+json"), r.text
    return {(e.get("row"), e["field"], e["code"]) for e in r.json()["errors"]}


async def _count(app, model, **where) -> int:
    async with app.state.sessionmaker() as db:
        stmt = select(func.count()).select_from(model).filter_by(**where)
        return (await db.execute(stmt)).scalar_one()


async def _tenant(app, slug: str):
    from roster.domains.tenants import repository

    async with app.state.sessionmaker() as db:
        return await repository.get_by_slug(db, slug)


async def test_batch_create_reports_every_row_and_writes_nothing_issue9(app, client, api,
                                                                          tenant):
    """Errors of every row at once, each with its row index; a batch with one bad row creates
    nothing (no user, no role, no audit entry)."""
    from roster.domains.users.models import User

    taken = await make_user(client, api, extension="610")
    t = await _tenant(app, tenant["slug"])
    users_before = await _count(app, User, tenant_id=t.id)
    rows = [user_body(extension="611"), user_body(agent_pin="67890"),  # FCC-5 wrapped run
            user_body(extension="611"),                                 # twice in the batch
            user_body(extension=taken["extension"]),                    # taken in the tenant
            user_body(login=taken["login"].upper())]                    # taken, ignoring case
    r = await client.post(f"{api}/users/batch", json={"users": rows})
    assert r.status_code == 422, r.text
    assert _errors(r) == {(1, "agent_pin", "pin_sequential"), (2, "extension", "extension_taken"),
                          (3, "extension", "extension_taken"), (4, "login", "login_taken")}
    assert await _count(app, User, tenant_id=t.id) == users_before
    good = [user_body(extension="612", roles=["agent", "supervisor"]),
            user_body(email=f"{unique('b')}@example.com")]
    r = await client.post(f"{api}/users/batch", json={"users": good})
    assert r.status_code == 201, r.text
    created = r.json()["items"]
    assert [u["roles"] for u in created] == [["supervisor", "agent"], ["agent"]]
    assert created[0]["extension"] == "612"
    audit = (await client.get(f"{api}/audit", params={"entity": "user_role",
                                                      "limit": 500})).json()["items"]
    assert {(e["entity_id"], e["action"]) for e in audit} >= {
        (f"{created[0]['id']}:supervisor", "create"), (f"{created[0]['id']}:agent", "create")}


async def test_batch_update_changes_roles_and_is_all_or_nothing_issue9(client, api):
    a = await make_user(client, api, roles=["agent"])
    b = await make_user(client, api, roles=["pbx_user"], extension="620")
    r = await client.patch(f"{api}/users/batch", json={"users": [
        {"id": a["id"], "roles": ["agent", "supervisor"], "description": "lead"},
        {"id": b["id"], "extension": "1"}]})
    assert r.status_code == 422 and _errors(r) == {(1, "extension", "extension_too_short")}
    assert (await client.get(f"{api}/users/{a['id']}")).json()["roles"] == ["agent"]
    r = await client.patch(f"{api}/users/batch", json={"users": [
        {"id": a["id"], "roles": ["agent", "supervisor"], "description": "lead"},
        {"id": b["id"], "roles": ["pbx_user", "uc_user"]}]})
    assert r.status_code == 200, r.text
    assert [u["roles"] for u in r.json()["items"]] == [["supervisor", "agent"],
                                                      ["pbx_user", "uc_user"]]
    audit = (await client.get(f"{api}/audit", params={"entity_id": f"{a['id']}:supervisor"}
                              )).json()["items"]
    assert [e["action"] for e in audit] == ["create"]
    listed = (await client.get(f"{api}/users", params={"role": "supervisor"})).json()["items"]
    assert [u["id"] for u in listed] == [a["id"]]
    r = await client.patch(f"{api}/users/batch", json={"users": [
        {"id": a["id"], "visible": False}, {"id": 987654321, "visible": False}]})
    assert r.status_code == 404 and _errors(r) == {(1, "id", "not_found")}


async def test_a_rule_violation_is_reported_identically_by_api_cli_and_service_issue9(
        app, backend, client, api, tenant, monkeypatch):
    """The API, the command line and a direct call of the service go through create_users:
    the same violation comes back with the same row, field and code from each."""
    from typer.testing import CliRunner

    from roster import cli
    from roster.config import get_settings
    from roster.domains.users import service
    from roster.domains.users.schemas import UserCreate

    await make_user(client, api, extension="630")
    rows = [user_body(extension="631"), user_body(agent_pin="90123"),
            user_body(extension="630"), user_body(extension="631")]
    expected = {(1, "agent_pin", "pin_sequential"), (2, "extension", "extension_taken"),
                (3, "extension", "extension_taken")}

    r = await client.post(f"{api}/users/batch", json={"users": rows})
    assert _errors(r) == expected

    t = await _tenant(app, tenant["slug"])
    async with app.state.sessionmaker() as db:
        with pytest.raises(Problem) as refused:
            await service.create_users(db, tenant=t,
                                       rows=[UserCreate.model_validate(x) for x in rows])
        await db.rollback()
    assert {(e.row, e.field, e.code) for e in refused.value.errors} == expected

    monkeypatch.setenv("ROSTER_DATABASE_URL", backend.url)
    get_settings.cache_clear()
    try:
        result = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(
            cli.app, ["user", "import", tenant["slug"], "-"], input=json.dumps(rows)))
    finally:
        monkeypatch.delenv("ROSTER_DATABASE_URL")
        get_settings.cache_clear()
    assert result.exit_code == 2, result.output
    reported = set()
    for line in result.stderr.splitlines():
        if line.strip().startswith("row "):
            where, field, code, _ = (p.strip() for p in line.strip().split(":", 3))
            reported.add((int(where.removeprefix("row ")), field, code))
    assert reported == expected, result.stderr
    listed = (await client.get(f"{api}/users", params={"limit": 500})).json()["items"]
    assert len(listed) == 1  # nothing of the three refused batches was created


async def test_services_enforce_access_rules_without_the_web_layer_issue8(app, client, api,
                                                                           tenant):
    """The users and access services, called directly (as the command line, an import, SCIM
    or the panel do) by a supervisor, refuse escalation and reach beyond its scope."""
    from roster.core.permissions import Actor
    from roster.domains.access import service as access
    from roster.domains.users import service as users
    from roster.domains.users.schemas import UserCreate, UserWrite

    sup = await make_user(client, api, roles=["supervisor"])
    agent = await make_user(client, api)
    stranger = await make_user(client, api)
    admin = await make_user(client, api, roles=["administrator"])
    await client.put(f"{api}/users/{sup['id']}/supervision", json={"users": [agent["id"]]})
    await client.put(f"{api}/users/{sup['id']}/permissions",
                     json={"grant": ["users.access.manage", "users.create"]})
    t = await _tenant(app, tenant["slug"])

    async def refused(call) -> Problem:
        async with app.state.sessionmaker() as db:
            principal = await access.principal_for_user(
                db, token_id=0, kind="session", user_id=sup["id"], tenant_id=t.id,
                active_role="supervisor")
            actor = Actor(principal, t)
            with pytest.raises(Problem) as exc:
                await call(db, actor)
            await db.rollback()
        return exc.value

    async def promote(db, actor):
        user = await users.get_user(db, actor=actor, user_id=agent["id"])
        await users.update_user(db, tenant=t, user=user, actor=actor,
                                data=UserWrite(roles=["agent", "supervisor"]))

    async def create_supervisor(db, actor):
        await users.create_users(db, tenant=t, actor=actor,
                                 rows=[UserCreate.model_validate(user_body(roles=["supervisor"]))])

    async def reset_stranger(db, actor):
        await users.update_users(db, tenant=t, actor=actor, changes=[
            users.UserChange(stranger["id"], UserWrite(password=strong_password()))])

    async def widen_scope(db, actor):
        me = await users.get_user(db, actor=actor, user_id=sup["id"])
        await access.set_supervision(db, actor=actor, user=me,
                                     user_ids=[agent["id"], stranger["id"]], group_ids=[])

    async def delete_last_admin(db, actor):
        user = (await users.users_by_ids(db, tenant=t, ids=[admin["id"]]))[0]
        await users.delete_user(db, tenant=t, user=user, actor=None)  # the system itself

    assert (await refused(promote)).code == "escalation"
    assert (await refused(create_supervisor)).code == "escalation"
    assert (await refused(reset_stranger)).status == 404
    assert (await refused(widen_scope)).status in (403, 422)
    assert (await refused(delete_last_admin)).code == "last_administrator"
    assert (await client.get(f"{api}/users/{agent['id']}")).json()["roles"] == ["agent"]


async def test_fcc42_users_and_stations_share_one_extension_namespace(client, api):
    """A user's extension and a station's number clash either way round (409 extension_taken),
    through the single and the batch write."""
    r = await client.post(f"{api}/stations", json={"extension": "640", "name": "Desk 640"})
    assert r.status_code == 201, r.text
    r = await client.post(f"{api}/users", json=user_body(extension="640"))
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "extension_taken"
    r = await client.post(f"{api}/users/batch", json={"users": [user_body(extension="640")]})
    assert r.status_code == 409 and _errors(r) == {(0, "extension", "extension_taken")}
    u = await make_user(client, api, extension="641")
    r = await client.patch(f"{api}/users/{u['id']}", json={"extension": "640",
                                                          "sip_password": sip_password()})
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "extension_taken"
    r = await client.post(f"{api}/stations", json={"extension": "641", "name": "Desk 641"})
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "extension_taken"


async def test_logins_and_emails_are_unique_ignoring_case_in_the_check_and_the_database(
        app, anon, client, api, tenant):
    from roster.domains.users.models import User

    password = strong_password()
    jan = await make_user(client, api, login="Jan.Kowalski", email="Jan.K@Example.com",
                          password=password)
    r = await client.post(f"{api}/users", json=user_body(login="jan.kowalski"))
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "login_taken"
    r = await client.post(f"{api}/users", json=user_body(email="JAN.K@example.COM"))
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "email_taken"
    # signing in does not depend on the case either, nor does the lock-out it counts
    assert (await login(anon, tenant["slug"], "JAN.KOWALSKI", password)).status_code == 200
    t = await _tenant(app, tenant["slug"])
    async with app.state.sessionmaker() as db:
        with pytest.raises(IntegrityError):
            # the database refuses it too, whatever writes it
            await db.execute(insert(User).values(
                tenant_id=t.id, full_name="Raw", login="JAN.kowalski", language="en",
                blacklist=[], whitelist=[], communication_means=[], extra={}))
        await db.rollback()
    assert jan["login"] == "Jan.Kowalski"


async def test_ids_are_never_reused_after_a_delete(client, api):
    """SQLite hands out the last row's id again unless tables say AUTOINCREMENT (migration
    0005_writepath); ids stay unique for the life of the database on both databases."""
    first = await make_user(client, api)
    assert (await client.delete(f"{api}/users/{first['id']}")).status_code == 204
    second = await make_user(client, api)
    assert second["id"] > first["id"]


async def test_fcc5_pin_runs_wrapping_round_the_dial_are_refused(client, api):
    for pin in ("67890", "90123", "32109"):
        r = await client.post(f"{api}/users", json=user_body(agent_pin=pin))
        assert r.status_code == 422 and r.json()["errors"][0]["code"] == "pin_sequential", pin
    assert (await make_user(client, api, agent_pin=free_pin()))["has_pin"]
