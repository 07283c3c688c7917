"""List orders the panel relies on, through the API: users sorted by a column and paged with the
usual cursor (keyset on the sort key and id), the project filter (OKI-11), the audit log newest
first."""

from __future__ import annotations

from tests.factories import make_user


async def test_users_sorted_by_name_paged_with_the_cursor_in_both_directions(client, api):
    names = ["Ewa", "Adam", "Cezary", "Beata", "Adam", "Dorota", "Bartek"]
    for n in names:
        await make_user(client, api, full_name=n)
    for sort, reverse in (("full_name", False), ("-full_name", True)):
        seen, cursor = [], None
        while True:
            params = {"sort": sort, "limit": 2, **({"cursor": cursor} if cursor else {})}
            page = (await client.get(f"{api}/users", params=params)).json()
            seen += [(u["full_name"], u["id"]) for u in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(names) and len({i for _, i in seen}) == len(names)
        assert seen == sorted(seen, reverse=reverse)
    r = await client.get(f"{api}/users", params={"sort": "password_hash"})
    assert r.status_code == 422


async def test_users_of_a_project_directly_or_through_a_group_oki11(client, api):
    direct, via_group, outside = (await make_user(client, api), await make_user(client, api),
                                  await make_user(client, api))
    project = (await client.post(f"{api}/projects", json={"name": "Retail"})).json()
    group = (await client.post(f"{api}/groups", json={"name": "g-retail"})).json()
    await client.post(f"{api}/groups/{group['id']}/members", json={"user_id": via_group["id"]})
    await client.post(f"{api}/projects/{project['id']}/members", json={"kind": "user",
                                                                       "id": direct["id"]})
    await client.post(f"{api}/projects/{project['id']}/members", json={"kind": "group",
                                                                       "id": group["id"]})
    items = (await client.get(f"{api}/users", params={"project": project["id"]})).json()["items"]
    assert {u["id"] for u in items} == {direct["id"], via_group["id"]}
    assert outside["id"] not in {u["id"] for u in items}


async def test_audit_log_newest_first_with_the_cursor(client, api):
    for i in range(3):
        await make_user(client, api, full_name=f"Audited {i}")
    first = (await client.get(f"{api}/audit", params={"order": "newest", "limit": 2,
                                                      "entity": "user"})).json()
    second = (await client.get(f"{api}/audit", params={"order": "newest", "limit": 2,
                                                       "entity": "user",
                                                       "cursor": first["next_cursor"]})).json()
    ids = [e["id"] for e in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    oldest = (await client.get(f"{api}/audit", params={"limit": 1})).json()["items"][0]["id"]
    assert oldest < ids[-1]
