"""What each report section shows: results reshaped for people, one call per notebook cell.

The notebooks tell the story; these functions pick the rows for a team, put the team beside
the organization, label every column in plain words and say "not assessed" when a section's
inputs are missing. Functions ending in a noun return a pandas DataFrame (for analysts and
tests); the notebooks hand them to :func:`kit.report.present.table` or use the ``*_block`` helpers
that return finished report blocks.

Examples
--------
>>> format_metric(0.583, "share"), format_metric(95.0, "minutes"), format_metric(1250, "currency")
('58%', '1.6 hours', '$1,250')
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from kit.dataset import Dataset
from kit.diagnostics.metrics import METRICS, SECTIONS
from kit.diagnostics.run import diagnose
from kit.report import plots, present
from kit.results import Results, load_results
from kit.schema import label

__all__ = [
    "BORROWER_COLUMNS",
    "REVIEW_ITEMS",
    "borrowers",
    "compliance",
    "data_inventory",
    "definitions",
    "demo_dir",
    "executive_summary",
    "format_metric",
    "key_numbers",
    "open_borrowers",
    "open_results",
    "organization_block",
    "organization_summary",
    "portfolio_scores",
    "producer_scorecard",
    "report_header",
    "resolve_team",
    "review_blocks",
    "review_list",
    "rule_labels",
    "seat_roi",
    "section_block",
    "section_metrics",
    "section_status",
    "team_findings",
]

#: Review-list items, in the order a manager walks through them, with their plain titles.
REVIEW_ITEMS: dict[str, str] = {
    "stale_loan": "Open loans with no stage change in 14+ days",
    "untouched_lead": "New leads nobody has touched",
    "overdue_next_step": "Overdue next steps",
    "missing_next_step": "Calls and meetings with no next step",
    "past_client_out_of_cadence": "Past clients not touched in 90+ days",
    "partner_out_of_cadence": "Referral partners not touched in 30+ days",
    "missing_lead_source": "New contacts with no lead source",
    "funded_loan_missing_from_crm": "Funded loans missing from the CRM",
}


# --------------------------------------------------------------------------- loading
def demo_dir(*, seed: int = 7) -> Path:
    """The bundled demo organization, assessed once and cached in the temp folder.

    Holds ``dataset/`` (the intake dataset) and ``results/`` (the results bundle: the
    follow-up assessment against the demo's baseline and standards, as ``adoption-kit demo``
    makes it). This is what the notebooks open when their folder parameters are blank, so
    "Run All" in JupyterLab works on a fresh install with no set-up.
    """
    from kit._version import __version__
    from kit.dataset import is_dataset, write_dataset
    from kit.demo.organization import write_export
    from kit.intake import read_export

    # "followup": the demo assessed against its baseline (older caches hold a single one)
    name = f"crm-adoption-kit-demo-{__version__}-seed{seed}-followup"
    folder = Path(tempfile.gettempdir()) / name
    if not (folder / "results" / "results.json").is_file() or not is_dataset(folder / "dataset"):
        export = folder / f"export-{os.getpid()}"
        write_export(export, scale="small", seed=seed, replace=True)
        dataset = read_export(export)
        write_dataset(dataset, folder / "dataset", replace=True)
        standards, baseline = _demo_follow_up(folder, seed=seed)
        diagnose(dataset, standards=standards, baselines=[baseline]).write(
            folder / "results", replace=True
        )
        shutil.rmtree(export, ignore_errors=True)
    return folder


def _demo_follow_up(folder: Path, *, seed: int) -> tuple[Any, Results]:
    """The demo's standards and baseline (see :mod:`kit.diagnostics.demo_baseline`)."""
    from kit.diagnostics.demo_baseline import demo_baseline, demo_standards

    path = folder / "standards.yaml"
    standards = demo_standards(path, source=str(path))
    return standards, demo_baseline(folder, scale="small", seed=seed, standards=standards)


def open_results(results_dir: str | os.PathLike[str] = "") -> Results:
    """Open a results bundle; a blank ``results_dir`` opens the demo organization's."""
    return load_results(results_dir or demo_dir() / "results")


def resolve_team(results: Results, team: str = "") -> str:
    """The team a report is for: ``team`` itself, or the first team when blank."""
    teams = results.teams()
    if not team:
        if not teams:
            raise ValueError("the results have no teams")
        return teams[0]
    if team not in teams:
        from kit.exceptions import ParameterError

        raise ParameterError(f"team {team!r} is not in the results; teams: {', '.join(teams)}")
    return team


# --------------------------------------------------------------------------- formatting
def _duration(minutes: float) -> str:
    if minutes < 1:
        return "under 1 minute"
    if minutes < 90:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} hours"
    return f"{minutes / 1440:,.1f} days"


def format_metric(value: float | None, unit: str) -> str:
    """A metric value in words and numbers, by its unit; blank values say "not assessed"."""
    if value is None or pd.isna(value):
        return "not assessed"
    if unit == "share":
        text = f"{value:.0%}"
        return "<1%" if value > 0 and text == "0%" else text
    if unit == "minutes":
        return _duration(float(value))
    if unit == "days":
        return f"{value:,.1f} days"
    if unit == "currency":
        return f"${value:,.0f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _evidence(numerator: float, denominator: float, unit: str) -> str:
    if pd.isna(denominator):
        return ""
    if unit == "share" and pd.notna(numerator):
        return f"{numerator:,.0f} of {denominator:,.0f}"
    return f"{denominator:,.0f} records"


# --------------------------------------------------------------------------- header, summary
def report_header(
    results: Results, *, title: str, team: str | None = None, show_pii: bool = False
) -> present.Fragment:
    """The branded header facts of a report (client, team, as-of date, window, data range)."""
    p = results.parameters
    return present.header(
        client=p.get("client") or "Client",
        title=title,
        team=team,
        as_of=p["as_of"],
        window_start=p["window_start"],
        window_end=p["as_of"],
        data_start=p.get("data_start") or p["window_start"],
        data_end=p.get("data_end") or p["as_of"],
        show_pii=show_pii,
    )


def team_findings(results: Results, team: str) -> pd.DataFrame:
    """The team's findings in rank order: the team's own, then its producers'."""
    f = results.findings
    rows = f[(f["team"] == team) & f["scope"].isin(["team", "producer"])]
    order = rows.assign(_team_first=(rows["scope"] != "team").astype(int))
    return order.sort_values(["_team_first", "team_rank", "rank"], kind="stable").drop(
        columns="_team_first"
    )


def _score(results: Results, *, scope: str, team: str | None = None) -> float | None:
    s = results.scores
    rows = s[(s["scope"] == scope) & ((s["team"] == team) if team else s["team"].isna())]
    if rows.empty or pd.isna(rows["score"].iloc[0]):
        return None
    return float(rows["score"].iloc[0])


def executive_summary(results: Results, team: str, *, top_n: int = 5) -> present.Fragment:
    """The executive-summary card: score, the findings that matter most, what to require."""
    return present.summary_card(
        score=_score(results, scope="team", team=team),
        score_label=f"{team}: adoption score",
        findings=team_findings(results, team),
        top_n=top_n,
    )


def _metric_value(results: Results, metric: str, *, team: str | None) -> pd.Series | None:
    m = results.metrics
    scope = "team" if team else "organization"
    rows = m[(m["scope"] == scope) & (m["metric"] == metric)]
    rows = rows[rows["team"] == team] if team else rows
    return None if rows.empty else rows.iloc[0]


def key_numbers(results: Results, team: str) -> present.Fragment:
    """Headline numbers of a team: the handful a leader reads before anything else."""
    tiles = []
    for metric, note in (
        ("active_last_week", "of producers logged work in the CRM last week"),
        ("stale_open_loans", "of open loans have a stale stage"),
        ("speed_to_lead_1h", "of new leads touched within an hour"),
        ("conversations_with_next_step", "of calls and meetings have a next step"),
        ("funded_loans_in_crm", "of funded loans exist in the CRM"),
    ):
        row = _metric_value(results, metric, team=team)
        if row is None or not row["assessed"]:
            continue
        tiles.append(
            present.Headline(
                METRICS[metric].label,
                row["value"],
                format="percent",
                note=f"{note} ({_evidence(row['numerator'], row['denominator'], row['unit'])})",
            )
        )
    return present.headlines(tiles)


# --------------------------------------------------------------------------- sections
def section_status(results: Results, section: str, *, team: str | None) -> str | None:
    """Why a section is not assessed for ``team`` (the organization when ``None``); ``None``
    when something was measured."""
    m = results.metrics
    if team is None:
        rows = m[m["scope"] == "organization"]
    else:
        rows = m[(m["scope"] == "team") & (m["team"] == team)]
    rows = rows[rows["metric"].map(lambda k: METRICS[k].section) == section]
    if rows.empty:
        return f"not assessed: no metric of {SECTIONS.get(section, section)} applies"
    if rows["assessed"].any():
        return None
    return str(rows["reason"].dropna().iloc[0]) if rows["reason"].notna().any() else None


def section_metrics(results: Results, section: str, *, team: str) -> pd.DataFrame:
    """The section's metrics for the team beside the whole organization.

    Columns: Measure, ``team``, Organization, Based on (the count behind the team's value).
    """
    m = results.metrics
    ids = [k for k, metric in METRICS.items() if metric.section == section]
    team_rows = m[(m["scope"] == "team") & (m["team"] == team) & m["metric"].isin(ids)]
    org_rows = m[(m["scope"] == "organization") & m["metric"].isin(ids)].set_index("metric")
    out = []
    for row in team_rows.itertuples(index=False):  # one row per metric: a handful
        org = org_rows["value"].get(row.metric)
        out.append(
            {
                "Measure": METRICS[row.metric].label,
                team: format_metric(row.value, row.unit) if row.assessed else "not assessed",
                "Organization": format_metric(org, row.unit),
                "Based on": _evidence(row.numerator, row.denominator, row.unit)
                if row.assessed
                else str(row.reason or ""),
            }
        )
    return pd.DataFrame(out, columns=["Measure", team, "Organization", "Based on"])


def compliance(results: Results, team: str) -> pd.DataFrame:
    """Every standard with the team's measured value, its target and pass / warn / fail."""
    c = results.compliance
    rows = c[(c["scope"] == "team") & (c["team"] == team)].sort_values("rule_order")
    units = rows["metric"].map(lambda k: METRICS[k].unit)
    return pd.DataFrame(
        {
            "Standard": rows["statement"].to_numpy(),
            "Measured": [format_metric(v, u) for v, u in zip(rows["value"], units, strict=True)],
            "Target": [
                ("at least " if d == "at_least" else "at most ") + format_metric(t, u)
                for t, d, u in zip(rows["target"], rows["direction"], units, strict=True)
            ],
            "Based on": [
                _evidence(n, d, u) if s != "not_assessed" else str(r)
                for n, d, u, s, r in zip(
                    rows["numerator"],
                    rows["denominator"],
                    units,
                    rows["status"],
                    rows["reason"],
                    strict=True,
                )
            ],
            "Status": rows["status"].to_numpy(),
            "Owner": rows["owner_role"].map(label).to_numpy(),
        }
    )


def producer_scorecard(results: Results, team: str) -> pd.DataFrame:
    """One row per producer: score, archetype and the behaviours behind it."""
    s = results.scores
    rows = s[(s["scope"] == "producer") & (s["team"] == team)]
    m = results.metrics
    wide = m[(m["scope"] == "producer") & (m["team"] == team)].pivot_table(
        index="producer_id", columns="metric", values="value", aggfunc="first"
    )
    picks = {
        "weeks_active_since_launch": "Weeks active since launch",
        "active_last_week": "Active last week",
        "stale_open_loans": "Stale open loans",
        "speed_to_lead_1h": "Leads touched within 1 hour",
        "conversations_with_next_step": "Conversations with a next step",
        "new_contacts_with_lead_source": "New contacts with lead source",
    }
    out = pd.DataFrame(
        {
            "Producer": rows["producer_name"].to_numpy(),
            "Score": rows["score"].to_numpy(),
            "Archetype": rows["archetype"].map(label, na_action="ignore").to_numpy(),
            "Why": rows["archetype_reason"].to_numpy(),
        }
    )
    for metric, title in picks.items():
        values = wide[metric] if metric in wide else pd.Series(dtype="float64")
        out[title] = rows["producer_id"].map(values).to_numpy(dtype="float64")
    return out.sort_values(["Score", "Producer"], ascending=[False, True], na_position="last")


#: The table a review item's record id belongs to (to name its borrower in an internal copy).
_RECORD_TABLES: dict[str, str | None] = {
    "stale_loan": "opportunities",
    "untouched_lead": "contacts",
    "overdue_next_step": "activities",
    "missing_next_step": "activities",
    "past_client_out_of_cadence": "contacts",
    "partner_out_of_cadence": "contacts",
    "missing_lead_source": "contacts",
    "funded_loan_missing_from_crm": None,
}
#: Columns an internal consultant copy adds to the review list.
BORROWER_COLUMNS: tuple[str, ...] = ("Borrower", "Email", "Phone")


def open_borrowers(results: Results, dataset_dir: str | os.PathLike[str] = "") -> Dataset:
    """The intake dataset's contacts, loans and activities, to name the borrowers of the review
    list in an internal consultant copy (``show_pii``); a blank folder opens the demo's.

    Raises
    ------
    ParameterError
        The dataset is not the one ``results`` were computed from (other row counts).
    """
    from kit.dataset import load_dataset

    folder = dataset_dir or demo_dir() / "dataset"
    dataset = load_dataset(folder, tables=("contacts", "opportunities", "activities"))
    assessed = results.parameters.get("tables", {})
    other = [t for t, frame in dataset.tables.items() if assessed.get(t) != len(frame)]
    if other:
        from kit.exceptions import ParameterError

        raise ParameterError(
            f"{folder} is not the dataset these results were computed from "
            f"({', '.join(other)} differ): give the dataset_dir of the same run"
        )
    return dataset


def _id_map(frame: pd.DataFrame, key: str, column: str) -> pd.Series:
    return pd.Series(frame[column].to_numpy(dtype=object), index=frame[key].to_numpy(dtype=object))


def borrowers(dataset: Dataset, item: str, record_ids: pd.Series) -> pd.DataFrame:
    """Borrower name, email and phone of each review record (blank when it has none).

    Loans and activities name the borrower of their contact (an activity without a contact,
    the borrower of its loan); LOS loans missing from the CRM have none.
    """
    ids = pd.Series(record_ids.to_numpy(dtype=object))
    table = _RECORD_TABLES.get(item)
    contact = pd.Series(None, index=ids.index, dtype=object)
    opp_contact = (
        _id_map(dataset["opportunities"], "opportunity_id", "contact_id")
        if dataset.has("opportunities")
        else pd.Series(dtype=object)
    )
    if table == "contacts":
        contact = ids
    elif table == "opportunities":
        contact = ids.map(opp_contact)
    elif table == "activities" and dataset.has("activities"):
        acts = dataset["activities"]
        via_loan = ids.map(_id_map(acts, "activity_id", "opportunity_id")).map(opp_contact)
        contact = ids.map(_id_map(acts, "activity_id", "contact_id")).fillna(via_loan)
    if not dataset.has("contacts"):
        return pd.DataFrame(
            {c: pd.Series(None, index=ids.index, dtype=object) for c in BORROWER_COLUMNS}
        )
    people = dataset["contacts"]
    name = (
        people["first_name"].astype("str").fillna("")
        + " "
        + people["last_name"].astype("str").fillna("")
    ).str.strip()
    named = people.assign(_name=name.where(name != ""))
    return pd.DataFrame(
        {
            "Borrower": contact.map(_id_map(named, "contact_id", "_name")),
            "Email": contact.map(_id_map(people, "contact_id", "email")),
            "Phone": contact.map(_id_map(people, "contact_id", "phone")),
        }
    )


def review_list(
    results: Results,
    team: str,
    *,
    item: str,
    limit: int | None = None,
    show_pii: bool = False,
    dataset: Dataset | None = None,
) -> pd.DataFrame:
    """One part of the weekly manager review list: record, producer, age and context.

    Oldest first, since the oldest items are the ones a meeting should clear. With
    ``show_pii`` (an internal consultant copy) the borrower's name, email and phone follow
    the record, looked up in ``dataset`` (see :func:`open_borrowers`); a leader report never
    has those columns.
    """
    r = results.review_list
    rows = r[(r["team"] == team) & (r["item"] == item)]
    rows = rows.sort_values(["age_days", "record_id"], ascending=[False, True], kind="stable")
    if limit is not None:
        rows = rows.head(limit)
    out = pd.DataFrame({"Record": rows["record_id"].to_numpy()})
    if show_pii:
        if dataset is None:
            from kit.exceptions import ParameterError

            raise ParameterError(
                "show_pii names borrowers from the intake dataset: pass dataset=open_borrowers()"
            )
        out = pd.concat([out, borrowers(dataset, item, rows["record_id"])], axis=1)
    return out.assign(
        **{
            "Producer": rows["producer_name"].to_numpy(),
            "Age (days)": rows["age_days"].to_numpy(),
            "What to check": rows["detail"].to_numpy(),
        }
    )


def _section_chart(results: Results, section: str, team: str | None) -> plots.Chart | None:
    if section == "adoption":
        from kit.report.change_views import curve_marks  # marks baselines, required dates

        return plots.adoption_curves(
            results.weekly, highlight=team, marks=curve_marks(results, team)
        )
    if section == "follow_up" and team is not None:
        return plots.speed_to_lead(results.speed_to_lead, team=team)
    if section == "marketing":
        return plots.lead_source_outcomes(results.sources, team=team)
    if section == "shadow_pipeline":
        return plots.shadow_pipeline(results.shadow_pipeline, team=team)
    if section == "data_quality" and team is not None:
        return plots.data_health(results.data_quality, team=team)
    if section == "seat_roi" and team is None:
        return plots.seat_roi(results.seat_roi)
    return None


def section_block(results: Results, section: str, *, team: str) -> present.Fragment:
    """A report section's body: its chart (if it has one) and its measures table, or the
    reason it could not be assessed."""
    reason = section_status(results, section, team=team)
    if reason is not None:
        return present.not_assessed(reason.removeprefix("not assessed: "))
    parts = []
    chart = _section_chart(results, section, team)
    if chart is not None:
        parts.append(chart._repr_html_())
    parts.append(present.table(section_metrics(results, section, team=team)).data)
    return present.Fragment("\n".join(parts))


def review_blocks(
    results: Results,
    team: str,
    *,
    limit: int = 25,
    show_pii: bool = False,
    dataset_dir: str | os.PathLike[str] = "",
) -> present.Fragment:
    """The whole weekly manager review list, one titled table per kind of item.

    ``show_pii`` (an internal consultant copy) adds each record's borrower, read from the
    intake dataset in ``dataset_dir`` (blank: the demo organization's); otherwise the dataset
    is not opened and no borrower data is shown.
    """
    parts = []
    counts = results.review_list[results.review_list["team"] == team]["item"].value_counts()
    dataset = open_borrowers(results, dataset_dir) if show_pii and len(counts) else None
    formats = {"Record": "text", "Producer": "text", "Age (days)": "count"}
    formats.update({"Borrower": "name", "Email": "email", "Phone": "phone"} if show_pii else {})
    for item, title in REVIEW_ITEMS.items():
        total = int(counts.get(item, 0))
        if total == 0:
            continue
        parts.append(present.heading(f"{title} ({total:,})", level=3).data)
        rows = review_list(
            results, team, item=item, limit=limit, show_pii=show_pii, dataset=dataset
        )
        parts.append(
            present.table(rows, formats=formats, show_pii=show_pii).data
            + (
                f'<p class="kit-table__note">The {limit} oldest of {total:,}; the full list is in '
                "data/csv/review_list.csv.</p>"
                if total > limit
                else ""
            )
        )
    if not parts:
        return present.callout(
            "Nothing to review this week: no item is out of standard.", kind="good"
        )
    return present.Fragment("\n".join(parts))


# --------------------------------------------------------------------------- portfolio
def seat_roi(results: Results) -> pd.DataFrame:
    """Seats paid for, producers active and what idle seats cost, per team."""
    roi = results.seat_roi.sort_values("team")
    return pd.DataFrame(
        {
            "Team": roi["team"].to_numpy(),
            "Seats": roi["seats"].round().astype("Int64").to_numpy(),
            "Producers active": roi["active_producers"].round().astype("Int64").to_numpy(),
            "Idle seats": roi["idle_seats"].round().astype("Int64").to_numpy(),
            "Monthly cost": roi["monthly_cost"].to_numpy(),
            "Cost per active producer": roi["cost_per_active_producer"].to_numpy(),
            "Monthly spend on idle seats": roi["idle_seat_spend"].to_numpy(),
        }
    )


def rule_labels(results: Results) -> dict[str, str]:
    """Short names of the standards (the label of the metric each one measures)."""
    c = results.compliance.drop_duplicates("rule_id")
    return {r: METRICS[m].label for r, m in zip(c["rule_id"], c["metric"], strict=True)}


def organization_block(results: Results, section: str) -> present.Fragment:
    """A portfolio section: its chart across teams (and table), or why it was not assessed."""
    reason = section_status(results, section, team=None)
    if reason is not None:
        return present.not_assessed(reason.removeprefix("not assessed: "))
    parts = []
    chart = _section_chart(results, section, None)
    if chart is not None:
        parts.append(chart._repr_html_())
    if section == "seat_roi":
        money = ("Monthly cost", "Cost per active producer", "Monthly spend on idle seats")
        parts.append(
            present.table(seat_roi(results), formats=dict.fromkeys(money, "currency")).data
        )
    return present.Fragment("\n".join(parts))


def organization_summary(results: Results, *, top_n: int = 5) -> present.Fragment:
    """The organization's executive-summary card for the portfolio."""
    f = results.findings
    return present.summary_card(
        score=_score(results, scope="organization"),
        score_label="Organization: adoption score",
        findings=f[f["scope"] == "organization"].sort_values("rank"),
        top_n=top_n,
    )


def portfolio_scores(
    results: Results,
    *,
    team_reports: dict[str, str] | None = None,
    failed_teams: list[str] | None = None,
) -> pd.DataFrame:
    """Every team side by side: score, standards met, producers by archetype, idle seats.

    ``Report`` holds the relative link of each team's report (blank when it was not rendered);
    ``Team report`` is the team's name, marked when its report failed.
    """
    s = results.scores
    teams = s[s["scope"] == "team"].set_index("team")
    producers = s[s["scope"] == "producer"]
    archetypes = (
        producers.groupby(["team", "archetype"], observed=True).size().unstack(fill_value=0)
    )
    roi = results.seat_roi.set_index("team")
    out = pd.DataFrame(index=pd.Index(sorted(teams.index), name="Team"))
    out["Score"] = teams["score"]
    out["Standards passed"] = (
        teams["passed"].astype("Int64").astype("str")
        + " of "
        + teams["rules_assessed"].astype("Int64").astype("str")
    )
    for kind in ("consistent", "partial", "lapsed", "never_adopted"):
        counts = archetypes[kind] if kind in archetypes else pd.Series(dtype="int64")
        out[label(kind)] = counts.reindex(out.index).fillna(0).astype("int64")
    out["Idle seats"] = roi["idle_seats"].reindex(out.index).round().astype("Int64")
    out["Report"] = [(team_reports or {}).get(t) for t in out.index]
    out = out.reset_index()
    failed = set(failed_teams or [])
    out["Team report"] = [f"{t} (report failed)" if t in failed else t for t in out["Team"]]
    return out.sort_values(["Score", "Team"], ascending=[False, True], na_position="last")


# --------------------------------------------------------------------------- appendix
def definitions(*, sections: list[str] | None = None) -> pd.DataFrame:
    """The metric catalogue in plain words, for the report's appendix."""
    rows = [
        {
            "Section": SECTIONS.get(m.section, m.section),
            "Measure": m.label,
            "Definition": m.definition,
        }
        for m in METRICS.values()
        if sections is None or m.section in sections
    ]
    return pd.DataFrame(rows, columns=["Section", "Measure", "Definition"])


def data_inventory(results: Results) -> pd.DataFrame:
    """The tables the assessment used and how many rows each had."""
    tables = results.parameters.get("tables", {})
    from kit.schema import TABLES

    return pd.DataFrame(
        [
            {"Table": name, "What it holds": TABLES[name].description, "Rows": tables.get(name)}
            for name in TABLES
        ]
    ).assign(Rows=lambda f: f["Rows"].astype("Int64"))
