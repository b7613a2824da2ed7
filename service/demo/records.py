"""Demo history from the five seed texts, as commands (no database): see domain.md §6.

Only what the texts say is recorded. Unknown dates, periods, signatories and mandates are left
out; the 2022 promise's municipality and police area are not named in its text, so they are
registered under names that say so. Ids and command ids are deterministic, so loading the demo
twice appends nothing the second time.
"""

from __future__ import annotations

import datetime as dt

from events.agreement import (
    AgreementContent,
    DraftAgreement,
    ProposeAgreement,
    RecordAgreementPublication,
    RecordAgreementSignature,
)
from events.directory.decider import (
    DIRECTORY_STREAM,
    AssignRole,
    LinkPoliceAreaToMunicipality,
    RegisterMunicipality,
    RegisterPartner,
    RegisterPerson,
    RegisterPoliceArea,
    RegisterPoliceRegion,
    SetPublicContact,
)
from events.directory.events import PublicContact
from events.messages import Command
from events.promise.content import FocusArea, content_hash
from service.demo.history import (
    ARJEPLOG,
    JARFALLA,
    KOMMUN_2022,
    LPO_2022,
    LPO_JARFALLA,
    LPO_PITEA_ALVDAL,
    REGION_2022,
    REGION_NORD,
    REGION_STOCKHOLM,
    UPPLANDS_BRO,
    DemoHistory,
)
from service.demo.promises import promise_2018, promise_2022, promise_2023
from service.demo.sources import AGREEMENT_2021, PROMISE_2023

_MUNICIPALITIES = (
    (UPPLANDS_BRO, "Upplands-Bro kommun", "0139"),
    (JARFALLA, "Järfälla kommun", "0123"),
    ("org-pitea", "Piteå kommun", "2581"),
    ("org-alvsbyn", "Älvsbyns kommun", "2560"),
    ("org-arvidsjaur", "Arvidsjaurs kommun", "2505"),
    (ARJEPLOG, "Arjeplogs kommun", "2506"),
    (KOMMUN_2022, "Kommun i medborgarlöftet 2022 (namnges inte i källan)", None),
)
_LINKS = (
    (LPO_JARFALLA, (UPPLANDS_BRO, JARFALLA)),
    (LPO_PITEA_ALVDAL, ("org-pitea", "org-alvsbyn", "org-arvidsjaur", ARJEPLOG)),
)
_PARTNERS = (
    (
        "org-raddningstjanst-upplands-bro",
        "Räddningstjänst i Upplands-Bro (namnges inte i källan)",
        "rescue_service",
    ),
    ("org-bostadsforetagen-upplands-bro", "Bostadsföretagen i Upplands-Bro", "housing_company"),
    ("org-fryshuset", "Fryshuset", "association"),
)
# (person id, name, organisation, title, internal role, party label); Torgny Söderberg's
# organisation is not named in seed 000, so he is registered without a role.
_Person = tuple[str, str, str | None, str | None, str | None, str | None]
_PEOPLE: tuple[_Person, ...] = (
    (
        "person-fredrik-kjos",
        "Fredrik Kjos",
        UPPLANDS_BRO,
        "kommunstyrelsens ordförande",
        "signatory",
        "M",
    ),
    ("person-ida-texell", "Ida Texell", UPPLANDS_BRO, "kommundirektör", "signatory", None),
    ("person-mats-lofving", "Mats Löfving", REGION_STOCKHOLM, "regionpolischef", "viewer", None),
    ("person-torgny-soderberg", "Torgny Söderberg", None, None, None, None),
    ("person-isak-utsi", "Isak Utsi", ARJEPLOG, "kommunalråd", "signatory", None),
    (
        "person-andreas-nyberg",
        "Andreas Nyberg",
        LPO_PITEA_ALVDAL,
        "lokalpolisområdeschef",
        "signatory",
        None,
    ),
    ("person-martin-stramo", "Martin Stråmo", ARJEPLOG, "kommunikatör", "publisher", None),
    ("person-kristine-hastmark", "Kristine Hästmark", KOMMUN_2022, "kommunalråd", "signatory", "M"),
    ("person-hakan-boberg", "Håkan Boberg", LPO_2022, "lokalpolisområdeschef", "signatory", None),
)


def _directory(demo: DemoHistory) -> None:
    service = demo.operator()
    stream = DIRECTORY_STREAM
    regions = (
        (REGION_STOCKHOLM, "Polisregion Stockholm"),
        (REGION_NORD, "Polisregion Nord"),
        (REGION_2022, "Polisregion i medborgarlöftet 2022 (namnges inte i källan)"),
    )
    for org_id, name in regions:
        demo.add(
            stream,
            RegisterPoliceRegion(
                **demo.key(f"register/{org_id}"), actor=service, org_id=org_id, name=name
            ),
        )
    areas = (
        (LPO_JARFALLA, "Lokalpolisområde Järfälla", REGION_STOCKHOLM, ("Järfälla/Upplands-Bro",)),
        (LPO_PITEA_ALVDAL, "Lokalpolisområde Piteå Älvdal", REGION_NORD, ()),
        (
            LPO_2022,
            "Lokalpolisområde i medborgarlöftet 2022 (namnges inte i källan)",
            REGION_2022,
            (),
        ),
    )
    for org_id, name, region, aliases in areas:
        demo.add(
            stream,
            RegisterPoliceArea(
                **demo.key(f"register/{org_id}"),
                actor=service,
                org_id=org_id,
                name=name,
                region_id=region,
                aliases=aliases,
            ),
        )
    for org_id, name, code in _MUNICIPALITIES:
        demo.add(
            stream,
            RegisterMunicipality(
                **demo.key(f"register/{org_id}"),
                actor=service,
                org_id=org_id,
                name=name,
                kommunkod=code,
            ),
        )
    for area, municipalities in _LINKS:
        for municipality in municipalities:
            link_id = f"link-{area}-{municipality}"
            demo.add(
                stream,
                LinkPoliceAreaToMunicipality(
                    **demo.key(f"link/{link_id}"),
                    actor=service,
                    link_id=link_id,
                    police_area_id=area,
                    municipality_id=municipality,
                ),
            )
    for org_id, name, kind in _PARTNERS:
        demo.add(
            stream,
            RegisterPartner(
                **demo.key(f"register/{org_id}"),
                actor=service,
                org_id=org_id,
                name=name,
                partner_kind=kind,
            ),
        )
    for person_id, full_name, employer, title, role, label in _PEOPLE:
        demo.add(
            stream,
            RegisterPerson(
                **demo.key(f"register/{person_id}"),
                actor=service,
                person_id=person_id,
                name=full_name,
            ),
        )
        if employer is None or title is None or role is None:
            continue
        demo.add(
            stream,
            AssignRole(
                **demo.key(f"assign/{person_id}/{employer}"),
                actor=demo.actor(employer, "org_admin"),
                assignment_id=f"role-{person_id}",
                person_id=person_id,
                org_id=employer,
                title=title,
                role=role,
                party_label=label,
            ),
        )
    # Seed 004 ends with Arjeplogs kommun's contact points.
    demo.add(
        stream,
        SetPublicContact(
            **demo.key(f"contact/{ARJEPLOG}"),
            actor=service,
            org_id=ARJEPLOG,
            contact=PublicContact(
                phone="0961-140 00 (växel); medborgarservice 0961-144 44",
                email="kommun@arjeplog.se",
                source=PROMISE_2023.description,
            ),
        ),
    )


def _agreement(demo: DemoHistory) -> None:
    agreement_id = "upplands-bro-jarfalla-sok"
    stream = f"agreement-{agreement_id}"
    editor = demo.actor(UPPLANDS_BRO, "editor")
    areas = (
        "Inget utsatt område i Upplands-Bro",
        "Våld",
        "Trygga offentliga miljöer",
        "Ungdomar i riskzonen",
    )
    content = AgreementContent(
        parties=(UPPLANDS_BRO, LPO_JARFALLA),
        title="Samverkansöverenskommelse mellan Upplands-Bro och polisen Järfälla/Upplands-Bro",
        goal="Brottsligheten ska minska och tryggheten ska öka.",
        focus_areas=tuple(
            FocusArea(focus_area_id=f"fa{i}", title=title) for i, title in enumerate(areas, 1)
        ),
    )
    demo.add(
        stream,
        DraftAgreement(
            **demo.key(f"{stream}/draft"), actor=editor, agreement_id=agreement_id, content=content
        ),
    )
    demo.add(
        stream,
        ProposeAgreement(**demo.key(f"{stream}/propose"), actor=editor, agreement_id=agreement_id),
    )
    # "har tecknat" (seed 001, 16 December 2021): signed by both parties; the text names no
    # signatory and no signing date, and is itself the publication.
    digest = content_hash(content)
    for party in content.parties:
        demo.add(
            stream,
            RecordAgreementSignature(
                **demo.key(f"{stream}/record-signature/{party}"),
                actor=editor,
                agreement_id=agreement_id,
                revision_no=1,
                content_hash=digest,
                party_id=party,
                evidence=AGREEMENT_2021.evidence(),
            ),
        )
    demo.add(
        stream,
        RecordAgreementPublication(
            **demo.key(f"{stream}/record-publication"),
            actor=editor,
            agreement_id=agreement_id,
            channel="Upplands-Bro kommuns webbplats (nyhet)",
            published_on=dt.date(2021, 12, 16),
            evidence=AGREEMENT_2021.evidence(),
        ),
    )


def demo_commands(at: dt.datetime) -> list[tuple[str, Command]]:
    """The seed history (domain.md §6) as (stream id, command) pairs, all stamped `at`."""
    demo = DemoHistory(at)
    _directory(demo)
    _agreement(demo)
    promise_2018(demo)
    promise_2022(demo)
    promise_2023(demo)
    return demo.commands
