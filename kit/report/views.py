"""What each report section shows: results reshaped for people, one call per notebook cell.

The notebooks tell the story; these functions pick the rows for a team, put the team beside
the organization, label every column in plain words and say "not assessed" when a section's
inputs are missing. Functions ending in a noun return a pandas DataFrame (for analysts and
tests); the notebooks hand them to :func:`kit.report.present.table` or use the ``*_block`` helpers
that return finished report blocks.

Every value is written by :mod:`kit.formatting` (the one formatter) and judged by the
evidence rules of :mod:`kit.diagnostics.evidence` (not assessed, too few to judge, not enough
evidence), and every sentence that names a threshold, a cadence or a colour band is built
from the standards in the results bundle, never typed in.

One module, though long: every view reads the bundle through the same team selection,
labels and evidence rules (the data-quality and change views have their own modules).

Examples
--------
>>> metric_text({}, "stale_open_loans", 0.0997, denominator=40)
'10%'
>>> metric_text({}, "speed_to_lead_1h", 0.5, denominator=2)
'too few to judge'
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, SupportsFloat, cast

import numpy as np
import pandas as pd

from kit._memory_pool import release_memory
from kit.dataset import Dataset
from kit.diagnostics.evidence import MIN_WEIGHT_SHARE, TOO_FEW, too_few
from kit.diagnostics.metrics import METRICS
from kit.diagnostics.review import REVIEW_ITEMS, review_title
from kit.diagnostics.standards import DEFAULT_SCORE_BANDS
from kit.formatting import format_count, format_level, format_of, format_standard, format_value
from kit.report import plots, present
from kit.results import Results, load_results
from kit.schema import label
from kit.sections import section_title

__all__ = [
    "BORROWER_COLUMNS",
    "borrowers",
    "compliance",
    "data_inventory",
    "definitions",
    "demo_dir",
    "executive_summary",
    "export_requests",
    "export_requests_block",
    "key_numbers",
    "metric_text",
    "open_borrowers",
    "open_results",
    "organization_block",
    "organization_summary",
    "portfolio_scores",
    "portfolio_table",
    "producer_scorecard",
    "release_results",
    "report_header",
    "resolve_team",
    "review_blocks",
    "review_list",
    "rule_labels",
    "score_bands",
    "score_chart",
    "score_evidence",
    "score_method",
    "scorecard_block",
    "seat_roi",
    "section_block",
    "section_metrics",
    "section_status",
    "standards_note",
    "team_findings",
]

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
    from kit.diagnostics.run import diagnose
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
    """Open a results bundle; a blank ``results_dir`` opens the demo organization's.

    A kernel that writes one report after another (a report worker's) reads a bundle once:
    the next call for the same, unchanged folder gets the bundle already read, as a copy of
    its own (pandas copies a frame on write, so a notebook that changes its copy changes no
    other report's). A bundle written again (other files, sizes or times) is read again.
    """
    folder = Path(results_dir or demo_dir() / "results").resolve()
    key = (folder, _fingerprint(folder))
    if _READ.get("key") != key:
        _READ.clear()
        _READ.update(key=key, results=load_results(folder))
    read: Results = _READ["results"]
    return Results(
        **{name: frame.copy(deep=False) for name, frame in read.frames().items()},
        parameters=copy.deepcopy(read.parameters),
    )


#: The last bundle :func:`open_results` read in this process, by its folder's fingerprint.
_READ: dict[str, Any] = {}


def release_results() -> None:
    """Forget the bundle :func:`open_results` keeps and where each team's rows are in it,
    and hand the memory back to the system.

    A report worker's kernel keeps the last bundle it read for its next report; a Dask
    cluster's workers keep their kernels from one run to the next, so each run ends with
    this (:func:`kit.report.execute.release_kernel`). The next :func:`open_results` reads
    the bundle again.

    >>> release_results()
    >>> _READ, _TEAM_ROWS
    ({}, {})
    """
    _READ.clear()
    _TEAM_ROWS.clear()
    release_memory()


def _fingerprint(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, size and modification time of every file of a bundle (empty when absent)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return ()
    return tuple((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in entries if e.is_file())


def _team_rows(frame: pd.DataFrame, team: str, *, name: str) -> pd.DataFrame:
    """The rows of ``frame`` (the bundle's frame ``name``) whose team is ``team``: the same
    rows, in the same order and with the same index, as ``frame[frame["team"] == team]``.

    Comparing every row's team with the report's took time that grew with the organization
    (half a second per report for the 2 million rows of a 550-team review list). A report
    worker's kernel writes one team's report after another from the same bundle, so where
    each team's rows are is found once and kept while the frame's team column holds the very
    data it was found in: the Arrow array of the bundle :func:`open_results` read, which every
    report's copy shares. A team column replaced or written into (with pandas' copy on write,
    an array of its own) is looked at afresh; one not held by Arrow is compared row by row.

    >>> f = pd.DataFrame({"team": ["North", "South", "North"], "calls": [1, 2, 3]})
    >>> _team_rows(f, "North", name="example")["calls"].tolist()
    [1, 3]
    >>> f.loc[1, "team"] = "North"  # written into: found again
    >>> _team_rows(f, "North", name="example").index.tolist()
    [0, 1, 2]
    """
    column = frame["team"]
    to_arrow = getattr(column.array, "__arrow_array__", None)
    data = None if to_arrow is None else to_arrow()
    if to_arrow is None or data is not to_arrow():  # not one array held: no identity to key
        return frame[column == team]
    held = _TEAM_ROWS.get(name)
    if held is None or held[0] is not data:
        codes, teams = pd.factorize(column)
        order = np.argsort(codes, kind="stable")  # each team's rows together, in frame order
        bounds = np.searchsorted(codes[order], np.arange(len(teams) + 1))
        where = {str(t): order[bounds[i] : bounds[i + 1]] for i, t in enumerate(teams)}
        held = _TEAM_ROWS[name] = (data, where)
    return frame.take(held[1].get(team, np.empty(0, dtype=np.intp)))


#: Where each team's rows are in a bundle frame, by the frame's name: the team column's data
#: they were found in (held, so it is the same object while it lives) and team -> positions.
_TEAM_ROWS: dict[str, tuple[object, dict[str, np.ndarray]]] = {}


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
def _standards(results: Results | Mapping[str, Any]) -> Mapping[str, Any]:
    """The standards dict of a results bundle (or a standards dict itself)."""
    if isinstance(results, Results):
        return results.parameters.get("standards") or {}
    return results


def _rule_of(standards: Mapping[str, Any], metric: str) -> Mapping[str, Any] | None:
    """The first rule of the standards that measures ``metric`` (it judges the value)."""
    for rule in standards.get("rules", []):
        if rule.get("metric") == metric:
            return rule
    return None


def _judged_by(standards: Mapping[str, Any], metric: str) -> dict[str, Any]:
    rule = _rule_of(standards, metric)
    if rule is None:
        return {}
    return {"direction": rule["direction"], "target": rule["target"], "warn": rule.get("warn")}


def metric_text(
    results: Results | Mapping[str, Any],
    metric: str,
    value: object,
    *,
    denominator: object = None,
    assessed: bool = True,
) -> str:
    """A metric's value as every surface of the report writes it.

    ``not assessed`` when it could not be measured, ``too few to judge`` when it rests on
    fewer records than the evidence minimum, else the value written by
    :func:`kit.formatting.format_value`, threshold-safe against the standard that measures
    ``metric`` (so a value that misses its target never reads as the target).
    ``results`` is a results bundle or its standards dict.
    """
    unit = METRICS[metric].unit
    if not assessed or value is None or pd.isna(value):
        return "not assessed"
    den = (
        np.nan
        if denominator is None or pd.isna(denominator)
        else float(cast(SupportsFloat, denominator))
    )
    if too_few(np.array([den]), unit)[0]:
        return TOO_FEW
    return format_value(value, unit, **_judged_by(_standards(results), metric))


def _based_on(metric: str, numerator: object, denominator: object) -> str:
    """The counts behind a value: ``786 of 937 calls and meetings`` / ``226 touched leads``."""
    if denominator is None or pd.isna(denominator):
        return ""
    noun = METRICS[metric].noun
    if METRICS[metric].unit == "share" and numerator is not None and pd.notna(numerator):
        return format_of(numerator, denominator, noun)
    return f"{format_count(denominator)} {noun}"


def score_bands(results: Results) -> tuple[float, float]:
    """Where the adoption score turns amber and green, from the standards in the bundle."""
    bands = _standards(results).get("score_bands") or {}
    if "amber" in bands and "green" in bands:
        return float(bands["amber"]), float(bands["green"])
    return DEFAULT_SCORE_BANDS


# --------------------------------------------------------------------------- header, summary
def report_header(
    results: Results, *, title: str, team: str | None = None, show_pii: bool = False
) -> present.Fragment:
    """The branded header facts of a report (client, team, as-of date, window, data range)."""
    p = results.parameters
    return present.header(
        client=p.get("client"),
        title=title,
        team=team,
        as_of=p["as_of"],
        window_start=p["window_start"],
        window_end=p["as_of"],
        data_start=p.get("data_start") or p["window_start"],
        data_end=p.get("data_end") or p["as_of"],
        show_pii=show_pii,
        warnings=p.get("warnings") or (),
    )


def team_findings(results: Results, team: str) -> pd.DataFrame:
    """The team's findings (its own and its producers') in rank order: severity first, then
    impact, the same order as the organization's ranking (``team_rank``)."""
    f = _team_rows(results.findings, team, name="findings")
    rows = f[f["scope"].isin(["team", "producer"])]
    return rows.sort_values(["team_rank", "rank"], kind="stable")


def _score_row(results: Results, *, scope: str, team: str | None = None) -> pd.Series | None:
    s = results.scores
    rows = s[(s["scope"] == scope) & ((s["team"] == team) if team else s["team"].isna())]
    return None if rows.empty else rows.iloc[0]


def _score(results: Results, *, scope: str, team: str | None = None) -> float | None:
    row = _score_row(results, scope=scope, team=team)
    if row is None or pd.isna(row["score"]):
        return None
    return float(row["score"])


def _standards_counted(row: pd.Series) -> tuple[int, int]:
    """(standards judged, standards that apply) of a scores row."""
    judged = int(row.get("rules_assessed", 0) or 0)
    total = judged + int(row.get("not_assessed", 0) or 0) + int(row.get("too_few", 0) or 0)
    return judged, total


def score_evidence(row: pd.Series | None) -> str:
    """What a score rests on, in words: ``Based on 10 of 11 standards.`` or why there is none.

    A score needs at least half of the standards' weight judged; below that it is "not
    enough evidence" and the sentence names the standards not judged and why.
    """
    if row is None:
        return "No standard applies."
    judged, total = _standards_counted(row)
    if pd.notna(row.get("score")):
        return f"Based on {judged} of {total} standards."
    weight, of = float(row.get("weight_assessed", 0) or 0), float(row.get("weight_total", 0) or 0)
    text = (
        f"Not enough evidence to score: {judged} of {total} standards could be judged, "
        f"carrying {weight:g} of their {of:g} weight (at least {MIN_WEIGHT_SHARE:.0%} is needed)."
    )
    missing = row.get("missing")
    if isinstance(missing, str) and missing:
        text += f" Not judged: {missing}."
    return text


def _no_findings(row: pd.Series | None) -> str:
    judged = 0 if row is None else _standards_counted(row)[0]
    if judged == 0:
        return "No findings: no standard could be judged on this data."
    return f"No findings: each of the {judged} standards judged was met."


def executive_summary(results: Results, team: str, *, top_n: int = 5) -> present.Fragment:
    """The executive-summary card: score (or why there is none), the findings that matter
    most (severity first), what to require."""
    row = _score_row(results, scope="team", team=team)
    return present.summary_card(
        score=_score(results, scope="team", team=team),
        score_label=f"{team}: adoption score",
        findings=team_findings(results, team),
        top_n=top_n,
        bands=score_bands(results),
        not_scored="Not enough evidence",
        score_note=score_evidence(row),
        no_findings=_no_findings(row),
    )


def _scope_metrics(results: Results, team: str | None) -> pd.DataFrame:
    """The metric rows of ``team`` (the organization's when ``None``), in bundle order, with
    each metric's report section in a ``section`` column (blank for a metric the catalogue
    does not know).

    Taken from the 22,840-row metrics frame of a large organization once per bundle and
    team, then kept on the bundle: a report asks for its team's metrics a few dozen times.
    A bundle whose ``metrics`` frame was replaced is filtered again.

    >>> from kit.results import FRAMES, _empty
    >>> r = Results(**{name: _empty(name) for name in FRAMES})
    >>> r.metrics = pd.DataFrame({"scope": ["team", "team", "organization"],
    ...     "team": ["North", "South", None], "metric": ["funded_loans_in_crm"] * 3})
    >>> _scope_metrics(r, "North")[["team", "section"]].values.tolist()
    [['North', 'shadow_pipeline']]
    >>> _scope_metrics(r, "North") is _scope_metrics(r, "North")
    True
    >>> r.metrics = r.metrics.iloc[1:]  # a new frame: filtered again
    >>> len(_scope_metrics(r, "North")), len(_scope_metrics(r, None))
    (0, 1)
    """
    cache: dict[str | None, tuple[pd.DataFrame, pd.DataFrame]]
    cache = results.__dict__.setdefault("_scope_metrics", {})
    m = results.metrics
    held = cache.get(team)
    if held is not None and held[0] is m:
        return held[1]
    if team is None:
        rows = m[m["scope"] == "organization"]
    else:
        mine = _team_rows(m, team, name="metrics")
        rows = mine[mine["scope"] == "team"]
    sections = [getattr(METRICS.get(k), "section", "") for k in rows["metric"]]
    rows = rows.assign(section=pd.Series(sections, index=rows.index, dtype="object"))
    cache[team] = (m, rows)
    return rows


def _metric_value(results: Results, metric: str, *, team: str | None) -> pd.Series | None:
    rows = _scope_metrics(results, team or None)
    rows = rows[rows["metric"] == metric].drop(columns="section")
    return None if rows.empty else rows.iloc[0]


def _metric_param(results: Results, metric: str, key: str) -> object:
    """A metric parameter as the run's standards set it (else the catalogue's default)."""
    for rule in (results.parameters.get("standards") or {}).get("rules", []):
        if rule.get("metric") == metric and key in (rule.get("params") or {}):
            return rule["params"][key]
    return METRICS[metric].params.get(key)


def key_numbers(results: Results, team: str) -> present.Fragment:
    """Headline numbers of a team: the handful a leader reads before anything else.

    A number measured on too few records says so, with its counts.
    """
    tiles = []
    logged = _metric_value(results, "active_last_week", team=team)
    by_records = (
        (("weekly_record_producers", "of producer-weeks saw records created or updated"),)
        if logged is None or not logged["assessed"]
        else ()
    )
    days = _metric_param(results, "aged_open_loans", "days")
    for metric, note in (
        ("active_last_week", "of producers logged work in the CRM last week"),
        *by_records,
        ("stale_open_loans", "of open loans have a stale stage"),
        ("aged_open_loans", f"of open loans entered the pipeline {days}+ days ago"),
        ("speed_to_lead_1h", "of new leads touched within an hour"),
        ("conversations_with_next_step", "of calls and meetings have a next step"),
        ("funded_loans_in_crm", "of funded loans exist in the CRM"),
    ):
        row = _metric_value(results, metric, team=team)
        if row is None or not row["assessed"]:
            continue
        text = metric_text(results, metric, row["value"], denominator=row["denominator"])
        counts = _based_on(metric, row["numerator"], row["denominator"])
        tiles.append(
            present.Headline(
                METRICS[metric].label,
                text,
                format="text",
                note=f"{counts}: {TOO_FEW}" if text == TOO_FEW else f"{note} ({counts})",
            )
        )
    return present.headlines(tiles)


# --------------------------------------------------------------------------- sections
def section_status(results: Results, section: str, *, team: str | None) -> str | None:
    """Why a section is not assessed for ``team`` (the organization when ``None``); ``None``
    when something was measured."""
    rows = _scope_metrics(results, team)
    rows = rows[rows["section"] == section]
    if rows.empty:
        return f"not assessed: no metric of {section_title(section)} applies"
    if rows["assessed"].any():
        return None
    return str(rows["reason"].dropna().iloc[0]) if rows["reason"].notna().any() else None


def section_metrics(results: Results, section: str, *, team: str) -> pd.DataFrame:
    """The section's metrics for the team beside the whole organization.

    Columns: Measure, ``team``, Organization, Based on (the counts behind the team's value,
    or why it was not assessed). Values on too few records read "too few to judge".
    An unknown ``team`` raises :class:`~kit.exceptions.ParameterError` naming the teams.
    """
    team = resolve_team(results, team)
    team_rows = _scope_metrics(results, team)
    team_rows = team_rows[team_rows["section"] == section]
    org_rows = _scope_metrics(results, None)
    org_rows = org_rows[org_rows["section"] == section].set_index("metric")
    out = []
    for row in team_rows.itertuples(index=False):  # one row per metric: a handful
        org = org_rows.loc[row.metric] if row.metric in org_rows.index else None
        out.append(
            {
                "Measure": METRICS[row.metric].label,
                team: metric_text(
                    results,
                    row.metric,
                    row.value,
                    denominator=row.denominator,
                    assessed=bool(row.assessed),
                ),
                "Organization": "not assessed"
                if org is None
                else metric_text(
                    results,
                    row.metric,
                    org["value"],
                    denominator=org["denominator"],
                    assessed=bool(org["assessed"]),
                ),
                "Based on": _based_on(row.metric, row.numerator, row.denominator)
                if row.assessed
                else str(row.reason or ""),
            }
        )
    return pd.DataFrame(out, columns=["Measure", team, "Organization", "Based on"])


def standards_note(results: Results, section: str) -> present.Fragment | None:
    """The standards a section is judged against, in the words and numbers of the standards
    file in the bundle (statement, target, warning band); ``None`` when no rule measures a
    metric of the section."""
    items = []
    for rule in _standards(results).get("rules", []):
        spec = METRICS.get(rule.get("metric", ""))
        if spec is None or spec.section != section:
            continue
        target = format_standard(rule["direction"], rule["target"], spec.unit)
        text = f"{rule['statement']} Target: {target}"
        warn = rule.get("warn")
        if warn is not None and warn != rule["target"]:
            side = "down to" if rule["direction"] == "at_least" else "up to"
            text += f"; a warning, not a failure, {side} {format_level(warn, spec.unit)}"
        items.append(text + ".")
    if not items:
        return None
    return present.note_list("The standard" + ("s" if len(items) > 1 else "") + ":", items)


def compliance(results: Results, team: str) -> pd.DataFrame:
    """Every standard with the team's measured value, its target and pass / warn / fail (or
    not assessed, or too few to judge)."""
    team = resolve_team(results, team)
    c = _team_rows(results.compliance, team, name="compliance")
    rows = c[c["scope"] == "team"].sort_values("rule_order")
    units = rows["metric"].map(lambda k: METRICS[k].unit)
    measured = [
        metric_text(results, k, v, denominator=d, assessed=st != "not_assessed")
        for k, v, d, st in zip(
            rows["metric"], rows["value"], rows["denominator"], rows["status"], strict=True
        )
    ]
    return pd.DataFrame(
        {
            "Standard": rows["statement"].to_numpy(),
            # pass / warn / fail beside the standard, so a phone shows it without scrolling
            "Status": rows["status"].to_numpy(),
            "Measured": measured,
            "Target": [
                format_standard(d, t, u)
                for t, d, u in zip(rows["target"], rows["direction"], units, strict=True)
            ],
            "Based on": [
                _based_on(k, n, d) if s != "not_assessed" else str(r)
                for k, n, d, s, r in zip(
                    rows["metric"],
                    rows["numerator"],
                    rows["denominator"],
                    rows["status"],
                    rows["reason"],
                    strict=True,
                )
            ],
            "Owner": rows["owner_role"].map(label).to_numpy(),
        }
    )


#: The behaviours the producer scorecard shows beside each producer's score.
_SCORECARD = {
    "weeks_active_since_launch": "Weeks active since launch",
    "weekly_record_producers": "Window weeks with records (by records)",
    "stale_open_loans": "Stale open loans",
    "aged_open_loans": "Open loans past the age limit",
    "speed_to_lead_1h": "Leads touched within 1 hour",
    "conversations_with_next_step": "Conversations with a next step",
    "new_contacts_with_lead_source": "New contacts with lead source",
}


def producer_scorecard(results: Results, team: str) -> pd.DataFrame:
    """One row per producer: score, what it rests on, archetype and the behaviours behind it.

    Behaviour cells are written as everywhere else in the report (``92%``, ``too few to
    judge (1 of 2)``, ``not assessed``); ``Active last week`` is Yes or No.
    """
    team = resolve_team(results, team)
    s = results.scores
    rows = s[(s["scope"] == "producer") & (s["team"] == team)]
    m = _team_rows(results.metrics, team, name="metrics")
    # each producer's behaviours by (producer, metric), looked up once per cell: a dict,
    # since a team of a hundred producers has hundreds of cells
    producers = m[m["scope"] == "producer"]
    mine = {(r.producer_id, r.metric): r for r in producers.itertuples(index=False)}
    ids = rows["producer_id"].to_numpy(dtype=object)

    def cell(pid: object, metric: str) -> str:
        r = mine.get((pid, metric))
        if r is None:
            return "not assessed"
        text = metric_text(
            results, metric, r.value, denominator=r.denominator, assessed=bool(r.assessed)
        )
        if text == TOO_FEW:
            text += f" ({_based_on(metric, r.numerator, r.denominator)})"
        return text

    def active(pid: object) -> str | None:
        r = mine.get((pid, "active_last_week"))
        if r is None or not r.assessed:
            return None
        return "Yes" if r.value > 0 else "No"

    out = pd.DataFrame(
        {
            "Producer": rows["producer_name"].to_numpy(),
            "Score": rows["score"].to_numpy(dtype="float64"),
            "Score based on": [
                score_evidence(r).removeprefix("Based on ").removesuffix(".")
                if pd.notna(r["score"])
                else "not enough evidence ({} of {} standards judged)".format(
                    *_standards_counted(r)
                )
                for _, r in rows.iterrows()
            ],
            "Archetype": rows["archetype"].map(label, na_action="ignore").to_numpy(),
            "Why": rows["archetype_reason"].to_numpy(),
            "Active last week": [active(pid) for pid in ids],
        }
    )
    for metric, title in _SCORECARD.items():
        out[title] = [cell(pid, metric) for pid in ids]
    return out.sort_values(["Score", "Producer"], ascending=[False, True], na_position="last")


def scorecard_block(results: Results, team: str) -> present.Fragment:
    """The producer scorecard as a finished table, scores coloured by the standards' bands."""
    frame = producer_scorecard(results, team)
    return present.table(
        frame,
        columns={c: c for c in frame.columns},
        formats={"Score": "score"},
        score_bands=score_bands(results),
        empty="No producers in this team.",
    )


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
    table = REVIEW_ITEMS[item].record_table if item in REVIEW_ITEMS else None
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
    return _review_rows(
        _team_rows(results.review_list, team, name="review_list"),
        item=item,
        limit=limit,
        show_pii=show_pii,
        dataset=dataset,
    )


def _review_rows(
    team_rows: pd.DataFrame,
    *,
    item: str,
    limit: int | None,
    show_pii: bool,
    dataset: Dataset | None,
) -> pd.DataFrame:
    """:func:`review_list` of one team's rows of the bundle's review list (``team_rows``):
    the whole list is filtered by team once per report, not once per kind of item."""
    rows = team_rows[team_rows["item"] == item]
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


def _curve_marks(results: Results, team: str | None) -> list[tuple[int, str]]:
    """The baselines' as-of dates and the required-from dates, to mark on the curve."""
    from kit.report.change_views import curve_marks  # change_views reads this module

    return list(curve_marks(results, team))


_TeamChart = Callable[[Results, str], plots.Chart]
_OrganizationChart = Callable[[Results], plots.Chart]

#: The chart each section shows: section -> (chart of a team, chart of the organization).
_SECTION_CHARTS: dict[str, tuple[_TeamChart | None, _OrganizationChart | None]] = {
    "adoption": (
        lambda r, team: plots.adoption_curves(
            r.weekly, highlight=team, marks=_curve_marks(r, team)
        ),
        lambda r: plots.adoption_curves(r.weekly, highlight=None, marks=_curve_marks(r, None)),
    ),
    "records": (
        lambda r, team: plots.record_curves(r.record_weekly, highlight=team),
        lambda r: plots.record_curves(r.record_weekly, highlight=None),
    ),
    "follow_up": (lambda r, team: plots.speed_to_lead(r.speed_to_lead, team=team), None),
    "marketing": (
        lambda r, team: plots.lead_source_outcomes(
            r.sources, team=team, los_funded=_los_funded(r, team)
        ),
        lambda r: plots.lead_source_outcomes(r.sources, team=None, los_funded=_los_funded(r, None)),
    ),
    "shadow_pipeline": (
        lambda r, team: plots.shadow_pipeline(r.shadow_pipeline, team=team),
        lambda r: plots.shadow_pipeline(r.shadow_pipeline, team=None),
    ),
    "data_quality": (lambda r, team: plots.data_health(r.data_quality, team=team), None),
    "seat_roi": (
        None,
        lambda r: plots.seat_roi(r.seat_roi, active_days=r.parameters.get("seat_active_days")),
    ),
}


def _los_funded(results: Results, team: str | None) -> int | None:
    """Funded LOS loans in the window (of ``team``), or ``None`` without an LOS export: what
    a chart of CRM loans must not contradict."""
    shadow = results.shadow_pipeline
    if "los_loans" not in results.parameters.get("tables", {}):
        return None
    rows = shadow if team is None else shadow[shadow["team"] == team]
    return int(rows["funded_los_loans"].sum())


def _section_chart(results: Results, section: str, team: str | None) -> plots.Chart | None:
    of_team, of_organization = _SECTION_CHARTS.get(section, (None, None))
    if team is not None:
        return of_team(results, team) if of_team else None
    return of_organization(results) if of_organization else None


def section_block(results: Results, section: str, *, team: str) -> present.Fragment:
    """A report section's body: its chart (if it has one) and its measures table, or the
    reason it could not be assessed."""
    note = standards_note(results, section)
    reason = section_status(results, section, team=team)
    if reason is not None:
        missing = present.not_assessed(reason.removeprefix("not assessed: ")).data
        return present.Fragment("\n".join([*([note.data] if note else []), missing]))
    parts = [note.data] if note else []
    chart = _section_chart(results, section, team)
    if chart is not None:
        parts.append(chart._repr_html_())
    frame = section_metrics(results, section, team=team)
    parts.append(present.table(frame, columns={c: c for c in frame.columns}).data)
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
    mine = _team_rows(results.review_list, team, name="review_list")
    counts = mine["item"].value_counts()
    dataset = open_borrowers(results, dataset_dir) if show_pii and len(counts) else None
    formats = {"Record": "text", "Producer": "text", "Age (days)": "count"}
    formats.update({"Borrower": "name", "Email": "email", "Phone": "phone"} if show_pii else {})
    for item in REVIEW_ITEMS:
        total = int(counts.get(item, 0))
        if total == 0:
            continue
        title = review_title(item, _standards(results))
        parts.append(present.heading(f"{title} ({total:,})", level=3).data)
        rows = _review_rows(mine, item=item, limit=limit, show_pii=show_pii, dataset=dataset)
        parts.append(
            present.table(rows, formats=formats, show_pii=show_pii).data
            + (
                f'<p class="kit-table__note">The {limit} oldest of {total:,}; the full list is in '
                "data/csv/review_list.csv.</p>"
                if total > limit
                else ""
            )
        )
    checked, unchecked = _review_coverage(results, team)
    note = (
        present.note_list(
            "Not checked:", unchecked, kind="muted"
        ).data
        if unchecked
        else ""
    )
    if not parts:
        if not checked:
            return present.Fragment(note)
        nothing = present.callout(
            "Nothing to review this week: no item that could be checked is out of standard.",
            kind="good",
        ).data
        return present.Fragment("\n".join(p for p in (nothing, note) if p))
    return present.Fragment("\n".join([*parts, *([note] if note else [])]))


def _review_coverage(results: Results, team: str) -> tuple[int, list[str]]:
    """How many review items could be checked for ``team``, and the others with the reason
    (their metric is not assessed): an empty list there means "not checked", never "nothing
    out of standard"."""
    rows = _scope_metrics(results, team).set_index("metric")
    checked, unchecked = 0, []
    for item, spec in REVIEW_ITEMS.items():
        if spec.metric is None or spec.metric not in rows.index:
            continue
        row = rows.loc[spec.metric]
        if bool(row["assessed"]):
            checked += 1
        else:
            reason = str(row["reason"] or "not assessed").removeprefix("not assessed: ")
            unchecked.append(f"{review_title(item, _standards(results))} ({reason})")
    return checked, unchecked


# --------------------------------------------------------------------------- portfolio
def seat_roi(results: Results) -> pd.DataFrame:
    """Seats paid for, seats in use, idle seats and what they cost, per team.

    One count of seats: seats in use + idle seats = seats, the totals are the organization's
    (the same counts as the idle-seat finding); producers active is shown beside them (a
    manager's seat can be in use too).
    """
    roi = results.seat_roi.sort_values("team")
    return pd.DataFrame(
        {
            "Team": roi["team"].to_numpy(),
            "Seats": roi["seats"].round().astype("Int64").to_numpy(),
            "Seats in use": roi["active_seats"].round().astype("Int64").to_numpy(),
            "Idle seats": roi["idle_seats"].round().astype("Int64").to_numpy(),
            "Producers active": roi["active_producers"].round().astype("Int64").to_numpy(),
            "Monthly cost": roi["monthly_cost"].to_numpy(),
            "Cost per active producer": roi["cost_per_active_producer"].to_numpy(),
            "Monthly spend on idle seats": roi["idle_seat_spend"].to_numpy(),
        }
    )


def rule_labels(results: Results) -> dict[str, str]:
    """Short names of the standards (the label of the metric each one measures)."""
    c = results.compliance.drop_duplicates("rule_id")
    return {r: METRICS[m].label for r, m in zip(c["rule_id"], c["metric"], strict=True)}


def _seat_sentence(results: Results) -> str:
    days = results.parameters.get("seat_active_days")
    window = f"the last {days} days" if days else "the seat window"
    return (
        f"A seat is in use when its holder logged their own work in the CRM in {window}; "
        "every other paid seat is idle."
    )


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
        frame = seat_roi(results)
        parts.append(
            present.table(
                frame,
                columns={c: c for c in frame.columns},
                formats=dict.fromkeys(money, "currency"),
                caption=_seat_sentence(results),
            ).data
        )
    return present.Fragment("\n".join(parts))


def organization_summary(results: Results, *, top_n: int = 5) -> present.Fragment:
    """The organization's executive-summary card for the portfolio: its score by the same
    evidence rule as every team's, and its findings, severity first."""
    f = results.findings
    return present.summary_card(
        score=_score(results, scope="organization"),
        score_label="Organization: adoption score",
        findings=f[f["scope"] == "organization"].sort_values("rank"),
        top_n=top_n,
        bands=score_bands(results),
        not_scored="Not enough evidence",
        score_note=score_evidence(_score_row(results, scope="organization")),
        no_findings=_no_findings(_score_row(results, scope="organization")),
    )


def portfolio_scores(
    results: Results,
    *,
    team_reports: dict[str, str] | None = None,
    failed_teams: list[str] | None = None,
) -> pd.DataFrame:
    """Every team side by side: score, what it rests on, standards met, producers by
    archetype, idle seats.

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
    out["Score based on"] = [
        "{} of {} standards".format(*_standards_counted(teams.loc[t]))
        if pd.notna(teams.loc[t, "score"])
        else "not enough evidence ({} of {} standards judged)".format(
            *_standards_counted(teams.loc[t])
        )
        for t in out.index
    ]
    judged = teams["rules_assessed"].reindex(out.index)
    out["Standards passed"] = [
        f"{int(teams.loc[t, 'passed'])} of {int(n)} judged" if n else "none judged"
        for t, n in judged.items()
    ]
    classified = producers[producers["archetype"].notna()].groupby("team").size()
    for kind in ("consistent", "partial", "lapsed", "never_adopted"):
        counts = archetypes[kind] if kind in archetypes else pd.Series(dtype="int64")
        by_records = f"{kind}_by_records"  # an export with no activity log
        if by_records in archetypes:
            counts = counts.add(archetypes[by_records], fill_value=0)
        counts = counts.reindex(out.index).fillna(0).astype("Int64")
        # no producer classified (no activities): not assessed, never "0 lapsed"
        out[label(kind)] = counts.where(classified.reindex(out.index).fillna(0) > 0, pd.NA)
    read = producers.dropna(subset=["archetype"]).assign(
        _from=lambda f: f["archetype"].str.endswith("_by_records").map(
            {True: "records (weaker)", False: "logged work"}
        )
    )
    out["Archetypes from"] = read.groupby("team")["_from"].first().reindex(out.index)
    out["Idle seats"] = roi["idle_seats"].reindex(out.index).round().astype("Int64")
    out["Report"] = [(team_reports or {}).get(t) for t in out.index]
    out = out.reset_index()
    failed = set(failed_teams or [])
    out["Team report"] = [f"{t} (report failed)" if t in failed else t for t in out["Team"]]
    return out.sort_values(["Score", "Team"], ascending=[False, True], na_position="last")


# --------------------------------------------------------------------------- export requests
def export_requests(results: Results) -> pd.DataFrame:
    """What the export could not show, as requests a leader can forward to whoever runs it.

    Columns: Ask for, It would add, Standards it would let us score, Share of the score
    (the weight of those standards over the weight of all standards), heaviest first.
    """
    req = results.export_requests
    rules = (results.parameters.get("standards") or {}).get("rules", [])
    total = float(sum(r.get("weight", 1.0) for r in rules))
    weight = req["weight"].astype("float64")
    return pd.DataFrame(
        {
            "Ask for": req["request"].to_numpy(),
            "It would add": req["adds"].to_numpy(),
            "Standards it would let us score": req["standards"]
            .replace("", "none of the current standards")
            .to_numpy(),
            "Share of the score": (weight / total if total else weight * float("nan")).to_numpy(),
        }
    )


def export_requests_block(results: Results) -> present.Fragment:
    """The export requests as a table, or a note that nothing is missing."""
    table = export_requests(results)
    if table.empty:
        return present.callout(
            "This export held every table and field the assessment reads: nothing to ask for.",
            kind="good",
        )
    return present.table(
        table,
        formats={
            "Ask for": "text",
            "It would add": "text",
            "Standards it would let us score": "text",
            "Share of the score": "percent",
        },
    )


def portfolio_table(
    results: Results,
    *,
    team_reports: dict[str, str] | None = None,
    failed_teams: list[str] | None = None,
) -> present.Fragment:
    """Every team side by side as a finished table, linked to each team's report."""
    frame = portfolio_scores(results, team_reports=team_reports, failed_teams=failed_teams)
    columns = {
        "Team report": "Team",
        "Score": "Score",
        "Score based on": "Score based on",
        "Standards passed": "Standards passed",
        "Consistent": "Consistent",
        "Partial": "Partial",
        "Lapsed": "Lapsed",
        "Never adopted": "Never adopted",
        "Archetypes from": "Archetypes from",
        "Idle seats": "Idle seats",
    }
    return present.table(
        frame,
        columns=columns,
        formats={"Score": "score"},
        links={"Team report": "Report"},
        score_bands=score_bands(results),
    )


def score_chart(results: Results) -> plots.Chart:
    """Every team's adoption score, coloured by the bands of the standards in the bundle."""
    return plots.team_scores(results.scores, bands=score_bands(results))


def score_method(results: Results) -> present.Fragment:
    """How the adoption score is computed, with the evidence rules and the colour bands of the
    standards in the bundle (the appendix quotes it)."""
    amber, green = score_bands(results)
    evidence = results.parameters.get("evidence") or {}
    minimum = evidence.get("min_denominator")
    share = evidence.get("min_weight_share", MIN_WEIGHT_SHARE)
    few = (
        f"A standard measured on fewer than {minimum} records is too few to judge and is "
        "left out the same way. "
        if minimum
        else ""
    )
    text = (
        "For each operating standard that could be judged, the team earns 1 point for a pass, "
        "0.5 for a warning and 0 for a failure. The score is 100 x the weighted sum of points "
        "divided by the sum of the weights (weights come from the standards file, default 1). "
        "Standards that could not be assessed are left out of both sums. "
        f"{few}"
        f"A score needs at least {share:.0%} of the standards' weight judged; with less it "
        "reads \u201cnot enough evidence\u201d, never a number. "
        f"Green is {green:g} and above, amber {amber:g} to {green:g}, red below {amber:g}."
    )
    return present.paragraph(text)


# --------------------------------------------------------------------------- appendix
def definitions(*, sections: list[str] | None = None) -> pd.DataFrame:
    """The metric catalogue in plain words, for the report's appendix."""
    rows = [
        {
            "Section": section_title(m.section),
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
