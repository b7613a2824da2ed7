"""The workspace answers a failed GraphQL read with its own page: 503 to be tried again when
the schema typed an outage, 500 for anything else — in the asked language, never JSON."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route
from starlette.testclient import TestClient

from service.web.workspace.graph import GraphFailed
from service.web.workspace.routes import graph_failed_page


def failing(codes: frozenset[str]) -> TestClient:
    async def page(request: Request) -> None:
        raise GraphFailed("a read failed", codes)

    app = Starlette(
        routes=[Route("/app/", page)], exception_handlers={GraphFailed: graph_failed_page}
    )
    return TestClient(app)


def test_an_outage_the_schema_typed_is_a_swedish_503_page_to_try_again() -> None:
    response = failing(frozenset({"UNAVAILABLE"})).get("/app/")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.headers["content-type"].startswith("text/html")
    assert "Tillfälligt otillgänglig" in response.text


def test_any_other_failed_read_is_a_500_page_in_the_asked_language() -> None:
    client = failing(frozenset({"INTERNAL"}))
    swedish = client.get("/app/")
    assert swedish.status_code == 500 and "Något gick fel" in swedish.text
    assert "retry-after" not in swedish.headers
    english = client.get("/app/", headers={"accept-language": "en"})
    assert english.status_code == 500 and "Something went wrong" in english.text
