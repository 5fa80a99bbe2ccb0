"""What changed: the report side of re-assessment, one call per notebook cell.

The diagnostics compare an assessment with earlier ones (``results.changes``, see
:mod:`kit.diagnostics.changes`) and measure each required standard before and after its
date (``results.requirements``, :mod:`kit.diagnostics.requirement`). These functions pick a
team's rows and say in plain words what changed, with the evidence sentence the
diagnostics wrote; every block is empty when there is nothing to compare, so the notebooks
call them unconditionally.

One module, though long: every block reads the same two frames (``changes`` and
``requirements``) through the same team selection and wording helpers.

Examples
--------
>>> import pandas as pd
>>> from kit.results import Results
>>> empty = Results(**{n: pd.DataFrame() for n in ("metrics", "compliance", "scores",
...     "findings", "review_list", "weekly", "producer_weekly", "speed_to_lead", "sources",
...     "partners", "seat_roi", "shadow_pipeline", "data_quality", "not_assessed")})
>>> str(since_last_assessment(empty, "North"))
''
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from kit.diagnostics.changes import long_date, points
from kit.diagnostics.metrics import METRICS
from kit.diagnostics.review import REVIEW_ITEMS, review_title
from kit.report import plots, present
from kit.results import Results
from kit.schema import label

__all__ = [
    "REVIEW_ITEM_METRICS",
    "before_after_chart",
    "change_ranking",
    "curve_marks",
    "has_baseline",
    "latest_baseline",
    "method_note",
    "organization_score_history",
    "portfolio_changes",
    "portfolio_requirements",
    "producer_changes",
    "regressions_block",
    "requirement_summary",
    "requirement_table",
    "score_history",
    "since_last_assessment",
    "since_required",
    "standard_changes",
    "what_changed",
]

#: The review-list item that lists the records behind each metric's standard.
#: The review-list item that lists the records of each metric (from the review registry).
REVIEW_ITEM_METRICS: dict[str, str] = {i.metric: i.id for i in REVIEW_ITEMS.values() if i.metric}
_BADGE = {"improved": "pass", "worse": "fail", "mixed": "warn"}
_COMPARED = ("improved", "worse", "no clear change")


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


_date = long_date


def _points(change: float) -> str | None:
    """A change in points for a table (blank when there is none)."""
    return None if pd.isna(change) else points(change)


def _badge(verdict: str) -> str:
    return present.status_badge(_BADGE.get(verdict, "not_assessed"), text=verdict).data


def _name(row: Any) -> str:
    """A standard's short name: the label of the metric it measures."""
    metric = getattr(row, "metric", None)
    return METRICS[metric].label if metric in METRICS else str(row.statement)


# --------------------------------------------------------------------------- baselines
def has_baseline(results: Results) -> bool:
    """Whether the assessment was compared with an earlier one."""
    return bool(results.parameters.get("baselines")) and not results.changes.empty


def latest_baseline(results: Results) -> str | None:
    """The as-of date of the most recent baseline (``None`` without one)."""
    dates = [b["as_of"] for b in results.parameters.get("baselines") or []]
    return max(dates) if dates else None


def _rows(results: Results, *, team: str | None, scope: str, kind: str) -> pd.DataFrame:
    c = results.changes
    when = latest_baseline(results)
    rows = c[(c["baseline_as_of"] == when) & (c["scope"] == scope) & (c["kind"] == kind)]
    if team is not None:
        rows = rows[rows["team"] == team]
    return rows


def standard_changes(results: Results, team: str | None) -> pd.DataFrame:
    """Every standard of the team (the organization when ``None``) then and now.

    Columns: Standard, Then, Now, Change, 95% interval, Based on, Verdict, Note.
    """
    scope = "organization" if team is None else "team"
    rows = _rows(results, team=team, scope=scope, kind="standard").sort_values("rule_order")
    return pd.DataFrame(
        {
            "Standard": [_name(r) for r in rows.itertuples(index=False)],
            "Then": rows["before"].to_numpy(),
            "Now": rows["after"].to_numpy(),
            "Change": [
                points(c) if u == "share" else ""
                for c, u in zip(rows["change"], rows["unit"], strict=True)
            ],
            "95% interval": [
                f"{points(lo)} to {points(hi)}" if pd.notna(lo) else ""
                for lo, hi in zip(rows["change_low"], rows["change_high"], strict=True)
            ],
            "Based on": [
                _counts(
                    r.before_numerator,
                    r.before_denominator,
                    r.after_numerator,
                    r.after_denominator,
                    r.unit,
                )
                for r in rows.itertuples(index=False)
            ],
            "Verdict": rows["verdict"].to_numpy(),
            "Note": rows["note"].fillna("").to_numpy(),
        }
    )


def _counts(bn: float, bd: float, an: float, ad: float, unit: str) -> str:
    def side(n: float, d: float) -> str:
        if pd.isna(d):
            return "not measured"
        return f"{n:,.0f} of {d:,.0f}" if unit == "share" and pd.notna(n) else f"{d:,.0f}"

    return f"{side(bn, bd)} then, {side(an, ad)} now"


def producer_changes(results: Results, team: str) -> pd.DataFrame:
    """The team's producers then and now: score, archetype, standards improved and worse,
    and whether they joined, left or moved (listed, never dropped)."""
    rows = _rows(results, team=team, scope="producer", kind="score")
    moved = rows["archetype_before"].fillna("") != rows["archetype_after"].fillna("")
    return pd.DataFrame(
        {
            "Producer": rows["producer_name"].to_numpy(),
            "Score then": rows["before"].to_numpy(),
            "Score now": rows["after"].to_numpy(),
            "Archetype then": rows["archetype_before"].map(label, na_action="ignore").to_numpy(),
            "Archetype now": rows["archetype_after"].map(label, na_action="ignore").to_numpy(),
            "Archetype moved": moved.to_numpy(),
            "Standards improved": rows["standards_improved"].to_numpy(),
            "Standards worse": rows["standards_worse"].to_numpy(),
            "Verdict": rows["verdict"].to_numpy(),
            "Match": rows["match"].to_numpy(),
            "Note": rows["note"].fillna("").to_numpy(),
        }
    ).sort_values(["Standards worse", "Producer"], ascending=[False, True], kind="stable")


def _items(rows: pd.DataFrame, *, who: bool = False) -> str:
    out = []
    for r in rows.itertuples(index=False):
        name = f"{r.producer_name}: " if who and isinstance(r.producer_name, str) else ""
        out.append(
            f"<li>{_badge(r.verdict)} <strong>{_esc(name + _name(r))}</strong>"
            f'<p class="kit-finding__evidence">{_esc(r.evidence)}</p></li>'
        )
    return f'<ol class="kit-findings">{"".join(out)}</ol>' if out else ""


def _names(rows: pd.DataFrame) -> str:
    return ", ".join(_name(r) for r in rows.itertuples(index=False))


def since_last_assessment(results: Results, team: str) -> present.Fragment:
    """The opening of a team's executive summary after a re-assessment: the score then and
    now, the standards that improved or got worse beyond noise (with their evidence), what
    could not be told, producers whose archetype moved, and who joined or left. Empty
    without a baseline."""
    if not has_baseline(results):
        return present.Fragment("")
    when = latest_baseline(results)
    score = _rows(results, team=team, scope="team", kind="score")
    if score.empty:
        return present.Fragment("")
    s = score.iloc[0]
    parts = [present.heading(f"Since the last assessment ({_date(when)})", level=3).data]
    if s["match"] in ("joined", "renamed") and pd.isna(s["before"]):
        parts.append(
            present.callout(
                f"{team} was not in the assessment of {_date(when)}, so nothing is compared. "
                + str(s["note"] or ""),
                kind="muted",
            ).data
        )
        return present.Fragment("\n".join(parts))
    history = score_history(results)
    history = history[history["team"] == team]
    tiles = [
        present.Headline(f"Score as of {_date(d)}", v, format="count")
        for d, v in zip(history["as_of"], history["score"], strict=True)
        if d != results.parameters.get("as_of")
    ]
    tiles.append(
        present.Headline(
            "Score now",
            s["after"],
            format="count",
            note=f"{_score_change(s['change'])} since {_date(when)}"
            if pd.notna(s["change"])
            else None,
            status=_BADGE.get(str(s["verdict"])),
        )
    )
    parts.append(present.headlines(tiles).data)
    standards = _rows(results, team=team, scope="team", kind="standard").sort_values("rule_order")
    improved = standards[standards["verdict"] == "improved"]
    worse = standards[standards["verdict"] == "worse"]
    parts.append(f"<p>{_esc(_summary_sentence(s, improved, worse, standards))}</p>")
    if len(improved):
        parts.append("<h4>Improved</h4>" + _items(improved))
    if len(worse):
        parts.append("<h4>Worse</h4>" + _items(worse))
    rest = []
    for verdict, words in (
        ("no clear change", "No clear change"),
        ("too few to tell", "Too few to tell (too little data on one side)"),
        ("definition changed", "Measured differently now, so not compared"),
        ("newly assessed", "Measured now, not then"),
        ("no longer assessed", "Measured then, not now"),
    ):
        rows = standards[standards["verdict"] == verdict]
        if len(rows):
            rest.append(f"<li><strong>{_esc(words)}:</strong> {_esc(_names(rows))}</li>")
    if rest:
        parts.append(f'<ul class="kit-change__rest">{"".join(rest)}</ul>')
    parts.append(_producer_moves(results, team))
    return present.Fragment(f'<div class="kit-change">{"".join(parts)}</div>')


def _summary_sentence(
    score: pd.Series, improved: pd.DataFrame, worse: pd.DataFrame, standards: pd.DataFrame
) -> str:
    compared = standards["verdict"].isin(_COMPARED).sum()
    then, now = score["before"], score["after"]
    if pd.isna(then) or pd.isna(now):
        head = "The adoption score could not be compared"
    else:
        head = f"The adoption score went from {then:.0f} to {now:.0f}"
    counts = (
        f"{len(improved) or 'none'} of the {compared} standards compared improved beyond "
        f"noise and {len(worse) or 'none'} got worse"
    )
    return f"{head}: {counts} (95% intervals; a change within noise is not claimed)."


def _producer_moves(results: Results, team: str) -> str:
    rows = _rows(results, team=team, scope="producer", kind="score")
    if rows.empty:
        return ""
    moved = rows[
        rows["archetype_before"].notna()
        & rows["archetype_after"].notna()
        & (rows["archetype_before"] != rows["archetype_after"])
    ]
    items = [
        f"<li><strong>{_esc(r.producer_name)}</strong>: "
        f"{_esc(label(r.archetype_before).lower())} then, "
        f"{_esc(label(r.archetype_after).lower())} now</li>"
        for r in moved.itertuples(index=False)
    ]
    other = rows[rows["match"] != "matched"]
    items += [
        f"<li><strong>{_esc(r.producer_name)}</strong>: {_esc(_match_words(r.match))}"
        f"{_esc('; ' + r.note) if r.note else ''}</li>"
        for r in other.itertuples(index=False)
    ]
    moved_team = rows[(rows["match"] == "matched") & rows["note"].str.startswith("moved")]
    items += [
        f"<li><strong>{_esc(r.producer_name)}</strong>: {_esc(r.note)}</li>"
        for r in moved_team.itertuples(index=False)
    ]
    if not items:
        return "<p>No producer's archetype moved.</p>"
    return f'<h4>Producers</h4><ul class="kit-change__rest">{"".join(items)}</ul>'


def _match_words(match: str) -> str:
    return {
        "joined": "joined since the last assessment",
        "left": "no longer a producer here",
        "renamed": "in a renamed team",
    }.get(match, match)


def score_history(results: Results) -> pd.DataFrame:
    """Every team's score at each baseline and now: team, as_of, score."""
    c = results.changes
    rows = c[(c["scope"] == "team") & (c["kind"] == "score")]
    then = rows[["team", "baseline_as_of", "before"]].rename(
        columns={"baseline_as_of": "as_of", "before": "score"}
    )
    s = results.scores
    now = s[s["scope"] == "team"][["team", "score"]].assign(as_of=results.parameters["as_of"])
    out = pd.concat([then, now[["team", "as_of", "score"]]], ignore_index=True)
    return (
        out.drop_duplicates(["team", "as_of"]).sort_values(["team", "as_of"]).reset_index(drop=True)
    )


def organization_score_history(results: Results) -> pd.DataFrame:
    """The whole organization's score at each baseline and now: as_of, score."""
    c = results.changes
    rows = c[(c["scope"] == "organization") & (c["kind"] == "score")]
    then = rows[["baseline_as_of", "before"]].rename(
        columns={"baseline_as_of": "as_of", "before": "score"}
    )
    s = results.scores
    now = s[s["scope"] == "organization"][["score"]].assign(as_of=results.parameters["as_of"])
    out = pd.concat([then, now[["as_of", "score"]]], ignore_index=True)
    return out.drop_duplicates(["as_of"]).sort_values("as_of").reset_index(drop=True)


def before_after_chart(results: Results, team: str) -> present.Fragment:
    """A before/after chart of each of the team's standards measured as a share: against
    the last assessment, and before and after each date a standard was required of the
    team (with the teams not required beside it)."""
    parts = []
    if has_baseline(results):
        rows = _rows(results, team=team, scope="team", kind="standard")
        rows = rows[rows["unit"] == "share"].sort_values("rule_order")
        frame = pd.DataFrame(
            {
                "label": [_name(r) for r in rows.itertuples(index=False)],
                "before": rows["before"].to_numpy(),
                "after": rows["after"].to_numpy(),
                "verdict": rows["verdict"].to_numpy(),
            }
        )
        when = _date(latest_baseline(results))
        parts.append(
            plots.before_after(
                frame,
                title=f"{team}'s standards as of {when} and now",
                before=when,
                after="now",
            )._repr_html_()
        )
    req = _required_rows(results, team)
    for required_from, rows in req.groupby("required_from", sort=True):
        rows = rows[(rows["unit"] == "share") & rows["before_start"].notna()]
        if rows.empty:
            continue
        comp = results.requirements
        comp = comp[(comp["scope"] == "comparison") & comp["rule_id"].isin(rows["rule_id"])]
        comp = comp.set_index("rule_id")
        first = rows.iloc[0]
        frame = pd.DataFrame(
            {
                "label": [_name(r) for r in rows.itertuples(index=False)],
                "before": rows["before"].to_numpy(),
                "after": rows["after"].to_numpy(),
                "verdict": rows["verdict"].to_numpy(),
                "comparison_before": rows["rule_id"].map(comp["before"]).to_numpy(),
                "comparison_after": rows["rule_id"].map(comp["after"]).to_numpy(),
            }
        )
        parts.append(
            plots.before_after(
                frame,
                title=f"{team} before and after the standards were required on "
                f"{_date(required_from)}",
                before=f"{_date(first['before_start'])} to {_date(first['before_end'])}",
                after=f"{_date(first['after_start'])} to {_date(first['after_end'])}",
            )._repr_html_()
        )
    return present.Fragment("\n".join(parts))


# --------------------------------------------------------------------------- required from
def _required_rows(results: Results, team: str) -> pd.DataFrame:
    r = results.requirements
    return r[(r["scope"] == "team") & (r["team"] == team) & r["required"]].sort_values("rule_order")


def since_required(results: Results, team: str) -> present.Fragment:
    """For each standard the team was required to follow from a date: the behaviour in the
    equal windows before and after it, against the teams it was not required of, with the
    verdict and its evidence. Empty when no standard was required of the team."""
    rows = _required_rows(results, team)
    if rows.empty:
        return present.Fragment("")
    parts = []
    for required_from, group in rows.groupby("required_from", sort=True):
        parts.append(
            present.heading(
                f"Since the standards were required ({_date(required_from)})", level=3
            ).data
        )
        first = group.iloc[0]
        required = f"{len(group)} standard{'s' * (len(group) > 1)} required of {team}"
        if pd.isna(first["before_start"]):  # too soon, or no before: nothing was compared
            parts.append(
                present.callout(
                    f"{required} from {_date(required_from)}: not assessed: {first['note']}.",
                    kind="muted",
                ).data
            )
            continue
        improved = (group["verdict"] == "improved").sum()
        worse = (group["verdict"] == "worse").sum()
        sentence = (
            f"{required} from {_date(required_from)}: {improved} improved beyond noise and "
            f"beyond the change in the teams not required, {worse} got worse. Equal windows: "
            f"{_date(first['before_start'])} to {_date(first['before_end'])} against "
            f"{_date(first['after_start'])} to {_date(first['after_end'])}."
        )
        parts.append(f"<p>{_esc(sentence)}</p>")
        parts.append(_items(group))
    return present.Fragment(f'<div class="kit-change">{"".join(parts)}</div>')


def requirement_table(results: Results, team: str) -> pd.DataFrame:
    """The team's producers before and after each standard required of them.

    Columns: Producer, Standard, Before, After, Change, Difference from the teams not
    required, Verdict.
    """
    r = results.requirements
    rows = r[(r["scope"] == "producer") & (r["team"] == team)].sort_values(
        ["rule_order", "producer_name"]
    )
    return pd.DataFrame(
        {
            "Producer": rows["producer_name"].to_numpy(),
            "Standard": [_name(x) for x in rows.itertuples(index=False)],
            "Before": rows["before"].to_numpy(),
            "After": rows["after"].to_numpy(),
            "Change": [_points(c) for c in rows["change"]],
            "Difference from the teams not required": [_points(e) for e in rows["effect"]],
            "Verdict": rows["verdict"].to_numpy(),
        }
    )


def requirement_summary(results: Results) -> pd.DataFrame:
    """For the portfolio: every required standard, every team, before and after its date.

    Columns: Standard, Required from, Team, Required, Before, After, Change, Difference
    from the teams not required, Verdict.
    """
    r = results.requirements
    rows = r[r["scope"].isin(["team", "comparison"])].sort_values(
        ["rule_order", "required", "team"], ascending=[True, False, True]
    )
    return pd.DataFrame(
        {
            "Standard": [_name(x) for x in rows.itertuples(index=False)],
            "Required from": rows["required_from"].map(_date).to_numpy(),
            "Team": rows["team"].where(rows["scope"] == "team", "Teams not required").to_numpy(),
            "Required": rows["required"].to_numpy(),
            "Before": rows["before"].to_numpy(),
            "After": rows["after"].to_numpy(),
            "Change": [_points(c) for c in rows["change"]],
            "Difference from the teams not required": [_points(e) for e in rows["effect"]],
            "Verdict": rows["verdict"].to_numpy(),
        }
    )


# --------------------------------------------------------------------------- portfolio
def change_ranking(results: Results) -> pd.DataFrame:
    """Teams ranked by how their score changed since the last assessment (most improved
    first), with each earlier score, the standards improved and worse, and the verdict.
    Teams on one side only are listed last with why."""
    if not has_baseline(results):
        return pd.DataFrame()
    rows = _rows(results, team=None, scope="team", kind="score")
    history = score_history(results).pivot_table(
        index="team", columns="as_of", values="score", aggfunc="first"
    )
    out = pd.DataFrame({"Team": rows["team"].to_numpy()})
    for when in history.columns:
        title = "Score now" if when == results.parameters["as_of"] else f"Score {_date(when)}"
        out[title] = out["Team"].map(history[when]).to_numpy()
    out["Change"] = [_score_change(c) for c in rows["change"]]
    out["_change"] = rows["change"].to_numpy()
    out["Standards improved"] = rows["standards_improved"].to_numpy()
    out["Standards worse"] = rows["standards_worse"].to_numpy()
    out["Verdict"] = rows["verdict"].to_numpy()
    out["Note"] = rows["note"].fillna("").to_numpy()
    out = out.sort_values(
        ["_change", "Team"], ascending=[False, True], na_position="last", kind="stable"
    )
    return out.drop(columns="_change").reset_index(drop=True)


def _score_change(change: float) -> str | None:
    """A change of score in whole points, as the scores themselves are shown.

    >>> _score_change(33.3), _score_change(-0.4), _score_change(float("nan"))
    ('+33', '0', None)
    """
    if pd.isna(change):
        return None
    whole = round(change)
    return "0" if whole == 0 else f"{whole:+d}"


def curve_marks(results: Results, team: str | None = None) -> list[tuple[int, str]]:
    """Marks for the adoption curve: each baseline's as-of date and each date a standard
    was required (of ``team``, or of any team), as (days since launch, label)."""
    launch = pd.Timestamp(results.parameters["launch"])
    marks: dict[str, str] = {}
    for b in results.parameters.get("baselines") or []:
        marks.setdefault(b["as_of"], f"assessed {_date(b['as_of'])}")
    for rule in (results.parameters.get("standards") or {}).get("rules", []):
        when, teams = rule.get("required_from"), rule.get("teams") or []
        if when and (team is None or not teams or team in teams):
            marks[when] = f"required {_date(when)}"
    return [
        ((pd.Timestamp(when) - launch).days, text)
        for when, text in sorted(marks.items())
        if pd.Timestamp(when) >= launch
    ]


def regressions_block(results: Results, team: str) -> present.Fragment:
    """The head of the weekly review list after a re-assessment: what got worse since the
    last assessment and since each standard was required of the team (its standards and
    its producers'), each with the part of the list that holds the records to walk through.
    Empty when nothing is compared."""
    parts = []
    if has_baseline(results):
        when = _date(latest_baseline(results))
        rows = pd.concat(
            [
                _rows(results, team=team, scope="team", kind="standard"),
                _rows(results, team=team, scope="producer", kind="standard"),
            ]
        )
        worse = rows[rows["verdict"] == "worse"]
        if worse.empty:
            parts.append(
                present.callout(
                    f"Nothing got worse beyond noise since the last assessment ({when}).",
                    kind="good",
                ).data
            )
        else:
            parts.append(
                present.heading(f"Worse since the last assessment ({when})", level=3).data
                + _review_items(worse, results.parameters.get("standards") or {})
            )
    r = results.requirements
    required = r[(r["team"] == team) & r["required"] & (r["verdict"] == "worse")]
    if len(required):
        parts.append(
            present.heading("Worse since the standards were required", level=3).data
            + _review_items(required, results.parameters.get("standards") or {})
        )
    return present.Fragment("\n".join(parts))


def _review_items(worse: pd.DataFrame, standards: dict[str, Any]) -> str:
    items = []
    for r in worse.itertuples(index=False):
        who = f"{r.producer_name}: " if isinstance(r.producer_name, str) else ""
        item = REVIEW_ITEM_METRICS.get(str(r.metric))
        where = f" Review: {review_title(item, standards)} (below)." if item else ""
        items.append(
            f"<li>{_badge('worse')} <strong>{_esc(who + _name(r))}</strong>"
            f'<p class="kit-finding__evidence">{_esc(r.evidence + where)}</p></li>'
        )
    return f'<ol class="kit-findings">{"".join(items)}</ol>'


# --------------------------------------------------------------------------- whole sections
def method_note() -> str:
    """How a change is judged, in plain words, with the thresholds the code uses."""
    from kit.diagnostics.intervals import MAX_WIDTH, MIN_CHANGE, MIN_UNITS

    return (
        "A change is called improved or worse only when its 95% interval (Newcombe's, for "
        "the difference of two shares) leaves out zero and it is at least "
        f"{points(MIN_CHANGE, signed=False)}. With fewer than "
        f"{MIN_UNITS} records on either side, or an interval wider than "
        f"{points(MAX_WIDTH, signed=False)}, the data cannot tell: too few to tell. "
        "Otherwise: no clear change. Against a required date, the change is compared with "
        "the teams the standard was not required of (difference in differences)."
    )


_STANDARD_FORMATS = {"Then": "percent", "Now": "percent", "Verdict": "text", "Note": "text"}


def what_changed(results: Results, team: str) -> present.Fragment:
    """The report section after a re-assessment: the before/after charts, every standard
    then and now with its interval and verdict, the producers then and now, and the
    producers before and after each required standard. Empty when nothing is compared."""
    required = results.requirements
    required = required[
        (required["team"] == team) & required["required"] & required["before_start"].notna()
    ]
    if not has_baseline(results) and required.empty:
        return present.Fragment("")
    parts = [
        present.heading("What changed", level=2).data,
        f"<p>{_esc(method_note())}</p>",
        before_after_chart(results, team).data,
    ]
    if has_baseline(results):
        when = _date(latest_baseline(results))
        table = standard_changes(results, team)
        shares = (
            _rows(results, team=team, scope="team", kind="standard")
            .sort_values("rule_order")["unit"]
            .to_numpy()
        )
        table[["Then", "Now"]] = table[["Then", "Now"]].astype(object)
        for column in ("Then", "Now"):
            table[column] = [
                v if u == "share" else None for v, u in zip(table[column], shares, strict=True)
            ]
        parts.append(
            present.table(
                table, formats=_STANDARD_FORMATS, caption=f"{team}'s standards as of {when} and now"
            ).data
        )
        producers = producer_changes(results, team).drop(columns=["Archetype moved"])
        parts.append(
            present.table(
                producers,
                formats={"Score then": "score", "Score now": "score"},
                caption=f"{team}'s producers as of {when} and now",
            ).data
        )
    if not required.empty:
        parts.append(
            present.table(
                requirement_table(results, team),
                formats={"Before": "percent", "After": "percent"},
                caption=f"{team}'s producers before and after the standards were required",
                empty="No producer-level measure of the required standards.",
            ).data
        )
    return present.Fragment("\n".join(parts))


def portfolio_changes(results: Results) -> present.Fragment:
    """The portfolio section after a re-assessment: each team's score at every assessment
    and the teams ranked by change. Empty without a baseline."""
    if not has_baseline(results):
        return present.Fragment("")
    ranking = change_ranking(results)
    history = score_history(results)
    scores = [c for c in ranking.columns if c.startswith("Score")]
    return present.Fragment(
        "\n".join(
            [
                present.heading("Since the last assessment", level=2).data,
                f"<p>{_esc(method_note())}</p>",
                plots.score_trend(
                    history,
                    dates={d: _date(d) for d in history["as_of"].unique()},
                    organization=organization_score_history(results),
                )._repr_html_(),
                present.table(
                    ranking,
                    formats=dict.fromkeys(scores, "score"),
                    caption="Teams ranked by the change in their adoption score",
                ).data,
            ]
        )
    )


def portfolio_requirements(results: Results) -> present.Fragment:
    """The portfolio section for standards required from a date: every team before and
    after, the teams not required as the comparison. Empty when no standard has a date."""
    if results.requirements.empty:
        return present.Fragment("")
    return present.Fragment(
        "\n".join(
            [
                present.heading("Since the standards were required", level=2).data,
                f"<p>{_esc(method_note())}</p>",
                present.table(
                    requirement_summary(results),
                    formats={"Before": "percent", "After": "percent", "Required": "yesno"},
                ).data,
            ]
        )
    )
