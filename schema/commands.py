"""Mutations, one per domain command, derived from the command dataclasses themselves.

Each command `DraftPromise(promise_id, parties, details)` becomes
`draftPromise(commandId: ID!, expectedVersion: Int, input: DraftPromiseInput!): CommandResult`.
Deriving the input types from the commands keeps the API 1:1 with the domain and keeps the two
from drifting apart: a new command or field appears in the schema (and in the exported SDL,
which a test compares) without hand-written glue. The resolver builds the command with the
caller as actor and the request time, dispatches it, and maps refusals to union members.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import types
import typing
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from events.idempotency import MAX_COMMAND_ID_LENGTH, IdempotencyKeyReused
from events.messages import (
    Command,
    Forbidden,
    InvalidInput,
    Refusal,
    VersionConflict,
)
from schema import errors
from schema.consistency import consistency_token
from schema.context import Context
from schema.refusals import conflict_result, refusal_result, reused_result

_HIDDEN = {"command_id", "actor", "at", "acknowledge"}
_READ_ONLY_ROLES = frozenset({"auditor", "viewer"})


@strawberry.type(description="One event a command appended.")
class AppendedEvent:
    event_id: strawberry.ID
    type: str = strawberry.field(
        description="The event type, e.g. PromiseSignaturesVoided, PromiseReopened, "
        "CommitmentAdded (the same names `history` shows)."
    )


@strawberry.type(description="The command was accepted and its events appended to the log.")
class CommandAccepted:
    stream_id: str
    version: int
    event_ids: list[strawberry.ID]
    events: list[AppendedEvent] = strawberry.field(
        description="What the command appended, in order: everything it did, consequences "
        "for others (voided signatures) included. A duplicate lists the first result's events."
    )
    duplicate: bool
    consistency_token: str = strawberry.field(
        description="Pass to a query's `consistencyToken` to read this write."
    )


CommandResult = Annotated[
    CommandAccepted
    | errors.NotFound
    | errors.Forbidden
    | errors.VersionConflict
    | errors.InvalidInput
    | errors.RuleViolated
    | errors.IdempotencyKeyReused
    | errors.ConfirmationRequired,
    strawberry.union("CommandResult"),
]

COMMAND_ID_DESCRIPTION = (
    f"Your idempotency key: a UUID or 1 to {MAX_COMMAND_ID_LENGTH} printable ASCII characters."
)
"""Kept under 70 characters so the SDL prints it on one line; docs/client-guide.md says more."""


ACKNOWLEDGE_DESCRIPTION = "Consequences for others' acts you accept; see ConfirmationRequired."
"""Kept short so the SDL prints it on one line; ConsequenceKind and the guide say more."""


def _camel(name: str) -> str:
    return name[0].lower() + name[1:]


def _snake_to_words(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


class InputTypes:
    """Builds (and caches) Strawberry input types mirroring dataclasses."""

    def __init__(self) -> None:
        self._made: dict[type[Any], type[Any]] = {}

    def graphql_type(self, annotation: Any) -> Any:
        """The Strawberry annotation for a dataclass field's annotation."""
        origin = typing.get_origin(annotation)
        if origin in (types.UnionType, typing.Union):
            inner = [a for a in typing.get_args(annotation) if a is not type(None)]
            return self.graphql_type(inner[0]) | None
        if origin is tuple:
            return list[self.graphql_type(typing.get_args(annotation)[0])]  # type: ignore[misc]
        if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
            return self.input_for(annotation)
        if annotation in (str, int, bool, dt.date, dt.datetime):
            return annotation
        raise TypeError(f"no GraphQL input for {annotation!r}")

    def input_for(self, cls: type[Any], *, name: str | None = None) -> type[Any]:
        """The input type for dataclass `cls` (without the command envelope fields)."""
        if cls in self._made:
            return self._made[cls]
        hints = typing.get_type_hints(cls)
        fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
        for f in dataclasses.fields(cls):
            if f.name in _HIDDEN:
                continue
            annotation = self.graphql_type(hints[f.name])
            has_default = (
                f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
            )
            if has_default:
                fields.append((f.name, annotation | None, dataclasses.field(default=None)))
            else:
                fields.append((f.name, annotation))
        plain = dataclasses.make_dataclass(name or f"{cls.__name__}Input", fields, kw_only=True)
        made = strawberry.input(plain, description=(cls.__doc__ or "").strip() or None)
        self._made[cls] = made
        return made


def to_domain(annotation: Any, value: Any) -> Any:
    """Convert a Strawberry input value back into the dataclass field's type."""
    if value is None:
        return None
    origin = typing.get_origin(annotation)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return to_domain(inner[0], value)
    if origin is tuple:
        item = typing.get_args(annotation)[0]
        return tuple(to_domain(item, v) for v in value)
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        return build(annotation, value, {})
    return value


_FIELDS: dict[type[Any], tuple[tuple[str, Any, bool], ...]] = {}
"""Per dataclass, its input fields; bounded by the command and value classes there are."""


def _input_fields(cls: type[Any]) -> tuple[tuple[str, Any, bool], ...]:
    """(name, annotation, has a default) of each input field of dataclass `cls`: resolving
    the annotations (`typing.get_type_hints`) costs more than the rest of a command's build,
    and a class's fields never change, so it is done once per class."""
    found = _FIELDS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = _FIELDS[cls] = tuple(
            (
                f.name,
                hints[f.name],
                f.default is not dataclasses.MISSING
                or f.default_factory is not dataclasses.MISSING,
            )
            for f in dataclasses.fields(cls)
            if f.name not in _HIDDEN
        )
    return found


def build(cls: type[Any], given: Any, envelope: dict[str, Any]) -> Any:
    """An instance of dataclass `cls` from an input object (unset optional fields keep defaults)."""
    kwargs: dict[str, Any] = dict(envelope)
    for name, annotation, has_default in _input_fields(cls):
        value = getattr(given, name, None)
        if value is None and has_default:
            continue
        kwargs[name] = to_domain(annotation, value)
    return cls(**kwargs)


def _resolver(command_type: type[Command], input_type: type[Any]) -> Callable[..., Any]:
    async def resolve(
        info: Info[Context, None],
        command_id: Annotated[
            strawberry.ID, strawberry.argument(description=COMMAND_ID_DESCRIPTION)
        ],
        input: Any,
        expected_version: int | None = None,
        acknowledge: Annotated[
            list[errors.ConsequenceKind] | None,
            strawberry.argument(description=ACKNOWLEDGE_DESCRIPTION),
        ] = None,
    ) -> CommandResult:
        ctx = info.context
        if ctx.principal is None:
            refused = Forbidden(code="anonymous", message="Sign in to change anything.")
            return refusal_result(refused, ctx.language)
        if ctx.principal.roles <= _READ_ONLY_ROLES:
            refused = Forbidden(
                code="read_only", message="Auditors and viewers read; they issue no commands."
            )
            return refusal_result(refused, ctx.language)
        try:
            command = build(
                command_type,
                input,
                {
                    "command_id": str(command_id),
                    "actor": ctx.principal,
                    "at": ctx.now(),
                    "acknowledge": frozenset(kind.value for kind in acknowledge or ()),
                },
            )
        except (TypeError, ValueError) as exc:
            unreadable = InvalidInput(
                code="invalid_input",
                message="The input could not be read: {detail}",
                params={"detail": str(exc)},
            )
            return refusal_result(unreadable, ctx.language)
        try:
            done = await ctx.dispatch(command, expected_version)
        except Refusal as exc:
            result: CommandResult = refusal_result(exc, ctx.language)
            return result
        except VersionConflict as exc:
            return conflict_result(exc, ctx.language)
        except IdempotencyKeyReused as exc:
            return reused_result(exc, ctx.language)
        return CommandAccepted(
            stream_id=done.stream_id,
            version=done.version,
            event_ids=[strawberry.ID(str(e)) for e in done.event_ids],
            events=[
                AppendedEvent(event_id=strawberry.ID(str(event_id)), type=kind)
                for event_id, kind in zip(done.event_ids, done.event_types, strict=True)
            ],
            duplicate=done.duplicate,
            consistency_token=consistency_token(done.event_ids),
        )

    resolve.__annotations__["input"] = input_type
    return resolve


def build_mutation(command_types: Sequence[type[Command]]) -> type[Any]:
    """The Mutation type: one field per command type."""
    inputs = InputTypes()
    namespace: dict[str, Any] = {}
    for command_type in command_types:
        input_type = inputs.input_for(command_type)
        doc = (command_type.__doc__ or _snake_to_words(command_type.__name__)).strip()
        namespace[_camel(command_type.__name__)] = strawberry.mutation(
            resolver=_resolver(command_type, input_type), description=doc
        )
    return strawberry.type(type("Mutation", (), namespace))
