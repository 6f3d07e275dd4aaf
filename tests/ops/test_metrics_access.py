"""/metrics carries operation and token names in its labels: in production the main port serves
it only to a scraper holding GATEWAY_METRICS_TOKEN (or it lives on GATEWAY_METRICS_BIND)."""

from __future__ import annotations

import pytest

SECRET = "scrape-" + "s" * 32


@pytest.mark.parametrize("settings_overrides", [{"env": "production"}])
async def test_production_main_port_has_no_public_metrics(client) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 404
    assert "gateway_http_requests_total" not in response.text
    assert (await client.get("/healthz")).status_code == 200


@pytest.mark.parametrize(
    "settings_overrides",
    [{"env": "production", "metrics_token": SECRET}, {"metrics_token": SECRET}],
)
async def test_metrics_token_is_required_when_set(client) -> None:
    for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": SECRET}):
        refused = await client.get("/metrics", headers=headers)
        assert refused.status_code == 401, headers
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert "gateway_" not in refused.text
    allowed = await client.get("/metrics", headers={"authorization": f"Bearer {SECRET}"})
    assert allowed.status_code == 200
    assert "gateway_http_requests_total" in allowed.text


async def test_development_keeps_metrics_open(client) -> None:
    assert (await client.get("/metrics")).status_code == 200
