"""A request body becomes one JSON object with NFC strings, or a reason it cannot."""

from __future__ import annotations

import json
import unicodedata

import pytest

from service.web.request_body import BodyRefused, json_object

NFC = "Järfälla – Kungsängen"
NFD = unicodedata.normalize("NFD", NFC)


@pytest.mark.parametrize("ensure_ascii", [True, False], ids=["as \\u escapes", "as UTF-8"])
def test_every_string_arrives_in_nfc_however_it_was_encoded(ensure_ascii: bool) -> None:
    body = {NFD: NFD, "list": [NFD, [NFD, {"deep": NFD}]], "n": 1, "ok": None}
    parsed = json_object(json.dumps(body, ensure_ascii=ensure_ascii).encode())
    assert parsed == {NFC: NFC, "list": [NFC, [NFC, {"deep": NFC}]], "n": 1, "ok": None}


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": "\\u0000"}',
        b'{"a": ["x", "\\ud83d"]}',
        b'{"\\udc00": 1}',
        b'{"a": "\\u00e4\\u0000"}',
    ],
)
def test_a_nul_or_a_lone_surrogate_anywhere_is_refused(body: bytes) -> None:
    with pytest.raises(BodyRefused, match="NUL"):
        json_object(body)


def test_a_surrogate_pair_is_one_character_and_welcome() -> None:
    assert json_object(b'{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}
