async def test_openapi_served(anon):
    r = await anon.get("/api/v1/openapi.json")
    assert r.status_code == 200
    assert "/api/v1/tenants/{tenant}/users" in r.json()["paths"]


async def test_tenant_created(client, tenant, api):
    r = await client.get(api)
    assert r.status_code == 200
    assert r.json()["sip_domain"] == tenant["sip_domain"]


async def test_openapi_declares_every_path_parameter(anon):
    """Every {name} in a path is a declared parameter of each of its operations."""
    import re

    doc = (await anon.get("/api/v1/openapi.json")).json()
    for path, item in doc["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for method, op in item.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert names <= declared, (method, path, names - declared)


async def test_405_lists_every_allowed_method(client, api):
    g = (await client.post(f"{api}/groups", json={"name": "Allow"})).json()
    r = await client.request("OPTIONS", f"{api}/groups/{g['id']}")
    assert r.status_code == 405 and r.headers["allow"] == "DELETE, GET, PATCH"
    assert r.headers["content-type"] == "application/problem+json"
