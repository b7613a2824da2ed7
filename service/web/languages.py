"""The language of an answer from the request's `Accept-Language`, negotiated once per
distinct header: browsers send a handful of values, and negotiation (Babel) costs more than
a whole 304."""

from __future__ import annotations

import functools

from schema.i18n.catalogue import DEFAULT_LANGUAGE, negotiate

MAX_BYTES = 256
"""Longer headers are negotiated every time rather than kept."""


@functools.lru_cache(maxsize=256)
def _negotiated(accept_language: str) -> str:
    return negotiate(accept_language)


def language_for(accept_language: str | None) -> str:
    """What `schema.i18n.catalogue.negotiate` answers for this header, kept per header."""
    if accept_language is None:
        return DEFAULT_LANGUAGE
    if len(accept_language) > MAX_BYTES:
        return negotiate(accept_language)
    return _negotiated(accept_language)
