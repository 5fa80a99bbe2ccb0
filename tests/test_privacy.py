"""Privacy: leader reports carry no borrower PII; the ``--show-pii`` copy does.

Every leader report of the demo (team reports, portfolio, data-quality appendix, and the CSV
exports beside them) is searched for the borrowers of the input: their first + last names,
their distinctive last names, emails and phone numbers. A consultant's internal copy
(``show_pii=True``) names the borrowers of the weekly review list.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from kit.dataset import load_dataset
from kit.intake import read_export
from kit.report import quality_views
from kit.runner import assess

ROOT = Path(__file__).resolve().parents[1]
#: Inline images are base64: letters in them are not text a reader sees.
_DATA_URI = re.compile(r"""data:[^"')\s]+""")


@dataclass(frozen=True)
class Borrowers:
    names: frozenset[str]  # "First Last"
    last_names: frozenset[str]  # distinctive ones
    emails: frozenset[str]
    phones: frozenset[str]


def _static_text() -> str:
    """Everything the kit writes whatever the data: notebooks, templates, kit's own text
    (not the demo generator, whose lists of names are where the borrowers come from)."""
    paths = [
        *(ROOT / "notebooks").glob("*.ipynb"),
        *(p for p in (ROOT / "templates").rglob("*") if p.is_file()),
        *(p for p in (ROOT / "kit").rglob("*.py") if "demo" not in p.parts),
        *(ROOT / "kit").rglob("*.yaml"),
    ]
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in paths)


def _words(text: str) -> list[str]:
    return re.findall(r"\w[\w'’-]*", html.unescape(text))


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)[-10:]


def borrowers(dataset_dir: Path) -> Borrowers:
    """The input's borrower PII, less what is also a staff member's name.

    Producers and managers are named in reports on purpose, and the demo draws borrowers and
    staff from the same pool of names, so a borrower called like a producer proves nothing.
    A last name counts as distinctive when no staff member has it and the kit's own text does
    not contain it as a word (``Green`` is a score band). Names are kept as their words,
    emails in lower case, phones as their last ten digits.
    """
    ds = load_dataset(dataset_dir, tables=("contacts", "users"))
    contacts, staff = ds["contacts"], ds["users"]["name"].dropna().astype(str)
    staff_words = {w.casefold() for name in staff for w in _words(name)}
    first = contacts["first_name"].astype("str").str.strip()
    last = contacts["last_name"].astype("str").str.strip()
    staff_names = {" ".join(_words(n)) for n in staff}
    names = {" ".join(_words(n)) for n in (first + " " + last).dropna()} - staff_names
    static = _static_text()
    lasts = {
        n
        for n in last.dropna().unique()
        if len(n) >= 4
        and n.casefold() not in staff_words
        and not re.search(rf"\b{re.escape(n)}\b", static, flags=re.IGNORECASE)
    }
    phones = {_digits(p) for p in contacts["phone"].dropna().astype(str)}
    return Borrowers(
        names=frozenset(names),
        last_names=frozenset(lasts),
        emails=frozenset(contacts["email"].dropna().astype(str).str.strip().str.casefold()),
        phones=frozenset(p for p in phones if len(p) == 10),
    )


def _visible(path: Path) -> str:
    return _DATA_URI.sub("", path.read_text(encoding="utf-8-sig"))


def _found(text: str, who: Borrowers) -> dict[str, list[str]]:
    """Which of the borrowers' names, last names, emails and phones ``text`` shows."""
    words = _words(text)
    sizes = {n.count(" ") + 1 for n in who.names}
    grams = {" ".join(words[i : i + n]) for n in sizes for i in range(len(words) - n + 1)}
    shown = html.unescape(text)
    emails = re.findall(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", shown)
    phones = re.findall(r"\+?\(?\d[\d\s().-]{8,}\d", shown)
    return {
        "names": sorted(who.names & grams),
        "last_names": sorted(who.last_names & set(words)),
        "emails": sorted(who.emails & {e.casefold() for e in emails}),
        "phones": sorted(who.phones & {_digits(p) for p in phones}),
    }


@pytest.fixture(scope="module")
def who(demo_reports: Path) -> Borrowers:
    found = borrowers(demo_reports / "data" / "dataset")
    # the search is not vacuous: the demo has thousands of named borrowers
    assert len(found.names) > 1000 and len(found.last_names) > 20
    assert len(found.emails) > 1000 and len(found.phones) > 1000
    return found


@pytest.mark.slow
def test_leader_reports_show_no_borrower_pii(demo_reports: Path, who: Borrowers):
    reports = sorted(demo_reports.glob("*.html")) + sorted(demo_reports.glob("teams/*.html"))
    exports = sorted((demo_reports / "data" / "csv").glob("*.csv"))
    # portfolio, data quality, seven teams; five tables plus changes and requirements
    assert len(reports) == 9 and len(exports) == 7
    for path in reports + exports:
        leaked = {kind: found for kind, found in _found(_visible(path), who).items() if found}
        assert not leaked, (path.name, {k: v[:5] for k, v in leaked.items()})
        if path.suffix == ".html":
            assert "Borrower names, emails and phone numbers are masked." in path.read_text(
                encoding="utf-8"
            )


@pytest.mark.slow
def test_the_show_pii_copy_names_the_borrowers_to_review(
    tmp_path: Path, demo_reports: Path, who: Borrowers
):
    out = tmp_path / "internal"
    result = assess(
        demo_reports / "data" / "dataset",
        out,
        teams=["Old Mill"],
        show_pii=True,
        workers=2,
        progress=False,
    )
    assert result.failures == {}
    page = (out / "teams" / "old-mill.html").read_text(encoding="utf-8")
    assert "Internal consultant copy." in page
    found = _found(_DATA_URI.sub("", page), who)
    # the review list's loans, leads and relationships come with their borrowers
    assert len(found["names"]) >= 20, found["names"]
    assert len(found["emails"]) >= 20 and len(found["phones"]) >= 10
    assert '<th scope="col">Borrower</th>' in page
    # the same team's leader report has none of them (the demo's own report)
    leader = _visible(demo_reports / "teams" / "old-mill.html")
    assert not any(_found(leader, who).values())
    # the exports never carry PII, internal copy or not
    for path in (out / "data" / "csv").glob("*.csv"):
        assert not any(_found(_visible(path), who).values()), path.name


def test_appendix_withholds_pii_examples_unless_asked(tmp_path: Path):
    """A phone Excel turned into 2.125551407E+9 is a data-quality fact whose example would
    reveal the number: the leader appendix withholds it, the internal copy shows it."""
    (tmp_path / "users.csv").write_text("user_id,name,team,role\nu1,Ana,North,producer\n")
    (tmp_path / "contacts.csv").write_text(
        "contact_id,created_at,owner_id,first_name,last_name,email,phone\n"
        "c1,2024-05-01,u1,Rosa,Quintero,rosa.q@example.org,2.125551407E+9\n"
        "c2,2024-05-02,,Li,Wei,li@example.org,5035551407\n"
    )
    ds = read_export(tmp_path)
    leader = quality_views.facts(ds)
    internal = quality_views.facts(ds, show_pii=True)
    mangled = (leader["Field"] == "phone") & (leader["Issue"] == "excel mangled")
    assert leader.loc[mangled, "Examples"].tolist() == ["(borrower data: not shown)"]
    assert internal.loc[mangled, "Examples"].tolist() == ["'2.125551407E+9' (1)"]
    # examples that are row numbers, or values of other fields, are shown as before
    blank = (leader["Field"] == "owner_id") & (leader["Issue"] == "Blank")
    assert leader.loc[blank, "Examples"].tolist() == ["contacts.csv row 3"]
    pd.testing.assert_frame_equal(leader[~mangled], internal[~mangled])


def test_security_doc_cites_tests_that_exist():
    """Every guarantee in docs/security.md names the test that checks it: those exist."""
    doc = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    cited = re.findall(r"`?((?:\w+/)?test_\w+\.py)(?:::\s*`?\s*(test_\w+))?", doc)
    assert len(cited) >= 10
    for module, name in cited:
        source = (ROOT / "tests" / module).read_text(encoding="utf-8")
        if name:
            assert f"def {name}(" in source, (module, name)
    named = re.findall(r"`(test_\w+)`", doc)
    everything = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py"))
    for name in named:
        assert f"def {name}(" in everything, name
