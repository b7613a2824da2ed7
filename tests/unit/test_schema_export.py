"""The exported SDL is the schema the code builds."""

from __future__ import annotations

from schema.export import SDL_PATH, sdl


def test_the_exported_schema_file_matches_the_code() -> None:
    assert SDL_PATH.read_text(encoding="utf-8") == sdl(), "run `make schema` and commit the file"


def test_every_command_has_a_mutation_returning_the_command_result_union() -> None:
    from events.catalogue import deciders

    text = sdl()
    for decider in deciders():
        for command in decider.command_types:
            name = command.__name__[0].lower() + command.__name__[1:]
            start = text.index(f"  {name}(\n")
            mutation = text[start : text.index("): CommandResult!", start)]
            assert "\n    commandId: ID!\n" in mutation, name
            assert f"\n    input: {command.__name__}Input!\n" in mutation, name
