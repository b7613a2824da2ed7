"""Consequences for other people's acts, and the acknowledgement a command must carry for them.

An edit that voids signatures undoes what a signatory (often of another party) did. Such a
command is refused with `ConfirmationRequired`, naming each consequence, unless it
acknowledges that kind of consequence (`Command.acknowledge`); then it proceeds, and the log
records the acknowledgement with the events. The decider decides this, like every other rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from events.directory.state import DirectoryState
from events.messages import Command, Refusal

VOID_SIGNATURES: Final = "void_signatures"
"""Signatures already given would be voided (or lapse): the signatories must sign again."""

KINDS: Final = frozenset({VOID_SIGNATURES})
"""Every kind of consequence a command may have to acknowledge."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Consequence:
    """What a command would do to someone else's act: its kind, whose act, and in words.

    `kind` is what the caller acknowledges; `code` the machine key of this consequence;
    `message` an English template filled from `params`, like a refusal's.
    """

    kind: str
    code: str
    message: str
    params: Mapping[str, object] = field(default_factory=dict, hash=False)
    organisation_id: str | None = None
    revision_no: int | None = None

    def text(self) -> str:
        """The consequence in English, its params filled in."""
        return self.message.format_map(self.params) if self.params else self.message


class ConfirmationRequired(Refusal):
    """The command would have `consequences` it did not acknowledge; nothing was appended."""

    # Not a dataclass of its own: a frozen, slotted dataclass subclass of an exception cannot
    # take the traceback Python sets on it when it is raised.
    consequences: tuple[Consequence, ...]

    def __init__(
        self,
        *,
        code: str,
        message: str,
        params: Mapping[str, object],
        consequences: tuple[Consequence, ...],
    ) -> None:
        super().__init__(code=code, message=message, params=params)
        object.__setattr__(self, "consequences", consequences)


def signatures_voided(
    directory: DirectoryState, revision_no: int, party_ids: Iterable[str]
) -> tuple[Consequence, ...]:
    """One consequence per party whose signature on `revision_no` would be voided."""
    found = []
    for party_id in sorted(party_ids):
        organisation = directory.organisation(party_id)
        name = party_id if organisation is None else organisation.name
        found.append(
            Consequence(
                kind=VOID_SIGNATURES,
                code="signature_voided",
                message="The signature of {organisation} on revision {revision_no} would be "
                "voided.",
                params={"organisation": name, "revision_no": revision_no},
                organisation_id=party_id,
                revision_no=revision_no,
            )
        )
    return tuple(found)


def require_acknowledged(command: Command, consequences: Iterable[Consequence]) -> None:
    """Refuse with ConfirmationRequired unless `command` acknowledges every consequence's kind."""
    missing = tuple(c for c in consequences if c.kind not in command.acknowledge)
    if missing:
        raise ConfirmationRequired(
            code="confirmation_required",
            message="{consequences} Send the command again with acknowledge: [{kinds}] to go "
            "ahead.",
            params={
                "consequences": " ".join(c.text() for c in missing),
                "kinds": ", ".join(sorted({c.kind.upper() for c in missing})),
            },
            consequences=missing,
        )
