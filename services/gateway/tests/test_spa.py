"""The built web app at / with the single-page-app fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import GatewayFactory, GatewayHarness

INDEX = "<!doctype html><title>Chorus</title>"


@pytest.fixture
def web_dist(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "app-1234.js").write_text("console.log('chorus')")
    (tmp_path / "secret.txt").write_text("secret")
    return dist


@pytest.mark.asyncio
async def test_spa_fallback_serves_the_app(gateway_factory: GatewayFactory, web_dist: Path) -> None:
    gateway = await gateway_factory(web_dist=web_dist)
    for path in ("/", "/r/some-room", "/r/some-room/deeper", "/index.html"):
        response = await gateway.http.get(path)
        assert response.status_code == 200, path
        assert response.text == INDEX
        assert response.headers["cache-control"] == "no-cache"
    asset = await gateway.http.get("/assets/app-1234.js")
    assert asset.text == "console.log('chorus')"
    assert "immutable" in asset.headers["cache-control"]


@pytest.mark.asyncio
async def test_reserved_paths_do_not_fall_back(
    gateway_factory: GatewayFactory, web_dist: Path
) -> None:
    gateway = await gateway_factory(web_dist=web_dist)
    for path in ("/api/nothing-here", "/ws/nope", "/metrics/y", "/docs/x", "/healthz/x"):
        response = await gateway.http.get(path)
        assert response.status_code == 404, path
        assert INDEX not in response.text
    assert (await gateway.http.get("/healthz")).json() == {"status": "ok"}
    assert "swagger" in (await gateway.http.get("/docs")).text.lower()
    assert (await gateway.http.get("/openapi.json")).json()["info"]["title"] == "Chorus gateway"
    traversal = await gateway.http.get("/assets/..%2F..%2Fsecret.txt")
    assert "secret" not in traversal.text


@pytest.mark.asyncio
async def test_no_web_dist_no_app(gateway: GatewayHarness) -> None:
    assert (await gateway.http.get("/")).status_code == 404
    assert (await gateway.http.get("/healthz")).status_code == 200
