"""The five published texts the demo is entered from, and the evidence that names each one.

Each text is kept here byte for byte (sources/*.txt) as the document a recorded fact rests on:
a recorded signature or publication carries the text's SHA-256, so anyone holding the text can
check which document the record was made from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources

from events.recorded import Evidence


@dataclass(frozen=True, slots=True)
class Source:
    """One published text: its file under sources/ and what it is."""

    file: str
    description: str

    def text(self) -> str:
        """The text as published."""
        return resources.files(__package__).joinpath("sources", self.file).read_text("utf-8")

    def evidence(self) -> Evidence:
        """Evidence naming this text by its description and SHA-256."""
        data = resources.files(__package__).joinpath("sources", self.file).read_bytes()
        return Evidence(
            description=self.description, document_sha256=hashlib.sha256(data).hexdigest()
        )


MEETING_2021 = Source(
    "2021-09-30-upplands-bro-kommunstyrelsen-regionpolischef.txt",
    "Upplands-Bro kommun, nyhet 30 september 2021: Regionpolischef Mats Löfving gästade "
    "kommunstyrelsens möte",
)
AGREEMENT_2021 = Source(
    "2021-12-16-upplands-bro-samverkansoverenskommelse.txt",
    "Upplands-Bro kommun, nyhet 16 december 2021: Samverkansöverenskommelse mellan "
    "Upplands-Bro och polisen Järfälla/Upplands-Bro",
)
PROMISE_2022 = Source(
    "2022-medborgarlofte-undertecknat.txt",
    "Kommunens nyhet (2022): Ökat fokus på narkotikabrott, trafiksäkerhet och kommunikation "
    "under 2022",
)
PROMISE_2018 = Source(
    "2018-upplands-bro-medborgarloften-polisen.txt",
    "Polisens webbplats: Upplands-Bro – medborgarlöften (tidigare löften, 2018)",
)
PROMISE_2023 = Source(
    "2023-04-27-arjeplog-medborgarloften.txt",
    "Arjeplogs kommun, nyhet 27 april 2023: Arjeplogs kommun och Polisen presenterar "
    "gemensamma medborgarlöften för ökad trygghet (med pdf)",
)
SOURCES = (MEETING_2021, AGREEMENT_2021, PROMISE_2022, PROMISE_2018, PROMISE_2023)
