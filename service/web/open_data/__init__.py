"""Open data: what the public pages show, as CSV, Swedish-Excel CSV and JSON files.

`routes` mounts them under `/open-data/`; `tables` names the files and their columns.
"""

from __future__ import annotations

from service.web.open_data.routes import routes

__all__ = ["routes"]
