"""Writes the demo exports from one table of real, verifiable references.

Run `python data/demo/make_exports.py` after editing REFERENCES. Each reference is a published
paper on routine outcome monitoring (ROM) or clinical feedback systems (CFS); the first ones are
the reference list of the poster in shared/seed. DOIs are given only where they are known to be
right; no abstract is invented (the exports carry none). The two files imitate the layout of a
Scopus CSV export and an Ovid APA PsycInfo RIS export, written by the ReviewMap team: they are
not files downloaded from those databases, so they carry no Scopus EIDs or PsycInfo accession
numbers.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent

# key, authors (Surname, Initials), year, title, journal, volume, issue, pages, doi, type, keywords, in
REFERENCES: list[dict[str, object]] = [
    dict(
        key="boswell2015",
        authors=["Boswell, J. F.", "Kraus, D. R.", "Miller, S. D.", "Lambert, M. J."],
        year=2015,
        title="Implementing routine outcome monitoring in clinical practice: Benefits, challenges, and solutions",
        journal="Psychotherapy Research",
        volume="25",
        issue="1",
        pages="6-19",
        doi="10.1080/10503307.2013.817696",
        kind="Article",
        keywords=["routine outcome monitoring", "implementation", "clinical practice"],
        sources="SP",
    ),
    dict(
        key="dejong2021",
        authors=[
            "de Jong, K.",
            "Conijn, J. M.",
            "Gallagher, R. A. V.",
            "Reshetnikova, A. S.",
            "Heij, M.",
            "Lutz, M. C.",
        ],
        year=2021,
        title="Using progress feedback to improve outcomes and reduce drop-out, treatment duration, and "
        "deterioration: A multilevel meta-analysis",
        journal="Clinical Psychology Review",
        volume="85",
        issue="",
        pages="102002",
        doi="10.1016/j.cpr.2021.102002",
        kind="Review",
        keywords=["progress feedback", "meta-analysis"],
        sources="S",
    ),
    dict(
        key="lambert2011",
        authors=["Lambert, M. J.", "Shimokawa, K."],
        year=2011,
        title="Collecting client feedback",
        journal="Psychotherapy",
        volume="48",
        issue="1",
        pages="72-79",
        doi="10.1037/a0022238",
        kind="Article",
        keywords=["client feedback", "psychotherapy outcome"],
        sources="SP",
    ),
    dict(
        key="mills2021",
        authors=["Mills, J."],
        year=2021,
        title="Psychotherapy progress and outcome monitoring in the real world of private practice",
        journal="Psychotherapy and Politics International",
        volume="19",
        issue="1",
        pages="",
        doi="10.1002/ppi.1550",
        kind="Article",
        keywords=["outcome monitoring", "private practice"],
        sources="S",
    ),
    dict(
        key="ostergard2020reply",
        authors=["Østergård, O. K.", "Hougaard, E."],
        year=2020,
        title="The evidence for the Partners for Change Outcome Management System is insufficient: "
        "Reply to Duncan and Sparks (2020)",
        journal="Psychological Services",
        volume="17",
        issue="4",
        pages="497-498",
        doi="10.1037/ser0000419",
        kind="Letter",
        keywords=["PCOMS", "client feedback"],
        sources="SP",
    ),
    dict(
        key="howard1996",
        authors=["Howard, K. I.", "Moras, K.", "Brill, P. L.", "Martinovich, Z.", "Lutz, W."],
        year=1996,
        title="Evaluation of psychotherapy: Efficacy, effectiveness, and patient progress",
        journal="American Psychologist",
        volume="51",
        issue="10",
        pages="1059-1064",
        doi="10.1037/0003-066X.51.10.1059",
        kind="Article",
        keywords=["patient progress", "effectiveness"],
        sources="P",
    ),
    dict(
        key="solstad2019",
        authors=["Solstad, S. M.", "Castonguay, L. G.", "Moltu, C."],
        year=2019,
        title="Patients' experiences with routine outcome monitoring and clinical feedback systems: A systematic "
        "review and synthesis of qualitative empirical literature",
        journal="Psychotherapy Research",
        volume="29",
        issue="2",
        pages="157-170",
        doi="10.1080/10503307.2017.1326645",
        kind="Review",
        keywords=["routine outcome monitoring", "clinical feedback", "qualitative synthesis"],
        sources="SP",
    ),
    dict(
        key="mcaleavey2021",
        authors=["McAleavey, A. A.", "Moltu, C."],
        year=2021,
        title="Understanding routine outcome monitoring and clinical feedback in context: Introduction to the "
        "special section",
        journal="Psychotherapy Research",
        volume="31",
        issue="2",
        pages="142-144",
        doi="",
        kind="Editorial",
        keywords=["routine outcome monitoring", "clinical feedback"],
        sources="P",
    ),
    dict(
        key="lambert2018",
        authors=["Lambert, M. J.", "Whipple, J. L.", "Kleinstäuber, M."],
        year=2018,
        title="Collecting and delivering progress feedback: A meta-analysis of routine outcome monitoring",
        journal="Psychotherapy",
        volume="55",
        issue="4",
        pages="520-537",
        doi="10.1037/pst0000167",
        kind="Review",
        keywords=["routine outcome monitoring", "progress feedback", "meta-analysis"],
        sources="SP",
    ),
    dict(
        key="shimokawa2010",
        authors=["Shimokawa, K.", "Lambert, M. J.", "Smart, D. W."],
        year=2010,
        title="Enhancing treatment outcome of patients at risk of treatment failure: Meta-analytic and "
        "mega-analytic review of a psychotherapy quality assurance system",
        journal="Journal of Consulting and Clinical Psychology",
        volume="78",
        issue="3",
        pages="298-311",
        doi="10.1037/a0019247",
        kind="Review",
        keywords=["treatment failure", "feedback"],
        sources="SP",
    ),
    dict(
        key="delgadillo2018",
        authors=[
            "Delgadillo, J.",
            "de Jong, K.",
            "Lucock, M.",
            "Lutz, W.",
            "Rubel, J.",
            "Gilbody, S.",
            "Ali, S.",
            "Aguirre, E.",
            "Appleton, M.",
            "Nevin, J.",
            "O'Hayon, H.",
            "Patel, U.",
            "Sainty, A.",
            "Spencer, P.",
            "McMillan, D.",
        ],
        year=2018,
        title="Feedback-informed treatment versus usual psychological treatment for depression and anxiety: "
        "A multisite, open-label, cluster randomised controlled trial",
        journal="The Lancet Psychiatry",
        volume="5",
        issue="7",
        pages="564-572",
        doi="10.1016/S2215-0366(18)30162-7",
        kind="Article",
        keywords=["feedback-informed treatment", "depression", "anxiety"],
        sources="S",
    ),
    dict(
        key="lewis2019",
        authors=[
            "Lewis, C. C.",
            "Boyd, M.",
            "Puspitasari, A.",
            "Navarro, E.",
            "Howard, J.",
            "Kassab, H.",
            "Hoffman, M.",
            "Scott, K.",
            "Lyon, A.",
            "Douglas, S.",
            "Simon, G.",
            "Kroenke, K.",
        ],
        year=2019,
        title="Implementing measurement-based care in behavioral health: A review",
        journal="JAMA Psychiatry",
        volume="76",
        issue="3",
        pages="324-335",
        doi="10.1001/jamapsychiatry.2018.3329",
        kind="Review",
        keywords=["measurement-based care", "implementation"],
        sources="S",
    ),
    dict(
        key="jensendoss2018",
        authors=[
            "Jensen-Doss, A.",
            "Haimes, E. M. B.",
            "Smith, A. M.",
            "Lyon, A. R.",
            "Lewis, C. C.",
            "Stanick, C. F.",
            "Hawley, K. M.",
        ],
        year=2018,
        title="Monitoring treatment progress and providing feedback is viewed favorably but rarely used in practice",
        journal="Administration and Policy in Mental Health and Mental Health Services Research",
        volume="45",
        issue="1",
        pages="48-61",
        doi="10.1007/s10488-016-0763-0",
        kind="Article",
        keywords=["progress monitoring", "clinician attitudes"],
        sources="SP",
    ),
    dict(
        key="hatfield2004",
        authors=["Hatfield, D. R.", "Ogles, B. M."],
        year=2004,
        title="The use of outcome measures by psychologists in clinical practice",
        journal="Professional Psychology: Research and Practice",
        volume="35",
        issue="5",
        pages="485-491",
        doi="10.1037/0735-7028.35.5.485",
        kind="Article",
        keywords=["outcome measures", "psychologists"],
        sources="P",
    ),
    dict(
        key="kendrick2016",
        authors=[
            "Kendrick, T.",
            "El-Gohary, M.",
            "Stuart, B.",
            "Gilbody, S.",
            "Churchill, R.",
            "Aiken, L.",
            "Bhattacharya, A.",
            "Gimson, A.",
            "Brütt, A. L.",
            "de Jong, K.",
            "Moore, M.",
        ],
        year=2016,
        title="Routine use of patient reported outcome measures (PROMs) for improving treatment of common mental "
        "health disorders in adults",
        journal="Cochrane Database of Systematic Reviews",
        volume="",
        issue="7",
        pages="CD011119",
        doi="10.1002/14651858.CD011119.pub2",
        kind="Review",
        keywords=["PROMs", "common mental disorders"],
        sources="S",
    ),
    dict(
        key="unsworth2012",
        authors=["Unsworth, G.", "Cowie, H.", "Green, A."],
        year=2012,
        title="Therapists' and clients' perceptions of routine outcome measurement in the NHS: A qualitative study",
        journal="Counselling and Psychotherapy Research",
        volume="12",
        issue="1",
        pages="71-80",
        doi="10.1080/14733145.2011.565125",
        kind="Article",
        keywords=["routine outcome measurement", "NHS", "qualitative"],
        sources="P",
    ),
    dict(
        key="ostergard2020meta",
        authors=["Østergård, O. K.", "Randa, H.", "Hougaard, E."],
        year=2020,
        title="The effect of using the Partners for Change Outcome Management System as feedback tool in "
        "psychotherapy: A systematic review and meta-analysis",
        journal="Psychotherapy Research",
        volume="30",
        issue="2",
        pages="195-212",
        doi="10.1080/10503307.2018.1517949",
        kind="Review",
        keywords=["PCOMS", "meta-analysis"],
        sources="SP",
    ),
    dict(
        key="brattland2018",
        authors=[
            "Brattland, H.",
            "Koksvik, J. M.",
            "Burkeland, O.",
            "Gråwe, R. W.",
            "Klöckner, C.",
            "Linaker, O. M.",
            "Ryum, T.",
            "Wampold, B.",
            "Lara-Cabrera, M. L.",
            "Iversen, V. C.",
        ],
        year=2018,
        title="The effects of routine outcome monitoring (ROM) on therapy outcomes in the course of an "
        "implementation process: A randomized clinical trial",
        journal="Journal of Counseling Psychology",
        volume="65",
        issue="5",
        pages="641-652",
        doi="10.1037/cou0000286",
        kind="Article",
        keywords=["routine outcome monitoring", "randomized clinical trial"],
        sources="SP",
    ),
    dict(
        key="barkham2023",
        authors=["Barkham, M.", "De Jong, K.", "Delgadillo, J.", "Lutz, W."],
        year=2023,
        title="Routine outcome monitoring (ROM) and feedback: Research review and recommendations",
        journal="Psychotherapy Research",
        volume="33",
        issue="7",
        pages="841-855",
        doi="10.1080/10503307.2023.2181114",
        kind="Review",
        keywords=["routine outcome monitoring", "feedback"],
        sources="S",
    ),
    dict(
        key="ionita2014",
        authors=["Ionita, G.", "Fitzpatrick, M."],
        year=2014,
        title="Bringing science to clinical practice: A Canadian survey of psychological practice and usage of "
        "progress monitoring measures",
        journal="Canadian Psychology",
        volume="55",
        issue="3",
        pages="187-196",
        doi="10.1037/a0037355",
        kind="Article",
        keywords=["progress monitoring", "survey"],
        sources="P",
    ),
    dict(
        key="dejong2012",
        authors=["de Jong, K.", "van Sluis, P.", "Nugter, M. A.", "Heiser, W. J.", "Spinhoven, P."],
        year=2012,
        title="Understanding the differential impact of outcome monitoring: Therapist variables that moderate "
        "feedback effects in a randomized clinical trial",
        journal="Psychotherapy Research",
        volume="22",
        issue="4",
        pages="464-474",
        doi="10.1080/10503307.2012.673023",
        kind="Article",
        keywords=["outcome monitoring", "therapist variables"],
        sources="SP",
    ),
    dict(
        key="kraus2011",
        authors=["Kraus, D. R.", "Castonguay, L.", "Boswell, J. F.", "Nordberg, S. S.", "Hayes, J. A."],
        year=2011,
        title="Therapist effectiveness: Implications for accountability and patient care",
        journal="Psychotherapy Research",
        volume="21",
        issue="3",
        pages="267-276",
        doi="10.1080/10503307.2011.563249",
        kind="Article",
        keywords=["therapist effects", "accountability"],
        sources="S",
    ),
    dict(
        key="wolpert2014",
        authors=["Wolpert, M."],
        year=2014,
        title="Uses and abuses of patient reported outcome measures (PROMs): Potential iatrogenic impact of PROMs "
        "implementation and how it can be mitigated",
        journal="Administration and Policy in Mental Health and Mental Health Services Research",
        volume="41",
        issue="2",
        pages="141-145",
        doi="10.1007/s10488-013-0509-1",
        kind="Article",
        keywords=["PROMs", "implementation"],
        sources="S",
    ),
    dict(
        key="mcleod2019",
        authors=["McLeod, J."],
        year=2019,
        title="An introduction to counselling and psychotherapy: Theory, research and practice",
        journal="",
        volume="",
        issue="",
        pages="",
        doi="",
        kind="Book",
        keywords=["counselling", "psychotherapy"],
        sources="P",
    ),
]

JOURNAL_ABBREVIATIONS = {
    "Psychotherapy Research": "Psychother Res",
    "Journal of Consulting and Clinical Psychology": "J Consult Clin Psychol",
    "Administration and Policy in Mental Health and Mental Health Services Research": "Adm Policy Ment Health",
}


def scopus_author(name: str) -> str:
    """'Boswell, J. F.' -> 'Boswell J.F.' as Scopus writes authors."""
    surname, initials = name.split(", ")
    return f"{surname} {initials.replace(' ', '')}"


def scopus_csv() -> str:
    columns = [
        "Authors",
        "Title",
        "Year",
        "Source title",
        "Volume",
        "Issue",
        "Art. No.",
        "Page start",
        "Page end",
        "DOI",
        "Author Keywords",
        "Language of Original Document",
        "Document Type",
        "Source",
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(columns)
    for ref in REFERENCES:
        if "S" not in str(ref["sources"]) or ref["kind"] == "Book":
            continue
        pages = str(ref["pages"])
        start, _, end = pages.partition("-")
        article_number = pages if pages and not end else ""
        writer.writerow(
            [
                "; ".join(scopus_author(a) for a in ref["authors"]),  # type: ignore[union-attr]
                ref["title"],
                ref["year"],
                ref["journal"],
                ref["volume"],
                ref["issue"],
                article_number,
                start if end else "",
                end,
                ref["doi"],
                "; ".join(ref["keywords"]),  # type: ignore[arg-type]
                "English",
                ref["kind"],
                "Scopus",
            ]
        )
    return buffer.getvalue()


def ovid_ris() -> str:
    ris_type = {"Book": "BOOK"}
    lines: list[str] = []
    number = 0
    for ref in REFERENCES:
        if "P" not in str(ref["sources"]):
            continue
        number += 1
        lines.append(f"{number}.")
        lines.append(f"TY  - {ris_type.get(str(ref['kind']), 'JOUR')}")
        if ref["doi"]:
            lines.append(f"DO  - http://dx.doi.org/{ref['doi']}")
        # PsycInfo ends titles with a full stop.
        lines.append(f"T1  - {ref['title']}.")
        for author in ref["authors"]:  # type: ignore[union-attr]
            surname, initials = author.split(", ")
            lines.append(f"A1  - {surname}, {initials.replace('. ', '').replace('.', '')}")
        lines.append(f"Y1  - {ref['year']}//")
        for keyword in ref["keywords"]:  # type: ignore[union-attr]
            lines.append(f"KW  - {keyword}")
        if ref["journal"]:
            lines.append(f"JF  - {ref['journal']}")
            abbreviation = JOURNAL_ABBREVIATIONS.get(str(ref["journal"]))
            if abbreviation:
                lines.append(f"JA  - {abbreviation}")
        for tag, field in (("VL", "volume"), ("IS", "issue")):
            if ref[field]:
                lines.append(f"{tag}  - {ref[field]}")
        start, _, end = str(ref["pages"]).partition("-")
        if start:
            lines.append(f"SP  - {start}")
        if end:
            lines.append(f"EP  - {end}")
        if ref["kind"] == "Book":
            lines.append("PB  - McGraw-Hill Education (UK)")
        lines.append("DB  - APA PsycInfo")
        lines.append("ER  - ")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    (HERE / "scopus_rom_cfs.csv").write_text(scopus_csv(), encoding="utf-8")
    (HERE / "psycinfo_rom_cfs.ris").write_text(ovid_ris(), encoding="utf-8")
    print("wrote scopus_rom_cfs.csv and psycinfo_rom_cfs.ris")
