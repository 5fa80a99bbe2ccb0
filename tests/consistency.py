"""The consistency check: every number a rendered report folder states, checked against the
same fact everywhere else it appears (findings, tables, cards, charts' alt text, CSVs and
the workbook). Used on the demo and on real exports; it returns the contradictions it finds
(an empty list when there are none) so a failing test names every one."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from kit.diagnostics.metrics import METRICS
from kit.formatting import format_count, format_value
from kit.report.views import metric_text

__all__ = ["contradictions", "page_tables", "page_text"]


class _Tables(HTMLParser):
    """Every ``<table>`` of a page as rows of cell texts (header row first)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def page_tables(page: str) -> list[pd.DataFrame]:
    """The tables of a rendered page, as frames of text (first row: the header)."""
    parser = _Tables()
    parser.feed(page)
    out = []
    for rows in parser.tables:
        if len(rows) < 2:
            continue
        width = len(rows[0])
        out.append(pd.DataFrame([r[:width] for r in rows[1:]], columns=rows[0]))
    return out


def page_text(page: str) -> str:
    """A page's visible text and its images' alt text, one space between words."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<img[^>]*\balt="([^"]*)"[^>]*>', r" [\1] ", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _table_with(tables: list[pd.DataFrame], *columns: str) -> list[pd.DataFrame]:
    return [t for t in tables if set(columns) <= set(t.columns)]


def _summary_severities(page: str) -> list[list[str]]:
    """The severity badges of each "What matters most" list, in order."""
    lists = re.findall(r'<ol class="kit-findings">(.*?)</ol>', page, flags=re.S)
    return [re.findall(r'kit-badge--\w+">(High|Medium)<', items) for items in lists]


def contradictions(out: Path) -> list[str]:
    """Every contradiction found in the report folder ``out`` (``adoption-kit assess``)."""
    found: list[str] = []
    csv = out / "data" / "csv"
    findings = pd.read_csv(csv / "findings.csv")
    metrics = pd.read_csv(csv / "metrics.csv")
    compliance = pd.read_csv(csv / "compliance.csv")
    scores = pd.read_csv(csv / "scores.csv")
    parameters = json.loads((out / "data" / "results" / "results.json").read_text())["parameters"]
    standards = parameters["standards"]
    seat_roi = pd.read_parquet(out / "data" / "results" / "seat_roi.parquet")
    run = json.loads((out / "run.json").read_text())
    team_pages = {
        team: (out / "teams" / f"{slug}.html").read_text(encoding="utf-8")
        for team, slug in (run.get("teams") or {}).items()
        if (out / "teams" / f"{slug}.html").is_file()
    }
    portfolio = (out / "index.html").read_text(encoding="utf-8")
    pages = {"index.html": portfolio, **{f"{t} report": p for t, p in team_pages.items()}}

    # --- the workbook holds the CSVs' facts ------------------------------------------------
    import openpyxl

    book = openpyxl.load_workbook(out / "data" / "assessment.xlsx", read_only=True)
    sheet = [r for r in book["Findings"].iter_rows(values_only=True)]
    column = sheet[0].index("Finding") if sheet else 0
    in_book = [str(r[column]) for r in sheet[1:]]
    if in_book != findings["finding"].astype(str).tolist():
        found.append("the workbook's findings differ from findings.csv")

    # --- every rule finding: its numbers are the metric's, written the same everywhere -----
    keys = ["scope", "team", "producer_id", "metric"]
    facts = metrics.set_index(keys)
    rules = compliance.drop_duplicates("rule_id").set_index("rule_id")
    for f in findings.itertuples(index=False):
        if f.rule_id not in rules.index:
            continue
        key = (f.scope, f.team, f.producer_id, f.metric)
        try:
            m = facts.loc[key]
        except KeyError:
            found.append(f"finding {f.rank}: no metric row {key}")
            continue
        m = m.iloc[0] if isinstance(m, pd.DataFrame) else m
        for name in ("value", "numerator", "denominator"):
            a, b = getattr(f, name), m[name]
            if not (pd.isna(a) and pd.isna(b)) and abs(float(a) - float(b)) > 1e-9:
                found.append(f"finding {f.rank}: {name} {a} but the metric says {b}")
        text = metric_text(standards, f.metric, f.value, denominator=f.denominator)
        shown = "none" if text == "0%" and f.finding.startswith("None of") else text
        if shown != "none" and text not in f.finding:
            found.append(f"finding {f.rank} does not say {text!r}: {f.finding}")
        if format_count(f.denominator) not in f.finding:
            found.append(f"finding {f.rank} does not give its count {f.denominator}")
        if f.status not in ("fail", "warn"):
            found.append(f"finding {f.rank} rests on a {f.status} rule")
        if re.search(r"\b0 of (the )?\d+ teams", f.finding):
            found.append(f"finding {f.rank} says no team fails: {f.finding}")
        # the team report shows the same value in its compliance and section tables
        if f.scope == "team" and f.team in team_pages:
            tables = page_tables(team_pages[f.team])
            statement = rules.loc[f.rule_id, "statement"]
            rows = [
                t[t["Standard"] == html.unescape(statement)]
                for t in _table_with(tables, "Standard", "Measured")
            ]
            rows = [r for r in rows if len(r)]
            if not rows or rows[0]["Measured"].iloc[0] != text:
                found.append(f"{f.team}: compliance table does not say {text!r} for {f.rule_id}")
            label = METRICS[f.metric].label
            section = [
                t[t["Measure"] == label] for t in _table_with(tables, "Measure", f.team)
            ]
            section = [r for r in section if len(r)]
            if not section or section[0][f.team].iloc[0] != text:
                found.append(f"{f.team}: section table does not say {text!r} for {label}")

    # --- seats: one count everywhere ------------------------------------------------------
    seats, idle = int(seat_roi["seats"].sum()), seat_roi["idle_seats"].sum()
    for f in findings[findings["rule_id"] == "idle_seats"].itertuples(index=False):
        if (f.numerator, f.denominator) != (idle, seats):
            found.append(f"idle-seat finding says {f.numerator} of {f.denominator}, the seat "
                         f"table {idle} of {seats}")
        spend = seat_roi["idle_seat_spend"].sum()
        if pd.notna(spend) and format_value(spend, "currency") not in f.finding:
            found.append(f"idle-seat finding does not cost {format_value(spend, 'currency')}")
    for t in _table_with(page_tables(portfolio), "Seats", "Seats in use", "Idle seats"):
        n = pd.to_numeric(t[["Seats", "Seats in use", "Idle seats"]].stack().str.replace(",", ""))
        n = n.unstack()
        if (n["Seats in use"] + n["Idle seats"] != n["Seats"]).any():
            found.append("portfolio seat table: seats in use + idle seats != seats")
        if (n["Seats"].sum(), n["Idle seats"].sum()) != (seats, idle):
            found.append("portfolio seat table totals differ from seat_roi")
    for name, r in seat_roi.set_index("team").iterrows():
        if pd.isna(r["active_seats"]):
            continue
        said = f"{name} {int(r['seats'])} seats, {int(r['active_seats'])} in use, "
        said += f"{int(r['idle_seats'])} idle"
        if "Seats paid for vs seats in use" in portfolio and said not in page_text(portfolio):
            found.append(f"seat chart does not say {said!r}")

    # --- archetype findings count the scorecard's producers -------------------------------
    producers = scores[(scores["scope"] == "producer") & scores["archetype"].notna()]
    for f in findings[findings["rule_id"] == "producer_archetypes"].itertuples(index=False):
        mine = producers if f.scope == "organization" else producers[producers["team"] == f.team]
        consistent = mine["archetype"].isin(["consistent", "consistent_by_records"])
        not_consistent = int((~consistent).sum())
        if (f.numerator, f.denominator) != (not_consistent, len(mine)):
            found.append(f"archetype finding {f.rank}: {f.numerator} of {f.denominator}, the "
                         f"scorecard {not_consistent} of {len(mine)}")

    # --- scores: the card, the portfolio table and scores.csv agree ----------------------
    teams = scores[scores["scope"] == "team"].set_index("team")
    table = _table_with(page_tables(portfolio), "Team", "Score", "Score based on")
    for team, s in teams.iterrows():
        shown = format_value(s["score"], "score", missing="—")
        if table:
            row = table[0][table[0]["Team"].str.startswith(str(team))]
            if len(row) and row["Score"].iloc[0] != shown:
                found.append(f"portfolio says {team} scores {row['Score'].iloc[0]}, not {shown}")
        page = team_pages.get(team)
        if page is not None and f'kit-score__value">{shown}<' not in page:
            found.append(f"{team}'s card does not show its score {shown}")
        if pd.isna(s["score"]) and page is not None:
            card = re.search(r'<section class="kit-summary">.*?</section>', page, flags=re.S)
            if card and re.search(r"On track|Partly adopted|Off track", card.group(0)):
                found.append(f"{team}: no score, yet the card gives it a band word")
        if "weight_total" not in s:
            found.append(f"{team}'s score does not say what weight of the standards it rests on")
            continue
        judged = s["weight_assessed"] / s["weight_total"] if s["weight_total"] else 0
        if pd.notna(s["score"]) and judged < parameters["evidence"]["min_weight_share"] - 1e-9:
            found.append(f"{team} scored on {judged:.0%} of the standards' weight")

    # --- findings are ordered by severity, on every card ---------------------------------
    for where, page in pages.items():
        for badges in _summary_severities(page):
            if badges != sorted(badges, key=["High", "Medium"].index):
                found.append(f"{where}: What matters most lists {badges}")

    # --- speed to lead: the chart's exclusive bands add up to the table's cumulative ones --
    for team, page in team_pages.items():
        alt = re.search(r"each lead in one band: (.*?)\.\]", page_text(page))
        if not alt:
            continue
        counts = [int(n.replace(",", "")) for n in re.findall(r"\(([\d,]+) of [\d,]+\)",
                                                               alt.group(1))]
        rows = {
            t["Measure"].iloc[i]: t["Based on"].iloc[i]
            for t in _table_with(page_tables(page), "Measure", "Based on")
            for i in range(len(t))
        }
        total = format_count(sum(counts))
        for label, upto in (
            ("Leads touched within 1 hour", 2),
            ("Leads touched within 24 hours", 3),
        ):
            want = f"{format_count(sum(counts[:upto]))} of {total} new leads"
            if rows.get(label) != want:
                found.append(f"{team}: {label} says {rows.get(label)!r}, the chart: {want!r}")

    # --- words that contradict the marks -------------------------------------------------
    for where, page in pages.items():
        text = page_text(page)
        if "no item is out of standard" in text:
            found.append(f"{where}: claims no review item is out of standard")
        if re.search(r"0 of the \d+ teams (judged )?fail", text):
            found.append(f"{where}: a finding says 0 teams fail")
    return found
