"""Breaking schema changes fail the check unless CHANGELOG.md lists them."""

from __future__ import annotations

from schema.evolution import CHANGELOG, breaking_changes, check, last_release
from schema.export import SDL_PATH

OLD = """
type Query {
  promise(id: ID!): Promise
  logSize: Int!
}
type Promise {
  id: ID!
  title: String!
}
"""

REMOVED_FIELD = OLD.replace("  title: String!\n", "")


def test_a_removed_field_is_a_breaking_change_that_fails_the_check() -> None:
    assert breaking_changes(OLD, REMOVED_FIELD) == ["Field Promise.title was removed."]
    assert check(OLD, REMOVED_FIELD, changelog="## Unreleased\n") == [
        "Field Promise.title was removed."
    ]


def test_a_breaking_change_listed_in_the_changelog_passes() -> None:
    changelog = "## Unreleased\n### Breaking\n- Field Promise.title was removed.\n"
    assert check(OLD, REMOVED_FIELD, changelog=changelog) == []


def test_an_added_field_is_not_breaking() -> None:
    added = OLD.replace("  title: String!\n", "  title: String!\n  summary: String\n")
    assert breaking_changes(OLD, added) == []


def test_the_real_schema_has_no_unlisted_breaking_change_since_the_last_release() -> None:
    old = last_release().read_text(encoding="utf-8")
    new = SDL_PATH.read_text(encoding="utf-8")
    assert check(old, new, CHANGELOG.read_text(encoding="utf-8")) == []
