"""The demo history under construction: principals, deterministic command ids, org ids."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from typing import TypedDict

from events.messages import Command, Principal

DEMO_ISSUER = "samverkan-demo"
DEMO_NAMESPACE = uuid.UUID("6f1c1d7e-2b7a-5c1e-9a43-5a6d3e0c0b01")
SERVICE_ORG = "samverkan"

UPPLANDS_BRO = "org-upplands-bro"
JARFALLA = "org-jarfalla"
LPO_JARFALLA = "org-lpo-jarfalla"
REGION_STOCKHOLM = "org-polisregion-stockholm"
REGION_NORD = "org-polisregion-nord"
LPO_PITEA_ALVDAL = "org-lpo-pitea-alvdal"
ARJEPLOG = "org-arjeplog"
KOMMUN_2022 = "org-kommun-medborgarlofte-2022"
LPO_2022 = "org-lpo-medborgarlofte-2022"
REGION_2022 = "org-polisregion-medborgarlofte-2022"


class CommandKey(TypedDict):
    """The fields every demo command shares."""

    command_id: str
    at: dt.datetime


class DemoHistory:
    """Collects (stream id, command) pairs with deterministic command ids."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at
        self.commands: list[tuple[str, Command]] = []

    def actor(self, org_id: str, role: str, person_id: str | None = None) -> Principal:
        """The demo principal acting for `org_id` in `role`."""
        return Principal(
            issuer=DEMO_ISSUER,
            subject=person_id or f"demo-{org_id}-{role}",
            organisation_id=org_id,
            roles=frozenset({role}),
            person_id=person_id,
        )

    def operator(self) -> Principal:
        """The platform operator that registers the demo's organisations and links them."""
        return replace(self.actor(SERVICE_ORG, "service"), platform_operator=True)

    def key(self, name: str) -> CommandKey:
        """Command id (uuid5 of a readable name) and time for one command."""
        return {"command_id": str(uuid.uuid5(DEMO_NAMESPACE, name)), "at": self.at}

    def add(self, stream: str, command: Command) -> None:
        """Append one command to the history."""
        self.commands.append((stream, command))
