async def test_openapi_served(anon):
    r = await anon.get("/api/v1/openapi.json")
    assert r.status_code == 200
    assert "/api/v1/tenants/{tenant}/users" in r.json()["paths"]


async def test_tenant_created(client, tenant, api):
    r = await client.get(api)
    assert r.status_code == 200
    assert r.json()["sip_domain"] == tenant["sip_domain"]
