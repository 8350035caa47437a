"""Skoleudviklingssamtaler for the sample municipality, written through ``dialogue.samtale`` as people would.

Samtaler are not an extract kind, so the sample database gets them here: the
council's strategic frame for 2023/24 and 2024/25; last year's samtaler with
three schools, each with agreements; and this year's, so that the demo shows
every state: Bøgehøj Skole held and shared, with last year's agreements
followed up; Søndermarkskolen planned, with the leader's proposal;
Kærgårdsskolen not planned yet, its open agreements waiting for the follow-up.
All names and texts are invented.
"""

from __future__ import annotations

from pathlib import Path

from core.settings import SAMPLE_KOMMUNE
from core.viewer import ADMINISTRATION, Viewer
from dialogue.samtale import add_agreement, create_samtale, edit_agreement, edit_samtale, save_strategic_frame

_AUTHOR = "eksempeldata"

FRAMES = {
    2023: ["Læsning i indskolingen", "Trivsel og fællesskab", "Elevfravær"],
    2024: ["Læsning og matematik i overgangstestene", "Trivsel i udskolingen", "Færre elever med over 10 % fravær"],
}


def _leader(institution_id: str) -> Viewer:
    return Viewer("leader", frozenset({institution_id}))


def _samtale(db: Path, institution_id: str, year: int, leader_text: dict, agreements: list[tuple], **values) -> list:
    """One samtale: prepared by the administration, the leader's texts, then the agreements; returns their ids."""
    samtale_id = create_samtale(
        db, ADMINISTRATION, institution_id=institution_id, school_year=year, author=_AUTHOR, **values
    )
    edit_samtale(db, _leader(institution_id), samtale_id, author=_AUTHOR, **leader_text)
    ids = [
        add_agreement(db, ADMINISTRATION, samtale_id, text=text, owner=owner, due=due, author=_AUTHOR)
        for text, owner, due in agreements
    ]
    if values.get("held"):
        edit_samtale(db, ADMINISTRATION, samtale_id, shared_with_council=True, author=_AUTHOR)
    return ids


def add_samtaler(db: Path) -> None:
    """Write the sample's strategic frames, samtaler and agreements into ``db``."""
    for year, topics in FRAMES.items():
        save_strategic_frame(db, ADMINISTRATION, kommune=SAMPLE_KOMMUNE, school_year=year, topics=topics)

    # Bøgehøj Skole: held both years; last year's agreements are followed up in this year's samtale.
    reading, management, absence = _samtale(
        db,
        "999006",
        2023,
        {
            "development_areas": "Læsning i 2.-4. klasse\nRo og orden på mellemtrinnet",
            "school_assessment": "Vi ser en god udvikling i læsning i indskolingen, men for mange elever på "
            "mellemtrinnet oplever uro i timerne.",
        },
        [
            ("Læsebånd 20 minutter hver dag i 2.-4. klasse", "Skolelederen", "2024-06-30"),
            ("Fælles klasseledelse: forløb for lærerne på mellemtrinnet", "Viceskolelederen", "2024-03-31"),
            ("Opfølgning på fravær efter kommunens retningslinjer", "Skolelederen og skolesekretæren", "2024-01-31"),
        ],
        held_on="2023-11-14",
        held=True,
        leader_names="Helle Østergaard, skoleleder\nMads Møller, viceskoleleder",
        administration_names="Jørgen Pedersen, skolechef",
        council_names="Louise Hansen, formand for Børne- og Skoleudvalget",
        summary="Skolen fremlagde sine resultater fra overgangstesten og trivselsmålingen. Vi drøftede især læsning "
        "i indskolingen og roen på mellemtrinnet og aftalte tre indsatser.",
    )
    leader = _leader("999006")
    edit_agreement(db, leader, reading, status="gennemført", author=_AUTHOR)
    edit_agreement(db, leader, management, status="i gang", author=_AUTHOR)
    edit_agreement(db, leader, absence, status="gennemført", author=_AUTHOR)
    _samtale(
        db,
        "999006",
        2024,
        {
            "development_areas": "Matematik i 4.-7. klasse\nTrivsel i udskolingen",
            "school_assessment": "Læsningen er løftet, og fraværet er faldet. Matematik på mellemtrinnet og "
            "trivslen i udskolingen er nu det, vi vil arbejde mest med.",
        },
        [
            ("Matematikvejlederen støtter teamene i 4.-7. klasse", "Matematikvejlederen", "2025-06-30"),
            ("Elevrådet inddrages i en plan for trivsel i udskolingen", "Skolelederen", "2025-03-31"),
        ],
        held_on="2024-11-12",
        held=True,
        leader_names="Helle Østergaard, skoleleder",
        administration_names="Jørgen Pedersen, skolechef\nBirthe Nielsen, pædagogisk konsulent",
        council_names="Louise Hansen, formand for Børne- og Skoleudvalget",
        summary="Vi fulgte op på sidste års tre aftaler: læsebåndet og fraværsopfølgningen er gennemført, "
        "forløbet om klasseledelse fortsætter. Skolen foreslog matematik og trivsel i udskolingen som "
        "udviklingsområder, og vi aftalte to nye indsatser.",
    )
    for agreement, text in (
        (reading, "Læsebåndet kører i alle klasser i 2.-4. klasse og fortsætter."),
        (management, "Forløbet er i gang for to af tre team; det sidste team starter efter jul."),
        (absence, "Skolen følger op på fravær hver måned."),
    ):
        edit_agreement(db, ADMINISTRATION, agreement, followup=text, author=_AUTHOR)

    # Søndermarkskolen: held last year; this year's samtale is planned, and the leader has sent a proposal.
    _samtale(
        db,
        "999005",
        2023,
        {"development_areas": "Matematik i udskolingen", "school_assessment": "Resultaterne er på vej op."},
        [("Matematikcafé to gange om ugen for 7.-9. klasse", "Skolelederen", "2024-06-30")],
        held_on="2023-11-21",
        held=True,
        leader_names="Søren Christensen, skoleleder",
        administration_names="Jørgen Pedersen, skolechef",
        summary="Vi drøftede skolens fremgang og aftalte at styrke matematik i udskolingen.",
    )
    samtale_id = create_samtale(
        db,
        ADMINISTRATION,
        institution_id="999005",
        school_year=2024,
        held_on="2024-11-26",
        leader_names="Søren Christensen, skoleleder",
        administration_names="Jørgen Pedersen, skolechef",
        author=_AUTHOR,
    )
    edit_samtale(
        db,
        _leader("999005"),
        samtale_id,
        development_areas="Matematik i udskolingen\nOvergangen fra 6. til 7. klasse",
        author=_AUTHOR,
    )

    # Kærgårdsskolen: held last year; this year's samtale is not planned yet, one agreement is still open.
    _samtale(
        db,
        "999007",
        2023,
        {"development_areas": "Læsning på mellemtrinnet", "school_assessment": "Vi er bekymrede for læsningen."},
        [
            ("Læsevejlederen screener alle elever i 4. klasse", "Læsevejlederen", "2023-12-31"),
            ("Plan for læsning på mellemtrinnet", "Skolelederen", "2024-06-30"),
        ],
        held_on="2023-11-28",
        held=True,
        leader_names="Anne Sørensen, skoleleder",
        administration_names="Jørgen Pedersen, skolechef",
        summary="Skolens resultater i læsning er faldet. Vi aftalte en screening og en plan for mellemtrinnet.",
    )
