"""How documents are stored: out of line and uncompressed (migration 0014), read back whole."""

from __future__ import annotations

import datetime as dt

import orjson

from projections.documents import UPSERT
from service import database
from tests.conftest import Database


def _large_document(n: int) -> dict[str, object]:
    # Repetitive text, as a promise's document is: pglz would shrink it to a fraction.
    return {
        "state": {"promise_id": "promise-storage", "items": [f"aktivitet {i}" for i in range(n)]},
        "public": {"title": "Trygghet i centrum " * 20},
    }


async def test_a_large_document_is_stored_uncompressed_and_reads_back_equal(
    fresh_db: Database,
) -> None:
    doc = _large_document(2000)
    assert len(orjson.dumps(doc)) > 20_000  # well past the size at which a row is toasted
    conn = await database.connect(fresh_db.app_url)
    try:
        await conn.execute(
            UPSERT,
            "promises",
            1,
            ["promise-storage"],
            [orjson.dumps(doc).decode()],
            ["org-a"],
            ["draft"],
            ["Trygghet"],
            [None],
            [None],
            [7],
            [dt.date(2026, 1, 1)],
        )
        compression, external, stored = await conn.fetchrow(
            "SELECT pg_column_compression(doc), pg_column_size(doc) >= octet_length(doc::text),"
            " doc FROM documents WHERE projection = 'promises' AND key = 'promise-storage'"
        )
    finally:
        await conn.close()
    assert compression is None
    assert external
    assert stored == doc
