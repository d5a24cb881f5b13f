"""Rate limits on the open endpoints: 429 problem+json with Retry-After."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any, Iterator

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from config import env
from tests.web.test_settings import PRODUCTION, manage

DID_KEY = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


@pytest.fixture
def low_rates(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # DRF binds the rates dict to the throttle class at import, so the entries
    # are patched there rather than through override_settings.
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "verify", "2/minute")
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "resolve", "3/hour")
    cache.clear()
    yield
    cache.clear()


def _verify(api: APIClient, **extra: str) -> Any:
    return api.post("/credentials/verify", data=json.dumps({"verifiableCredential": "abc"}), content_type="application/json", **extra)


def _assert_throttled(response: Any, period: int) -> None:
    assert response.status_code == 429, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["code"] == "TOO_MANY_REQUESTS"
    assert body["type"] == "about:blank"
    assert body["title"] == "Too Many Requests"
    assert body["status"] == 429
    assert 0 < int(response["Retry-After"]) <= period


@pytest.mark.usefixtures("low_rates")
def test_verify_is_throttled(api: APIClient) -> None:
    assert _verify(api).status_code == 400
    assert api.post("/presentations/verify", data="{}", content_type="application/json").status_code == 400
    # Both VC-API endpoints share one budget.
    _assert_throttled(_verify(api), 60)
    # Another client is not affected.
    assert _verify(api, REMOTE_ADDR="192.0.2.7").status_code == 400


@pytest.mark.usefixtures("low_rates")
def test_resolve_is_throttled_separately(api: APIClient) -> None:
    _verify(api)
    _verify(api)
    for _ in range(3):
        assert api.get(f"/1.0/identifiers/{DID_KEY}").status_code == 200
    response = api.get(f"/1.0/identifiers/{DID_KEY}")
    _assert_throttled(response, 3600)
    assert "Accept" in response["Vary"]


@pytest.mark.usefixtures("low_rates")
def test_forwarded_for_is_read_behind_one_proxy(api: APIClient, settings: Any) -> None:
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 1  # DEBUG is off in the tests, as in production
    # The proxy appends the real address; what the client wrote before it is ignored.
    assert _verify(api, HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.1").status_code == 400
    assert _verify(api, HTTP_X_FORWARDED_FOR="10.9.9.8, 198.51.100.1").status_code == 400
    _assert_throttled(_verify(api, HTTP_X_FORWARDED_FOR="10.9.9.7, 198.51.100.1"), 60)
    assert _verify(api, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 400


@pytest.mark.parametrize(("raw", "expected"), [("120/minute", "120/minute"), ("5/S", "5/s"), (" 10/hour ", "10/hour"), ("", "7/day")])
def test_env_rate(monkeypatch: pytest.MonkeyPatch, raw: str, expected: str) -> None:
    monkeypatch.setenv("LZ_RATE", raw)
    assert env.env_rate("LZ_RATE", "7/day") == expected


@pytest.mark.parametrize("raw", ["lots", "120", "0/minute", "-1/minute", "120/fortnight", "1.5/s", "120/minute/2"])
def test_env_rate_refuses_garbage(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("LZ_RATE", raw)
    with pytest.raises(ImproperlyConfigured, match="LZ_RATE"):
        env.env_rate("LZ_RATE", "7/day")


def test_rates_come_from_the_environment(tmp_path: Path) -> None:
    code = "from django.conf import settings; r = settings.REST_FRAMEWORK; print(r['DEFAULT_THROTTLE_RATES'], r['NUM_PROXIES'])"
    key = secrets.token_urlsafe(64)
    result = manage(tmp_path, "shell", "-c", code, SECRET_KEY=key, VERIFY_RATE="30/minute", RESOLVE_RATE="", API_KEY_RATE="90/hour", NUM_PROXIES="2", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "{'verify': '30/minute', 'resolve': '120/minute', 'api_key': '90/hour'} 2"
    bad = manage(tmp_path, "check", SECRET_KEY=key, RESOLVE_RATE="many", **PRODUCTION)
    assert bad.returncode != 0
    assert "RESOLVE_RATE must look like" in bad.stderr
