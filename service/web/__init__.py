"""HTTP adapters: the Starlette app, the GraphQL view, public pages, open data, health, metrics."""
