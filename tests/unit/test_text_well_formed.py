"""Text that is signed or shown to citizens: no control, bidi-override or zero-width characters,
one line where a field is one line, and Unicode NFC (the same words, the same bytes, the same
content hash)."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import pytest

from events.agreement import AGREEMENT, DraftAgreement
from events.messages import InvalidInput
from events.promise.commands import AddCommitment, AddFocusArea, DraftPromise, RecordPromiseInput
from events.promise.content import FocusArea, PromiseInput
from events.promise.decider import PROMISE
from events.well_formed import require_text
from tests.unit.decider_world import (
    C1,
    CONTEXT,
    DETAILS,
    DRAFTED,
    KOMMUN_EDITOR,
    PARTIES,
    meta,
    promise_meta,
)
from tests.unit.given_when_then import then_refused, when
from tests.unit.test_agreement import CONTENT as AGREEMENT_CONTENT

NEVER = {
    "a NUL": "\x00",
    "a bell": "\x07",
    "an escape": "\x1b",
    "a delete": "\x7f",
    "a C1 control": "\x85",
    "a right-to-left override": "\u202e",
    "a left-to-right embedding": "\u202a",
    "a pop directional formatting": "\u202c",
    "a right-to-left isolate": "\u2067",
    "a pop directional isolate": "\u2069",
    "a zero-width space": "\u200b",
    "a zero-width non-joiner": "\u200c",
    "a zero-width joiner": "\u200d",
    "a word joiner": "\u2060",
    "a byte-order mark": "\ufeff",
    "a line separator": "\u2028",
    "a lone surrogate": "\ud800",
}
LINE_BREAKS = {"a newline": "\n", "a carriage return": "\r", "a tab": "\t"}


@pytest.mark.parametrize("character", NEVER.values(), ids=NEVER.keys())
@pytest.mark.parametrize("multiline", [False, True])
def test_control_bidi_and_zero_width_characters_are_refused_naming_the_field(
    character: str, multiline: bool
) -> None:
    with pytest.raises(InvalidInput) as refused:
        require_text(f"Trygg{character}het", "details.title", multiline=multiline)
    assert refused.value.code == "invalid_character"
    assert refused.value.field_path == ("details.title",)
    assert refused.value.params["character"] == f"U+{ord(character):04X}"
    assert character not in refused.value.message  # the message names it, never carries it


@pytest.mark.parametrize("character", LINE_BREAKS.values(), ids=LINE_BREAKS.keys())
def test_a_one_line_field_refuses_line_breaks_and_tabs_a_multi_line_one_keeps_them(
    character: str,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        require_text(f"Rad ett{character}rad två", "title", multiline=False)
    assert refused.value.code == "single_line_text"
    require_text(f"Rad ett{character}rad två", "goal", multiline=True)


def test_by_default_a_short_text_is_one_line_and_a_long_one_may_span_lines() -> None:
    with pytest.raises(InvalidInput):
        require_text("Titel\nmed radbrytning", "title", max_length=300)
    require_text("Mål\n\n- första\n- andra", "goal")


def test_text_not_in_nfc_is_refused_and_the_same_text_in_nfc_accepted() -> None:
    decomposed = unicodedata.normalize("NFD", "Trygghet i Järfälla och Kungsängen")
    with pytest.raises(InvalidInput) as refused:
        require_text(decomposed, "details.title")
    assert refused.value.code == "text_not_normalised"
    require_text(unicodedata.normalize("NFC", decomposed), "details.title")


def test_ordinary_swedish_text_with_punctuation_emoji_and_soft_hyphens_is_accepted() -> None:
    require_text("Öka tryggheten – “Bro centrum” (2018–2019) ✅ § 3 kom\u00admun", "title")
    require_text("Polisen & kommunen: 8 insatser/år, 50 % fler", "title", max_length=100)


def test_a_promise_title_with_a_bidi_override_is_refused_on_its_field_path() -> None:
    command = DraftPromise(
        **promise_meta(KOMMUN_EDITOR),
        parties=PARTIES,
        details=replace(DETAILS, title="Trygghet \u202egnillivä\u202c i Bro"),
    )
    refusal = then_refused(PROMISE, (), command, CONTEXT, InvalidInput, "invalid_character")
    assert isinstance(refusal, InvalidInput)
    assert "details" in ".".join(map(str, refusal.field_path))


def test_a_commitment_text_may_span_lines_but_not_hide_characters() -> None:
    multi = replace(C1, commitment_id="c9", text="Ökad närvaro:\n- kvällar\n- helger")
    assert when(
        PROMISE, DRAFTED, AddCommitment(**promise_meta(KOMMUN_EDITOR), commitment=multi), CONTEXT
    )
    hidden = replace(C1, commitment_id="c9", text="Ökad\u200b närvaro")
    command = AddCommitment(**promise_meta(KOMMUN_EDITOR), commitment=hidden)
    then_refused(PROMISE, DRAFTED, command, CONTEXT, InvalidInput, "invalid_character")


def test_an_input_summary_in_nfd_is_refused() -> None:
    summary = unicodedata.normalize("NFD", "Medborgardialog på torget i Kungsängen")
    command = RecordPromiseInput(
        **promise_meta(KOMMUN_EDITOR),
        input=PromiseInput(input_id="in7", kind="citizen_dialogue", summary=summary),
    )
    then_refused(PROMISE, DRAFTED, command, CONTEXT, InvalidInput, "text_not_normalised")


def test_a_commitments_participants_and_schedule_hint_are_checked_like_its_text() -> None:
    for name in ("participants", "schedule_hint"):
        hidden = replace(C1, commitment_id="c9", **{name: "Polis\u202e och kommun"})
        command = AddCommitment(**promise_meta(KOMMUN_EDITOR), commitment=hidden)
        refusal = then_refused(
            PROMISE, DRAFTED, command, CONTEXT, InvalidInput, "invalid_character"
        )
        assert isinstance(refusal, InvalidInput)
        assert refusal.field_path == ("commitment", name)


def test_a_focus_areas_description_is_checked_in_a_promise() -> None:
    area = FocusArea(focus_area_id="fa9", title="Trygghet", description="Kvällar\u200b i Bro")
    command = AddFocusArea(**promise_meta(KOMMUN_EDITOR), focus_area=area)
    refusal = then_refused(PROMISE, DRAFTED, command, CONTEXT, InvalidInput, "invalid_character")
    assert isinstance(refusal, InvalidInput)
    assert refusal.field_path == ("focus_area", "description")


def test_a_focus_areas_description_is_checked_in_an_agreement() -> None:
    area = FocusArea(focus_area_id="fa1", title="Våld", description="Våld\u2066 i nära relation")
    content = replace(AGREEMENT_CONTENT, focus_areas=(area,))
    command = DraftAgreement(**meta(KOMMUN_EDITOR), agreement_id="a1", content=content)
    refusal = then_refused(AGREEMENT, (), command, CONTEXT, InvalidInput, "invalid_character")
    assert isinstance(refusal, InvalidInput)
    assert refusal.field_path == ("content", "focus_areas", 0, "description")
