"""The open-data files made from public views: names beside ids, Swedish labels beside codes,
signatures recorded from documents said as such, and nothing that is not public."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from events.codec import to_plain
from events.directory.state import DirectoryState, Organisation, Person
from events.promise.content import (
    Commitment,
    FocusArea,
    Period,
    Place,
    PromiseDetails,
    RevisionContent,
    Target,
)
from events.promise.revision import STAGE_IN_FORCE, Revision, Signature
from events.promise.state import (
    Assessment,
    FollowUpReport,
    PromiseState,
    Publication,
)
from events.recorded import Evidence
from projections.promises import public_view
from service.web.open_data.agreement_file import agreement_rows
from service.web.open_data.promise_files import (
    ACTIVITIES,
    activity_rows,
    commitment_rows,
    follow_up_rows,
    place_rows,
    promise_rows,
)
from service.web.open_data.sources import Directory, Sources
from service.web.open_data.tables import TABLES

UB, LPO, REGION = "org-upplands-bro", "org-lpo-jarfalla", "org-region-stockholm"
SEED = "https://polisen.se/lokalpolisomrade/jarfalla/medborgarloften-2018"

DIRECTORY = Directory.of(
    {
        "state": to_plain(
            DirectoryState(
                organisations=(
                    Organisation(org_id=UB, kind="municipality", name="Upplands-Bro kommun"),
                    Organisation(org_id=LPO, kind="police_area", name="LPO Järfälla"),
                    Organisation(org_id=REGION, kind="police_region", name="Polisregion Stockholm"),
                ),
                people=(Person(person_id="p-chief", name="Lo Chef"),),
            )
        )
    }
)


def promise_state() -> PromiseState:
    """A published, expired 2018 promise: one live and one recorded signature, a published and
    an unpublished follow-up."""
    content = RevisionContent(
        parties=(UB, LPO),
        details=PromiseDetails(
            title="Trygghet i Bro",
            period=Period(
                valid_from=dt.date(2018, 1, 1), valid_to=dt.date(2018, 12, 31), label="2018"
            ),
        ),
        focus_areas=(FocusArea(focus_area_id="fa1", title="Öka tryggheten"),),
        places=(Place(place_id="P1", name="Bro centrum", municipality_id=UB),),
        commitments=(
            Commitment(
                commitment_id="c1",
                text="Gemensamma insatser",
                focus_area_id="fa1",
                responsible_ids=(LPO, UB),
                place_ids=("P1",),
                target=Target(comparator=">=", quantity=8, unit="insats"),
            ),
            Commitment(commitment_id="c2", text="Nattvandringar", focus_area_id="fa1"),
        ),
    )
    signatures = (
        Signature(
            party_id=LPO,
            person_id="p-chief",
            revision_no=1,
            content_hash="sha256:x",
            role_title="lokalpolisområdeschef",
            signed_on=dt.date(2018, 1, 22),
        ),
        Signature(
            party_id=UB,
            person_id=None,
            revision_no=1,
            content_hash="sha256:x",
            role_title=None,
            signed_on=None,
            recorded_from_document=True,
            signatory_name="Fredrik Kjos",
            signatory_title="kommunstyrelsens ordförande",
            recorded_by="editor-ub",
            evidence=Evidence(url=SEED),
        ),
    )
    report = FollowUpReport(
        report_id="u1",
        kind="final",
        covers_from=dt.date(2018, 1, 1),
        covers_to=dt.date(2018, 12, 31),
        assessments=(
            Assessment(commitment_id="c1", status="partly", achieved=3, comment="Tre av åtta"),
        ),
        approved_by=(UB, LPO),
        published=True,
    )
    draft = FollowUpReport(
        report_id="u2",
        kind="interim",
        covers_from=dt.date(2018, 1, 1),
        covers_to=dt.date(2018, 6, 30),
        assessments=(
            Assessment(commitment_id="c1", status="not_met", achieved=0, comment="UTKAST"),
        ),
    )
    return PromiseState(
        promise_id="ub-2018",
        status="expired",
        parties=(UB, LPO),
        in_force=Revision(
            revision_no=1,
            content=content,
            stage=STAGE_IN_FORCE,
            content_hash="sha256:x",
            signatures=signatures,
        ),
        publications=(
            Publication(revision_no=1, channel="polisen.se", published_on=None, url=SEED),
            Publication(
                revision_no=1, channel="kommunens webb", published_on=dt.date(2018, 2, 1), url=None
            ),
        ),
        follow_ups=(report, draft),
    )


def stored(view: dict[str, Any] | None) -> dict[str, Any]:
    """The view as it comes back from the documents table (JSON)."""
    assert view is not None
    loaded: dict[str, Any] = json.loads(json.dumps(view))
    return loaded


def sources(**more: Any) -> Sources:
    return Sources(
        promises=[stored(public_view(promise_state()))],
        directory=DIRECTORY,
        base_url="https://samverkan.example",
        **more,
    )


def test_a_promise_row_has_names_beside_ids_and_the_swedish_status_beside_the_code() -> None:
    [row] = promise_rows(sources())
    assert row["promise_id"] == "ub-2018"
    assert (row["parties"], row["party_names"]) == (
        [UB, LPO],
        ["Upplands-Bro kommun", "LPO Järfälla"],
    )
    assert (row["municipality_ids"], row["municipality_names"]) == ([UB], ["Upplands-Bro kommun"])
    assert (row["police_area_ids"], row["police_area_names"]) == ([LPO], ["LPO Järfälla"])
    assert (row["status"], row["status_label"]) == ("expired", "Avslutat")
    assert (row["period_label"], row["valid_from"], row["valid_to"]) == (
        "2018",
        "2018-01-01",
        "2018-12-31",
    )
    assert row["published_on"] == "2018-02-01"  # the one publication with a date
    assert row["publication_urls"] == [SEED]
    assert row["page_url"] == "https://samverkan.example/p/ub-2018"
    assert row["commitments"] == 2


def test_a_signature_recorded_from_a_document_says_so_and_names_its_source() -> None:
    [row] = promise_rows(sources())
    live, recorded = row["signatures"]
    assert live == "LPO Järfälla: Lo Chef, lokalpolisområdeschef, 2018-01-22"
    assert recorded == (
        "Upplands-Bro kommun: Fredrik Kjos, kommunstyrelsens ordförande, datum ej angivet "
        f"(registrerat från dokument: {SEED})"
    )
    assert "registrerat från dokument" not in live
    assert row["recorded_from_document"] is True
    assert row["signed_on"] == "2018-01-22"


def test_commitments_carry_the_views_progress_and_swedish_labels() -> None:
    rows = {r["commitment_id"]: r for r in commitment_rows(sources())}
    assert set(rows) == {"c1", "c2"}
    c1, c2 = rows["c1"], rows["c2"]
    assert (c1["target_comparator"], c1["target_comparator_label"]) == (">=", "minst")
    assert (c1["target_quantity"], c1["achieved"], c1["records"]) == (8, 0, 0)
    assert (c1["status"], c1["status_label"], c1["colour"]) == ("not_met", "Ej uppfyllt", "red")
    assert c1["responsible_names"] == ["LPO Järfälla", "Upplands-Bro kommun"]
    assert c1["place_names"] == ["Bro centrum"]
    assert c1["focus_area"] == "Öka tryggheten"
    assert (c2["status"], c2["status_label"]) == ("no_target", "Inget mätbart mål")
    assert c1["promise_status_label"] == "Avslutat"
    # The latest published assessment only: the unpublished draft's never shows.
    assert (c1["latest_assessment_label"], c1["latest_comment"]) == (
        "Delvis uppfyllt",
        "Tre av åtta",
    )
    assert (c2["latest_assessment"], c2["latest_comment"]) == (None, None)


def test_only_published_follow_ups_are_listed() -> None:
    rows = list(follow_up_rows(sources()))
    assert [(r["report_id"], r["commitment_id"]) for r in rows] == [("u1", "c1")]
    [row] = rows
    assert (row["kind_label"], row["status_label"], row["achieved"]) == (
        "Slutrapport",
        "Delvis uppfyllt",
        3,
    )
    assert row["approved_by_names"] == ["Upplands-Bro kommun", "LPO Järfälla"]
    assert "UTKAST" not in json.dumps(rows)


def test_places_name_their_municipality_and_commitments() -> None:
    [row] = place_rows(sources())
    assert (row["place_id"], row["name"], row["municipality_name"]) == (
        "P1",
        "Bro centrum",
        "Upplands-Bro kommun",
    )
    assert row["commitment_ids"] == ["c1"]


def test_activity_rows_never_carry_a_summary_or_who_performed_it() -> None:
    view = stored(public_view(promise_state()))
    view["activities"] = [
        {
            "record_id": "r1",
            "commitment_id": "c1",
            "occurred_on": "2018-03-10",
            "place_ids": ["P1"],
            "quantity": 2,
            "summary": "Anna Andersson, 12 år, omhändertogs",
            "performed_by": [LPO],
        },
        {"record_id": "r2", "commitment_id": "c1", "occurred_on": "2018-04-01", "voided": True},
    ]
    rows = list(activity_rows(Sources(promises=[view], directory=DIRECTORY)))
    assert [r["record_id"] for r in rows] == ["r1"]
    [row] = rows
    assert set(row) == {c.key for c in ACTIVITIES}
    assert not {"summary", "performed_by"} & {c.key for c in ACTIVITIES}
    assert (row["occurred_on"], row["place_names"], row["quantity"], row["unit"]) == (
        "2018-03-10",
        ["Bro centrum"],
        2,
        "insats",
    )
    assert "Anna" not in json.dumps(rows)


def test_an_agreement_row_has_parties_with_names_period_focus_areas_and_signatures() -> None:
    agreement = {
        "agreement_id": "ub-sok-2021",
        "status": "signed",
        "content": {
            "parties": [UB, LPO],
            "title": "Samverkansöverenskommelse Upplands-Bro",
            "goal": "brottsligheten ska minska och tryggheten ska öka",
            "period": {"valid_from": "2022-01-01", "valid_to": "2023-12-31", "label": None},
            "focus_areas": [
                {"focus_area_id": "a1", "title": "Våld"},
                {"focus_area_id": "a2", "title": "Ungdomar i riskzonen"},
            ],
        },
        "signatures": [
            {
                "party_id": UB,
                "signed_on": "2021-12-16",
                "recorded_from_document": True,
                "signatory_name": None,
                "evidence": {"url": "https://www.upplands-bro.se/sok"},
            }
        ],
        "publications": [{"channel": "kommunens webb", "published_on": "2021-12-16"}],
    }
    [row] = agreement_rows(Sources(agreements=[agreement], directory=DIRECTORY))
    assert row["party_names"] == ["Upplands-Bro kommun", "LPO Järfälla"]
    assert (row["status_label"], row["valid_from"], row["valid_to"]) == (
        "Undertecknad",
        "2022-01-01",
        "2023-12-31",
    )
    assert row["focus_areas"] == ["Våld", "Ungdomar i riskzonen"]
    assert row["signatures"] == [
        "Upplands-Bro kommun: –, 2021-12-16 (registrerat från dokument: "
        "https://www.upplands-bro.se/sok)"
    ]
    assert row["published_on"] == "2021-12-16"


def test_every_row_has_exactly_its_tables_columns() -> None:
    for table in TABLES:
        for row in table.rows(sources()):
            assert list(row) == [c.key for c in table.columns], table.name
