"""The three seed promises (seeds 002, 003, 004) as demo commands."""

from __future__ import annotations

from events.messages import Principal
from events.promise.commands import (
    AddCommitment,
    AddFocusArea,
    DraftPromise,
    ProposePromise,
    RecordPromiseInput,
    RegisterPlace,
    SignPromise,
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
from service.demo.history import (
    ARJEPLOG,
    KOMMUN_2022,
    LPO_2022,
    LPO_JARFALLA,
    LPO_PITEA_ALVDAL,
    UPPLANDS_BRO,
    DemoHistory,
)


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


def promise_2018(demo: DemoHistory) -> None:
    """Upplands-Bro 2018 (seed 003): places, six commitments, proposed for signing."""
    promise_id = "upplands-bro-2018"
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
    _promise_content(
        demo,
        promise_id,
        editor,
        (
            ("citizen_dialogue", "Dialog med medborgarna i Upplands-Bro."),
            ("employee_dialogue", "Dialog med medarbetare inom polisen och kommunen."),
        ),
        (("Öka tryggheten i de centrala delarna av Bro och Kungsängen", None),),
    )
    for place_id, name, kind in _PLACES_2018:
        place = Place(place_id=place_id, name=name, kind=kind, municipality_id=UPPLANDS_BRO)
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
    demo.add(
        stream,
        ProposePromise(**demo.key(f"{stream}/propose"), actor=editor, promise_id=promise_id),
    )


def promise_2022(demo: DemoHistory) -> None:
    """The 2022 promise (seed 002): three focus areas, signed by both, date unknown."""
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
    demo.add(
        stream,
        ProposePromise(**demo.key(f"{stream}/propose"), actor=editor, promise_id=promise_id),
    )
    # The text says both signed "under torsdagens eftermiddag" without a date: date_unknown, so
    # signed_on stays None instead of the day the demo loads.
    frozen = RevisionContent(parties=parties, details=details, inputs=inputs, focus_areas=areas)
    digest = content_hash(frozen)
    for person_id, org_id in (
        ("person-kristine-hastmark", KOMMUN_2022),
        ("person-hakan-boberg", LPO_2022),
    ):
        demo.add(
            stream,
            SignPromise(
                **demo.key(f"{stream}/sign/{org_id}"),
                actor=demo.actor(org_id, "signatory", person_id),
                promise_id=promise_id,
                revision_no=1,
                content_hash=digest,
                party_id=org_id,
                date_unknown=True,
            ),
        )


def promise_2023(demo: DemoHistory) -> None:
    """Arjeplog and Piteå Älvdal 2023–2024 (seed 004): five focus areas, proposed."""
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
    _promise_content(
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
    demo.add(
        stream,
        ProposePromise(**demo.key(f"{stream}/propose"), actor=editor, promise_id=promise_id),
    )
