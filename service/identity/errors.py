"""Identity errors the HTTP layer turns into 401 answers."""

from __future__ import annotations


class InvalidToken(Exception):
    """A bearer token or login result that must not authenticate anyone (HTTP 401)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def www_authenticate(self) -> str:
        """The `WWW-Authenticate` header value for a 401 answer (RFC 6750 §3)."""
        safe = self.reason.replace("\\", "").replace('"', "'")
        return f'Bearer error="invalid_token", error_description="{safe}"'


class UnknownIssuer(InvalidToken):
    """The token names an issuer the registry does not trust."""


class CsrfMissing(InvalidToken):
    """A cookie-authenticated request without the session's CSRF token: 403, not 401."""


class SessionEnded(InvalidToken):
    """A session cookie naming no live session (logged out, revoked, expired): 401, and the
    browser is told to forget the cookie."""
