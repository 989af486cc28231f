"""The header-name heuristics of lint (`obs_codegen.lint.header_names`): every spelling, no false alarms on the usual headers."""

from __future__ import annotations

import pytest

from obs_codegen.lint.header_names import normalise, parts, shapes

CREDENTIALS = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-api_key", "X-API-KEY",
               "x-apikey", "x-auth-key", "x-access-key", "x-jwt-assertion", "x-goog-iap-jwt-assertion", "x-csrf-token",
               "x-csrftoken", "x-xsrf-token", "x-amz-security-token", "private-token", "x-hub-signature-256",
               "x-functions-key", "ocp-apim-subscription-key", "x-client-secret", "x-password", "x-passwd", "x-sig",
               "x-otp", "x-bearer", "x-saml-response", "x-oauth-scopes", "X_Vault_Token"]
IDENTITIES = ["x-user", "x-user-id", "x-userid", "x-username", "x-session", "x-session-id", "x_session_id",
              "x-email", "x-phone", "x-account", "x-customer-id", "x-ms-client-principal", "x-login", "x-focus-id",
              "x-group-id", "x-device-id", "x-deviceid", "x-visitor-id", "x-uid"]
CLIENT_ADDRESSES = ["x-forwarded-for", "X_Forwarded_For", "forwarded", "x-forwarded", "x-real-ip", "x-client-ip",
                    "true-client-ip", "cf-connecting-ip", "fastly-client-ip", "x-cluster-client-ip", "x-originating-ip",
                    "x-remote-addr", "x-realip", "x-forwarded-client-cert"]
ORDINARY = ["x-request-id", "traceparent", "tracestate", "baggage", "accept", "accept-language", "cache-control",
            "content-type", "content-length", "user-agent", "user_agent", "x-model-id", "x-provider", "keep-alive",
            "x-api-version", "x-idempotency-key", "idempotency-key", "x-cache-key", "x-forwarded-host",
            "x-forwarded-proto", "x-forwarded-port", "origin", "referer", "x-requested-with", "x-b3-traceid", "etag"]


def test_normalised_spelling() -> None:
    assert normalise("X-Api_Key") == "x-api-key" and parts("X-Api_Key") == ("x", "api", "key")


@pytest.mark.parametrize("name", CREDENTIALS)
def test_credentials(name: str) -> None:
    assert "credential" in shapes(name), shapes(name)


@pytest.mark.parametrize("name", IDENTITIES)
def test_identities(name: str) -> None:
    assert "identity" in shapes(name), shapes(name)


@pytest.mark.parametrize("name", CLIENT_ADDRESSES)
def test_client_addresses(name: str) -> None:
    assert "client-address" in shapes(name), shapes(name)


@pytest.mark.parametrize("name", ORDINARY)
def test_ordinary_headers_are_not_flagged(name: str) -> None:
    assert shapes(name) == {}


@pytest.mark.parametrize("name", CREDENTIALS + IDENTITIES + CLIENT_ADDRESSES + ORDINARY)
def test_every_spelling_is_judged_alike(name: str) -> None:
    """Case and `_` vs `-` never change the verdict: the heuristics see only the normalised name."""
    base = shapes(name)
    for spelled in (name.upper(), name.lower(), name.replace("-", "_"), name.replace("_", "-").title()):
        assert shapes(spelled) == base, spelled
