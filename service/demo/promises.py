"""The three seed promises (seeds 002, 003, 004) as demo commands."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from events.messages import Principal
from events.promise.commands import (
    AddCommitment,
    AddFocusArea,
    DraftPromise,
    ProposePromise,
    RecordPromiseInput,
    RecordPromisePublication,
    RecordPromiseSignature,
    RegisterPlace,
)
from events.promise.content import (
    Commitment,
    FocusArea,
    Period,
    Place,
    PromiseDetails,
    PromiseInput,
    RevisionContent,
    Target,
    content_hash,
)
from events.promise.decider import STREAM_PREFIX as PROMISE_STREAM
from events.recorded import resolved_period
from service.demo.history import (
    ARJEPLOG,
    KOMMUN_2022,
    LPO_2022,
    LPO_JARFALLA,
    LPO_PITEA_ALVDAL,
    UPPLANDS_BRO,
    DemoHistory,
)
from service.demo.sources import PROMISE_2018, PROMISE_2022, PROMISE_2023, Source


def _promise_content(
    demo: DemoHistory,
    promise_id: str,
    editor: Principal,
    inputs: tuple[tuple[str, str], ...],
    areas: tuple[tuple[str, str | None], ...],
) -> tuple[tuple[PromiseInput, ...], tuple[FocusArea, ...]]:
    """Record inputs and focus areas; returns them as the revision will hold them."""
    stream = PROMISE_STREAM + promise_id
    items = tuple(
        PromiseInput(input_id=f"in{i}", kind=kind, summary=summary)
        for i, (kind, summary) in enumerate(inputs, 1)
    )
    focus_areas = tuple(
        FocusArea(focus_area_id=f"fa{i}", title=title, description=description)
        for i, (title, description) in enumerate(areas, 1)
    )
    for item in items:
        i = item.input_id
        demo.add(
            stream,
            RecordPromiseInput(
                **demo.key(f"{stream}/input/{i}"), actor=editor, promise_id=promise_id, input=item
            ),
        )
    for area in focus_areas:
        demo.add(
            stream,
            AddFocusArea(
                **demo.key(f"{stream}/focus-area/{area.focus_area_id}"),
                actor=editor,
                promise_id=promise_id,
                focus_area=area,
            ),
        )
    return items, focus_areas


Signatory = tuple[str, str | None, str | None]
"""(party, the signatory's name, their title) as the source states them (None: not stated)."""


def _frozen(
    parties: tuple[str, ...],
    details: PromiseDetails,
    inputs: tuple[PromiseInput, ...],
    areas: tuple[FocusArea, ...],
    places: tuple[Place, ...] = (),
    commitments: tuple[Commitment, ...] = (),
) -> RevisionContent:
    """Revision 1's content as the decider freezes it (the period resolved from its label)."""
    resolved = replace(details, period=resolved_period(details.period, ("details", "period")))
    return RevisionContent(
        parties=parties,
        details=resolved,
        inputs=inputs,
        focus_areas=areas,
        places=places,
        commitments=commitments,
    )


def _recorded_signatures(
    demo: DemoHistory,
    promise_id: str,
    editor: Principal,
    content: RevisionContent,
    signatories: tuple[Signatory, ...],
    source: Source,
) -> None:
    """Propose revision 1 and record each party's signature from `source` (no date given)."""
    stream = PROMISE_STREAM + promise_id
    demo.add(
        stream,
        ProposePromise(**demo.key(f"{stream}/propose"), actor=editor, promise_id=promise_id),
    )
    digest = content_hash(content)
    for party, name, title in signatories:
        demo.add(
            stream,
            RecordPromiseSignature(
                **demo.key(f"{stream}/record-signature/{party}"),
                actor=editor,
                promise_id=promise_id,
                revision_no=1,
                content_hash=digest,
                party_id=party,
                signatory_name=name,
                signatory_title=title,
                evidence=source.evidence(),
            ),
        )


def _recorded_publication(
    demo: DemoHistory,
    promise_id: str,
    editor: Principal,
    channel: str,
    published_on: dt.date | None,
    source: Source,
) -> None:
    stream = PROMISE_STREAM + promise_id
    demo.add(
        stream,
        RecordPromisePublication(
            **demo.key(f"{stream}/record-publication"),
            actor=editor,
            promise_id=promise_id,
            channel=channel,
            published_on=published_on,
            evidence=source.evidence(),
        ),
    )


_PLACES_2018 = (
    ("p1", "Bro centrum", "centrum"),
    ("p2", "Stationsområdet i Bro", "station"),
    ("p3", "Centrala delarna av Kungsängen", "district"),
    ("p4", "Samtliga kommundelar", "kommundel"),
    ("p5", "Bro", "district"),
)
_CENTRAL = ("p1", "p2", "p3")
_POLICE_AND_MUNICIPALITY = (LPO_JARFALLA, UPPLANDS_BRO)
_COMMITMENTS_2018 = (
    Commitment(
        commitment_id="c1",
        text="Ökad polisiär närvaro i ovan nämnda områden.",
        focus_area_id="fa1",
        responsible_ids=(LPO_JARFALLA,),
        place_ids=_CENTRAL,
        schedule_hint="under året",
    ),
    Commitment(
        commitment_id="c2",
        text=(
            "Minst åtta i förväg planerade gemensamma insatser på denna plats med synlig närvaro "
            "av polis, polisvolontärer, kommunal personal, trygghetsvärdar och andra "
            "trygghetsskapande aktörer."
        ),
        focus_area_id="fa1",
        responsible_ids=_POLICE_AND_MUNICIPALITY,
        participants="polisvolontärer, kommunal personal, trygghetsvärdar och andra "
        "trygghetsskapande aktörer",
        place_ids=_CENTRAL,
        target=Target(comparator=">=", quantity=8, unit="insats", per="period"),
        pre_planned=True,
        schedule_hint="under året",
    ),
    Commitment(
        commitment_id="c3",
        text="Kommun och polis ska samverka för att stödja och utveckla nattvandringar i "
        "samtliga kommundelar.",
        focus_area_id="fa1",
        responsible_ids=(UPPLANDS_BRO, LPO_JARFALLA),
        place_ids=("p4",),
        schedule_hint="under året",
    ),
    Commitment(
        commitment_id="c4",
        text="Minst fyra i förväg planerade narkotikainsatser på dessa platser, där polis och "
        "socialtjänst har en operativ samverkan.",
        focus_area_id="fa1",
        responsible_ids=_POLICE_AND_MUNICIPALITY,
        participants="socialtjänsten",
        place_ids=_CENTRAL,
        target=Target(comparator=">=", quantity=4, unit="insats", per="period"),
        pre_planned=True,
        schedule_hint="under året",
    ),
    Commitment(
        commitment_id="c5",
        text="Kommunen åtar sig att ha lokal trygghetsskapande personal i Bro bland annat genom "
        "Fryshuset, som bedriver trygghetsinriktade insatser.",
        focus_area_id="fa1",
        responsible_ids=(UPPLANDS_BRO,),
        partner_ids=("org-fryshuset",),
        place_ids=("p5",),
        schedule_hint="under året",
    ),
    Commitment(
        commitment_id="c6",
        text="Kommun, polis och bostadsföretagen ska gemensamt bland annat genom träffar med "
        "kontaktpersoner för grannsamverkan mot brott, utveckla det kvalitativa arbetet med att "
        "förebygga inbrott i bostäder.",
        focus_area_id="fa1",
        responsible_ids=(UPPLANDS_BRO, LPO_JARFALLA, "org-bostadsforetagen-upplands-bro"),
        schedule_hint="under året",
    ),
)


PROMISE_2018_ID = "upplands-bro-2018"
"""The Upplands-Bro 2018 promise's id (seed 003)."""


def promise_2018(demo: DemoHistory) -> None:
    """Upplands-Bro 2018 (seed 003): places and six commitments, agreed by both parties as
    "vårt gemensamma medborgarlöfte" (signatories and dates not named), in force for 2018 and
    published on the police's website among earlier promises (date not given)."""
    promise_id = PROMISE_2018_ID
    editor = demo.actor(UPPLANDS_BRO, "editor")
    details = PromiseDetails(
        title="Upplands-Bro – medborgarlöften (2018)",
        period=Period(label="2018"),
        problem_picture=(
            "Dialogen med medborgarna visar att det inte skett några stora förändringar "
            "beträffande de platser som upplevs som mest otrygga: Bro centrum, stationsområdet i "
            "Bro och de centrala delarna av Kungsängen. Otryggheten grundar sig huvudsakligen i "
            "en oro för att utsättas för brott på dessa platser."
        ),
        expected_effect=(
            "Att tillgodose de önskemål som framkommit i dialoger med medborgarna; området "
            "förväntas bli en tryggare miljö för de som vistas i området."
        ),
        follow_up_plan=(
            "Följs upp under året; kommuniceras främst på polisens och kommunens hemsidor, i "
            "kommunens samlingsannons i Upplands-Brobladet och genom sociala medier."
        ),
    )
    stream = PROMISE_STREAM + promise_id
    demo.add(
        stream,
        DraftPromise(
            **demo.key(f"{stream}/draft"),
            actor=editor,
            promise_id=promise_id,
            parties=(UPPLANDS_BRO, LPO_JARFALLA),
            details=details,
        ),
    )
    inputs, areas = _promise_content(
        demo,
        promise_id,
        editor,
        (
            ("citizen_dialogue", "Dialog med medborgarna i Upplands-Bro."),
            ("employee_dialogue", "Dialog med medarbetare inom polisen och kommunen."),
        ),
        (("Öka tryggheten i de centrala delarna av Bro och Kungsängen", None),),
    )
    places = tuple(
        Place(place_id=place_id, name=name, kind=kind, municipality_id=UPPLANDS_BRO)
        for place_id, name, kind in _PLACES_2018
    )
    for place in places:
        place_id = place.place_id
        demo.add(
            stream,
            RegisterPlace(
                **demo.key(f"{stream}/place/{place_id}"),
                actor=editor,
                promise_id=promise_id,
                place=place,
            ),
        )
    for commitment in _COMMITMENTS_2018:
        demo.add(
            stream,
            AddCommitment(
                **demo.key(f"{stream}/commitment/{commitment.commitment_id}"),
                actor=editor,
                promise_id=promise_id,
                commitment=commitment,
            ),
        )
    parties = (UPPLANDS_BRO, LPO_JARFALLA)
    content = _frozen(parties, details, inputs, areas, places, _COMMITMENTS_2018)
    unnamed = ((UPPLANDS_BRO, None, None), (LPO_JARFALLA, None, None))
    _recorded_signatures(demo, promise_id, editor, content, unnamed, PROMISE_2018)
    _recorded_publication(
        demo,
        promise_id,
        editor,
        "Polisens webbplats, Upplands-Bro – medborgarlöften (tidigare löften)",
        None,
        PROMISE_2018,
    )


def promise_2022(demo: DemoHistory) -> None:
    """The 2022 promise (seed 002): three focus areas, signed on paper by Kristine Hästmark and
    Håkan Boberg on a Thursday afternoon (date not given); its municipality is not named."""
    promise_id = "medborgarlofte-2022"
    editor = demo.actor(KOMMUN_2022, "editor")
    parties = (KOMMUN_2022, LPO_2022)
    details = PromiseDetails(
        title="Ökat fokus på narkotikabrott, trafiksäkerhet och kommunikation under 2022",
        period=Period(label="2022"),
        goal="Öka tryggheten och minska brottsligheten, genom att polis och kommun genomför "
        "aktiviteter, var för sig och tillsammans.",
    )
    stream = PROMISE_STREAM + promise_id
    demo.add(
        stream,
        DraftPromise(
            **demo.key(f"{stream}/draft"),
            actor=editor,
            promise_id=promise_id,
            parties=parties,
            details=details,
        ),
    )
    inputs, areas = _promise_content(
        demo,
        promise_id,
        editor,
        (
            ("meeting", "Dialoger mellan kommunen och polisen."),
            ("tips", "Tips från kommunens invånare."),
            ("statistics", "Brottsstatistik."),
            ("incident_reports", "Polisens händelserapporter."),
        ),
        (
            (
                "Trygghet genom kommunikation och närvaro",
                "Kommunen och polisen kommunicerar faktiska förhållanden och bemöter felaktiga "
                "påståenden och har efter gemensamma lägesbilder en ökad närvaro på aktuella "
                "platser.",
            ),
            (
                "Narkotikabrottslighet med fokus på ungdomar",
                "Upptäcka yngre personer, såväl killar som tjejer, som riskerar att hamna i "
                "missbruk.",
            ),
            ("Trafiksäkerhet", "Insatser genomförs där trafikproblem identifieras."),
        ),
    )
    # The text says both signed "under torsdagens eftermiddag" without a date: recorded from
    # the text with the signatories it names and no date.
    content = _frozen(parties, details, inputs, areas)
    signatories = (
        (KOMMUN_2022, "Kristine Hästmark (M)", "kommunalråd"),
        (LPO_2022, "Håkan Boberg", "lokalpolisområdeschef"),
    )
    _recorded_signatures(demo, promise_id, editor, content, signatories, PROMISE_2022)


def promise_2023(demo: DemoHistory) -> None:
    """Arjeplog and Piteå Älvdal 2023–2024 (seed 004): five focus areas, "de överenskomna
    medborgarlöftena" (agreed by both; signatories and date not named), published by Arjeplogs
    kommun on 27 April 2023."""
    promise_id = "arjeplog-pitea-alvdal-2023-2024"
    editor = demo.actor(ARJEPLOG, "editor")
    details = PromiseDetails(
        title="Gemensamma medborgarlöften för ökad trygghet",
        period=Period(label="2023–2024"),
        goal="Öka tryggheten, minska brottsligheten och stärka medborgarnas delaktighet i det "
        "trygghetsskapande och brottsförebyggande arbetet.",
    )
    stream = PROMISE_STREAM + promise_id
    demo.add(
        stream,
        DraftPromise(
            **demo.key(f"{stream}/draft"),
            actor=editor,
            promise_id=promise_id,
            parties=(ARJEPLOG, LPO_PITEA_ALVDAL),
            details=details,
        ),
    )
    inputs, areas = _promise_content(
        demo,
        promise_id,
        editor,
        (
            ("survey", "Trygghetsenkät."),
            ("citizen_dialogue", "Fysiska möten med allmänheten."),
            ("council", "Folkhälsorådet."),
            ("council", "HOP-rådet."),
        ),
        tuple(
            (title, None)
            for title in (
                "Brottsförebyggande arbete",
                "Bättre tillgänglighet och närvaro",
                "Tydligare information och kommunikation",
                "Ökad trafiksäkerhet",
                "Uppföljning",
            )
        ),
    )
    parties = (ARJEPLOG, LPO_PITEA_ALVDAL)
    content = _frozen(parties, details, inputs, areas)
    unnamed = ((ARJEPLOG, None, None), (LPO_PITEA_ALVDAL, None, None))
    _recorded_signatures(demo, promise_id, editor, content, unnamed, PROMISE_2023)
    _recorded_publication(
        demo,
        promise_id,
        editor,
        "Arjeplogs kommuns webbplats (nyhet med pdf)",
        dt.date(2023, 4, 27),
        PROMISE_2023,
    )
