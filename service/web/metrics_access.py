"""Who may read /metrics: clients in the allowed networks (loopback by default) or whoever
presents `SAMVERKAN_METRICS_TOKEN` as a bearer token.

The series name operations, projections and witnesses and show the service's load; they are
for the operator's scraper, not for the public. The address is the one uvicorn reports, which
honours `X-Forwarded-For` only from its trusted proxies (127.0.0.1 by default): a reverse proxy
on the same host must set that header, or every client it forwards looks like loopback.
"""

from __future__ import annotations

import ipaddress
import secrets

from starlette.responses import Response

from service.web.errors import json_error

METRICS_REALM = 'Bearer realm="metrics"'


def _address(client: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if client is None:
        return None
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return None  # not an IP address (a test client, a unix socket): never allowed by address
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _allowed(client: str | None, allow: tuple[str, ...]) -> bool:
    address = _address(client)
    return address is not None and any(
        address in ipaddress.ip_network(network) for network in allow
    )


def _token_matches(authorization: str | None, token: str) -> bool:
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return secrets.compare_digest(given.strip().encode(), token.encode())


def metrics_refusal(
    client: str | None, authorization: str | None, *, allow: tuple[str, ...], token: str | None
) -> Response | None:
    """None when the caller may read /metrics; else the typed refusal to answer with.

    401 with a challenge when a token is configured (the caller could present it), 403 when
    none is (nothing would help from that address).
    """
    if _allowed(client, allow):
        return None
    if token is None:
        return json_error(403, "/metrics is only for the operator's scraper")
    if _token_matches(authorization, token):
        return None
    return json_error(
        401,
        "/metrics needs the operator's bearer token",
        headers={"WWW-Authenticate": METRICS_REALM},
    )
