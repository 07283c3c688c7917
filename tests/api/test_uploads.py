"""FCC-15 greeting and FCC-16 avatar uploads, checked by content and served only to readers."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from roster.config import get_settings
from tests.factories import make_user
from tests.unit.test_media import png_with_exif, wav_bytes


def media_dir(tenant_id: int, user_id: int) -> Path:
    return get_settings().data_dir / "media" / str(tenant_id) / str(user_id)


async def test_fcc16_avatar_upload_reencoded_and_served(client, api, tenant):
    u = await make_user(client, api)
    r = await client.put(f"{api}/users/{u['id']}/avatar",
                         files={"file": ("me.jpg", png_with_exif(), "image/jpeg")})
    assert r.status_code == 204, r.text
    assert (await client.get(f"{api}/users/{u['id']}")).json()["has_avatar"]
    r = await client.get(f"{api}/users/{u['id']}/avatar")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    img = Image.open(io.BytesIO(r.content))
    assert img.format == "PNG" and max(img.size) <= 512 and b"secret location" not in r.content
    assert (await client.delete(f"{api}/users/{u['id']}/avatar")).status_code == 204
    assert (await client.get(f"{api}/users/{u['id']}/avatar")).status_code == 404


async def test_fcc16_disguised_file_refused_and_nothing_written(client, api, tenant):
    u = await make_user(client, api)
    r = await client.put(f"{api}/users/{u['id']}/avatar",
                         files={"file": ("cat.png", b"#!/bin/sh\nrm -rf /\n", "image/png")})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "not_an_image"
    assert not (await client.get(f"{api}/users/{u['id']}")).json()["has_avatar"]
    assert not media_dir(tenant["id"], u["id"]).exists()


async def test_fcc15_greeting_wav_accepted_image_refused(client, api, tenant):
    u = await make_user(client, api)
    r = await client.put(f"{api}/users/{u['id']}/greeting",
                         files={"file": ("hello.mp3", wav_bytes(), "audio/mpeg")})
    assert r.status_code == 204
    r = await client.get(f"{api}/users/{u['id']}/greeting")
    assert r.headers["content-type"] == "audio/wav" and r.content == wav_bytes()
    png = io.BytesIO()
    Image.new("RGB", (2, 2)).save(png, format="PNG")
    r = await client.put(f"{api}/users/{u['id']}/greeting",
                         files={"file": ("hello.wav", png.getvalue(), "audio/wav")})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "not_audio"
    # the earlier greeting is untouched
    assert (await client.get(f"{api}/users/{u['id']}/greeting")).content == wav_bytes()


async def test_media_removed_with_user_and_hidden_from_other_tenants(client, api, tenant):
    u = await make_user(client, api)
    await client.put(f"{api}/users/{u['id']}/greeting",
                     files={"file": ("g.wav", wav_bytes(), "audio/wav")})
    assert media_dir(tenant["id"], u["id"]).exists()
    other = await client.post("/api/v1/tenants", json={
        "slug": f"m{u['id']}{tenant['slug'][-4:]}", "name": "M",
        "sip_domain": f"m{u['id']}{tenant['slug']}.pbx.example"})
    assert (await client.get(f"/api/v1/tenants/{other.json()['slug']}/users/{u['id']}/greeting")
            ).status_code == 404
    assert (await client.delete(f"{api}/users/{u['id']}")).status_code == 204
    assert not media_dir(tenant["id"], u["id"]).exists()
