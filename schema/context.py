"""The per-request GraphQL context: who asks, how to read, how to dispatch. Built by the service;
`schema` never imports `service`, so everything arrives here as plain callables and protocols."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from strawberry.dataloader import DataLoader

from events.messages import HOME, Command, Principal
from projections.activities import ActivityRow
from projections.history import HistoryEntry


@dataclass(frozen=True, slots=True, kw_only=True)
class Dispatched:
    """A dispatched command's result as the schema needs it."""

    stream_id: str
    version: int
    event_ids: tuple[uuid.UUID, ...]
    duplicate: bool
    event_types: tuple[str, ...] = ()
    """The type of each appended event, in the order of `event_ids`."""


T = TypeVar("T")

Dispatch = Callable[[Command, int | None], Awaitable[Dispatched]]
"""Decide and append a command at an expected version (None: current)."""


class Reader(Protocol):
    """Read access to projections and the log, scoped by the caller in the resolvers."""

    async def log_head(self) -> int:
        """How many events are sequenced."""

    async def stream_history(
        self, stream_id: str, after_version: int, limit: int
    ) -> Sequence[HistoryEntry]:
        """The audit history of one stream."""

    async def document_at(self, projection: str, key: str) -> tuple[int, dict[str, Any]] | None:
        """One serving document with the log index it was last changed at."""

    async def fold_as_of(self, projection: str, key: str, log_index: int) -> dict[str, Any] | None:
        """The document of `key` as it stood at `log_index` (the same fold, in memory)."""

    async def first_log_index(
        self, projection: str, key: str, accept: Callable[[Any], bool]
    ) -> int | None:
        """The first log index at which the folded state of `key` satisfies `accept`."""

    async def promise_documents(
        self,
        *,
        organisation: str | None,
        status: Sequence[str] | None,
        title: str | None,
        after: str | None,
        limit: int,
        member_of: frozenset[str],
        everything: bool,
        active_on: dt.date | None = None,
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Promise documents in key order; `active_on` keeps those whose period covers a day.
        Of a promise the caller reads only as the public does, only its public view
        (`{"public": …}`)."""

    async def agreement_documents(
        self,
        *,
        organisation: str | None,
        status: Sequence[str] | None,
        title: str | None,
        after: str | None,
        limit: int,
        member_of: frozenset[str],
        everything: bool,
        active_on: dt.date | None = None,
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Agreement documents in key order, filtered like `promise_documents`."""

    async def place_documents(
        self, *, municipality: str | None, unsafe_only: bool, after: str | None, limit: int
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Serving place documents in key order (projections.places.place_documents)."""

    async def awaiting(
        self, projection: str, organisation: str, day: dt.date
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Serving documents of `projection` that `organisation` is party to and that may ask
        something of a party on `day`, in key order (projections.serving.awaiting)."""

    async def walk_documents(
        self, *, municipality: str | None, organisation: str | None, after: str | None, limit: int
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Serving walk documents in key order (projections.walks.walk_documents)."""

    async def survey_documents(
        self,
        *,
        organisation: str | None,
        member_of: frozenset[str],
        everything: bool,
        after: str | None,
        limit: int,
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Serving survey documents in key order (projections.surveys.survey_documents)."""

    async def indicator_documents(
        self,
        *,
        municipality: str | None,
        linked_kind: str | None,
        linked_id: str | None,
        after: str | None,
        limit: int,
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Serving indicator documents in key order (projections.indicators)."""

    async def agreement_promises(
        self, *, agreement_id: str, member_of: frozenset[str], everything: bool, limit: int
    ) -> Sequence[str]:
        """Keys of the promises naming an agreement, as far as the caller may see them."""

    async def situation_documents(
        self,
        *,
        projection: str,
        municipality: str | None,
        after: str | None,
        limit: int,
        member_of: frozenset[str],
        everything: bool,
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Lägesbild or åtgärdsplan documents in key order, as far as the caller may see them
        (projections.situation.situation_documents)."""

    async def plans_naming(
        self, *, kind: str, named_id: str, limit: int
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Adopted åtgärdsplan documents naming an agreement or promise
        (projections.situation.plans_naming)."""

    async def area_promise_documents(
        self,
        *,
        police_areas: Sequence[str],
        municipalities: Sequence[str],
        member_of: frozenset[str],
        everything: bool,
        limit: int,
    ) -> Sequence[tuple[str, dict[str, Any]]]:
        """Promise documents in key order to which one of `police_areas` and one of
        `municipalities` are party, filtered by visibility like `promise_documents`."""

    async def log_index_at(self, moment: dt.datetime) -> int | None:
        """The last log index recorded at or before `moment` (None before the first)."""

    witnesses: tuple[str, ...]
    """Names of the witnesses whose cosignatures make an event final."""

    def log_verifier_key(self) -> str | None:
        """The log's note verifier key (C2SP vkey), which its checkpoints are signed with;
        None where this process has none."""

    async def audit(self, read: Callable[[Any], Awaitable[T]]) -> T:
        """Run an `events.audit_log` read on a pooled connection."""

    async def locate_event(self, event_id: uuid.UUID) -> tuple[str, int] | None:
        """The stream and log index of a sequenced event."""

    async def documents_by_keys(
        self, keys: Sequence[tuple[str, str]]
    ) -> list[dict[str, Any] | None]:
        """Serving documents for (projection, key) pairs, in the order asked (None if absent)."""

    async def stream_parties(self, stream_id: str) -> frozenset[str]:
        """Organisations that are party to a stream (from its read model and its writers)."""

    async def wait_for(self, log_index: int, timeout_s: float) -> bool:
        """Wait until the projections reached `log_index`; False on timeout."""

    async def position_of(self, event_ids: Sequence[uuid.UUID], timeout_s: float) -> int | None:
        """The highest log index of the given events once sequenced; None on timeout."""

    async def document(self, projection: str, key: str) -> dict[str, Any] | None:
        """One serving document of a projection."""

    async def activities(
        self,
        *,
        promise_key: str | None,
        commitment_id: str | None,
        performed_by: str | None,
        member_of: frozenset[str] | None,
        after: tuple[str, int] | None,
        limit: int,
    ) -> Sequence[ActivityRow]:
        """Activity records in (promise, position) order; `member_of` limits to the promises
        its organisations are party to."""

    async def promise_records(self, key: str) -> list[dict[str, Any]]:
        """Every activity record of one serving promise, plain, in position order (what
        `projections.activities.attach` puts back into its stored document)."""


class SessionAdmin(Protocol):
    """Ends browser sessions (operational state, not the event log)."""

    async def revoke_person(self, organisation_id: str, person_or_subject: str, *, by: str) -> int:
        """End every live session of one person of one organisation; how many ended."""


Reauthorise = Callable[[], Awaitable[Principal | None]]
"""A WebSocket connection's principal now: None once its token expired or its session ended."""


@dataclass(slots=True, kw_only=True)
class Context:
    """What every resolver sees."""

    principal: Principal | None
    reader: Reader
    dispatch: Dispatch
    request_id: str
    now: Callable[[], Any]
    documents: DataLoader[tuple[str, str], dict[str, Any] | None]
    """Serving documents by (projection, key), batched and cached for this request only."""
    connection_params: dict[str, Any] | None = None
    """The WebSocket `connection_init` payload (set by Strawberry on subscriptions)."""
    language: str = "sv"
    """The language of messages (schema.i18n.catalogue.LANGUAGES), from `Accept-Language`."""
    reauthorise: Reauthorise | None = None
    """Set on WebSocket connections: subscriptions ask it before every push."""
    sessions: SessionAdmin | None = None
    """Browser sessions, for an org_admin's revocation (None: the app has no session store)."""
    extras: dict[str, Any] = field(default_factory=dict)

    def today(self) -> dt.date:
        """The day it is now where the promises are kept (Swedish time), as commands count
        their day (`events.messages.Command.day`)."""
        now: dt.datetime = self.now()
        return now.astimezone(HOME).date()
