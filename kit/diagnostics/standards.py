"""Operating standards: the behaviour a leader expects, as a validated YAML file.

A standards file lists rules. Each rule is a plain sentence a leader signs ("Every open
loan's stage is updated at least every 14 days"), the metric that measures it (an id of
:data:`kit.diagnostics.metrics.METRICS`), a target and a warn level, who owns it, the
operating change to require when a team misses it and what the manager reviews each
week. An optional ``required_fields`` section lists the fields contacts and loans must
carry (per stage for loans). The kit ships sensible mortgage defaults
(``kit/diagnostics/standards.yaml``).

File format::

    name: Mortgage team defaults
    rules:
      - id: stage_freshness                 # snake_case, unique
        statement: Every open loan's stage is updated at least every 14 days.
        metric: stale_open_loans            # a metric id
        params: {days: 14}                  # optional metric parameters
        direction: at_most                  # at_most (lower is better) | at_least
        target: 0.10                        # shares are fractions: 0.10 = 10%
        warn: 0.25                          # optional; between target and "worse"
        owner_role: producer
        require: Run Monday's pipeline meeting from the CRM stage view ...
        review: Every open loan with no stage change in 14+ days.
        weight: 1                           # optional weight in the adoption score
        required_from: 2025-08-04           # optional: the day the leader required it
        teams: [North, West]                # optional: the teams it was required of
    required_fields:
      contacts: [owner_id, contact_type, lead_source]
      opportunities:
        all: [amount, loan_purpose]         # every open loan
        application: [loan_number]          # from this stage on
    score_bands: {amber: 50, green: 75}     # optional: where the score turns amber, green

One module, though long: the file format is declared and validated in one pass that lists
every problem at once, next to the :class:`Rule` it builds.

Examples
--------
>>> s = load_standards()
>>> s.rule("stage_freshness").params["days"]
14
>>> s.rule("stage_freshness").status(0.05)
'pass'
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml

from kit._yaml import safe_load
from kit.diagnostics.metrics import METRICS
from kit.exceptions import StandardsError
from kit.schema import OPEN_STAGES, STAGES, TABLES

__all__ = [
    "DEFAULT_SCORE_BANDS",
    "DEFAULT_STANDARDS",
    "Rule",
    "Standards",
    "judge",
    "load_standards",
    "parse_standards",
]

#: The shipped mortgage-team defaults.
DEFAULT_STANDARDS: Path = Path(__file__).resolve().parent / "standards.yaml"

Direction = Literal["at_least", "at_most"]
Status = Literal["pass", "warn", "fail", "not_assessed"]

_RULE_KEYS = {
    "id",
    "statement",
    "metric",
    "params",
    "direction",
    "target",
    "warn",
    "owner_role",
    "require",
    "review",
    "weight",
    "required_from",
    "teams",
}
_REQUIRED_RULE_KEYS = ("id", "statement", "metric", "direction", "target", "owner_role")
_TOP_KEYS = {"name", "description", "rules", "required_fields", "score_bands"}
#: Where the 0-100 adoption score turns amber and green unless the file says otherwise.
DEFAULT_SCORE_BANDS: tuple[float, float] = (50.0, 75.0)
_FIELD_TABLES = ("contacts", "opportunities", "activities")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
#: Allowed values of string parameters.
_CHOICES = {"touches": ("human", "any")}
#: Tolerance when comparing a measured value with a target (floating-point noise).
_EPS = 1e-9


def judge(
    value: np.ndarray, *, target: np.ndarray, warn: np.ndarray, at_least: np.ndarray
) -> np.ndarray:
    """The status of each measured value against its rule: the one place a value is judged.

    A value within ``1e-9`` of a target or warn level counts as meeting it (floating-point
    shares such as 0.1 + 0.2). NaN is ``not_assessed``.

    >>> judge(np.array([0.1, 0.2, 0.3, np.nan]), target=np.full(4, 0.1), warn=np.full(4, 0.25),
    ...       at_least=np.zeros(4, dtype=bool)).tolist()
    ['pass', 'warn', 'fail', 'not_assessed']
    """
    meets = np.where(at_least, value >= target - _EPS, value <= target + _EPS)
    near = np.where(at_least, value >= warn - _EPS, value <= warn + _EPS)
    return np.select(
        [np.isnan(value), meets, near], ["not_assessed", "pass", "warn"], default="fail"
    ).astype(object)


@dataclass(frozen=True)
class Rule:
    """One operating standard.

    Attributes
    ----------
    id, statement, metric, direction, target, warn, owner_role, require, review
        As in the file. ``warn`` equals ``target`` when the file gives none (no warn band).
    params
        The metric's parameters, defaults filled in from the catalogue.
    weight
        Weight of the rule in the adoption score.
    required_from
        The day the leader required the standard (``None``: no date). From one export the kit
        compares equal windows before and after it (:mod:`kit.diagnostics.requirement`).
    teams
        The teams the standard was required of from ``required_from`` (empty: every team).
        The other teams are the comparison group; every team is still scored against the
        standard.
    """

    id: str
    statement: str
    metric: str
    direction: Direction
    target: float
    warn: float
    owner_role: str
    require: str = ""
    review: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    weight: float = 1.0
    required_from: date | None = None
    teams: tuple[str, ...] = ()

    def applies_to(self, team: str) -> bool:
        """Whether ``team`` was required to follow the standard from ``required_from``.

        >>> Rule("r", "s", "stale_open_loans", "at_most", 0.1, 0.25, "producer",
        ...      teams=("North",)).applies_to("West")
        False
        """
        return not self.teams or team in self.teams

    def status(self, value: float | None) -> Status:
        """Pass, warn, fail or not_assessed for a measured ``value``.

        >>> r = Rule("r", "s", "stale_open_loans", "at_most", 0.1, 0.25, "producer")
        >>> [r.status(v) for v in (0.1, 0.2, 0.3, None)]
        ['pass', 'warn', 'fail', 'not_assessed']
        """
        measured = np.array([np.nan if value is None else value], dtype="float64")
        return judge(
            measured,
            target=np.array([self.target]),
            warn=np.array([self.warn]),
            at_least=np.array([self.direction == "at_least"]),
        )[0]

    def to_dict(self) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if self.required_from is not None:
            extra["required_from"] = self.required_from.isoformat()
        if self.teams:
            extra["teams"] = list(self.teams)
        return {
            "id": self.id,
            "statement": self.statement,
            "metric": self.metric,
            "params": dict(self.params),
            "direction": self.direction,
            "target": self.target,
            "warn": self.warn,
            "owner_role": self.owner_role,
            "require": self.require,
            "review": self.review,
            "weight": self.weight,
            **extra,
        }


@dataclass(frozen=True)
class Standards:
    """A validated set of operating standards.

    Attributes
    ----------
    name
        Name of the standards set.
    rules
        The rules, in file order (the order findings fall back on).
    required_fields
        ``{"contacts": {"all": (...)}, "opportunities": {"all": (...), "<stage>": (...)}}``:
        fields each record must carry; for loans a stage key means "from this stage on".
    source
        Where the standards came from (a path, or ``shipped defaults``).
    score_bands
        ``(amber, green)``: a score below ``amber`` is red ("Off track"), below ``green``
        amber ("Partly adopted"), else green ("On track").
    """

    name: str
    rules: tuple[Rule, ...]
    required_fields: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    source: str = ""
    score_bands: tuple[float, float] = DEFAULT_SCORE_BANDS

    @property
    def required(self) -> tuple[Rule, ...]:
        """The rules that carry a ``required_from`` date."""
        return tuple(r for r in self.rules if r.required_from is not None)

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def metric_params(self, metric: str) -> dict[str, Any]:
        """Parameters of ``metric``: the first rule's that measures it, else the defaults."""
        for r in self.rules:
            if r.metric == metric:
                return dict(r.params)
        return dict(METRICS[metric].params)

    def fields_required(self, table: str, stage: str | None = None) -> tuple[str, ...]:
        """Fields a record of ``table`` (at ``stage``, for loans) must carry."""
        spec = self.required_fields.get(table, {})
        out = list(spec.get("all", ()))
        if stage is not None and stage in STAGES:
            reached = STAGES.index(stage)
            for key, fields in spec.items():
                if key != "all" and STAGES.index(key) <= reached:
                    out.extend(f for f in fields if f not in out)
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "rules": [r.to_dict() for r in self.rules],
            "required_fields": {
                t: {k: list(v) for k, v in spec.items()} for t, spec in self.required_fields.items()
            },
            "score_bands": {"amber": self.score_bands[0], "green": self.score_bands[1]},
        }


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_rule(i: int, raw: object, problems: list[str]) -> Rule | None:
    where = f"rule {i + 1}"
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping of keys (id, statement, metric, ...)")
        return None
    rid: Any = raw.get("id")
    if isinstance(rid, str) and rid:
        where = f"rule {i + 1} ({rid})"
        if not _ID.match(rid):
            problems.append(f"{where}: id must be snake_case (lowercase letters, digits, _)")
    start = len(problems)
    for key in sorted(set(raw) - _RULE_KEYS):
        problems.append(f"{where}: unknown key {key!r}{_suggest(str(key), sorted(_RULE_KEYS))}")
    for key in _REQUIRED_RULE_KEYS:
        if raw.get(key) is None or raw.get(key) == "":
            problems.append(f"{where}: missing {key}")
    for key in ("statement", "owner_role", "require", "review"):
        if raw.get(key) is not None and not isinstance(raw.get(key), str):
            problems.append(f"{where}: {key} must be text")
    metric: Any = raw.get("metric")
    spec = None
    if metric is not None:
        if metric in METRICS:
            spec = METRICS[metric]
        else:
            problems.append(
                f"{where}: unknown metric {metric!r}{_suggest(str(metric), sorted(METRICS))}; "
                "see docs/metrics.md for the catalogue"
            )
    direction: Any = raw.get("direction")
    if direction is not None and direction not in ("at_least", "at_most"):
        problems.append(f"{where}: direction must be at_least or at_most, not {direction!r}")
        direction = None
    if spec is not None and direction is not None:
        expected = "at_least" if spec.better == "higher" else "at_most"
        if direction != expected:
            problems.append(
                f"{where}: direction {direction} contradicts metric {spec.id} "
                f"({spec.better} is better): use {expected}"
            )
    target: Any
    warn: Any
    target, warn = raw.get("target"), raw.get("warn", raw.get("target"))
    for key, value in (("target", target), ("warn", warn)):
        if value is None:
            continue
        if not _number(value):
            problems.append(f"{where}: {key} must be a number, not {value!r}")
        elif spec is not None and spec.unit == "share" and not 0 <= value <= 1:
            problems.append(
                f"{where}: {key} {value} of a share metric must be between 0 and 1 "
                f"(write {value / 100:g} for {value:g}%)"
            )
        elif value < 0:
            problems.append(f"{where}: {key} must not be negative")
    if _number(target) and _number(warn) and direction in ("at_least", "at_most"):
        if direction == "at_least" and warn > target:
            problems.append(
                f"{where}: warn {warn} must be at or below target {target} (direction at_least)"
            )
        if direction == "at_most" and warn < target:
            problems.append(
                f"{where}: warn {warn} must be at or above target {target} (direction at_most)"
            )
    params_raw = raw.get("params") or {}
    params: dict[str, Any] = {}
    if not isinstance(params_raw, dict):
        problems.append(f"{where}: params must be a mapping such as {{days: 14}}")
    elif spec is not None:
        params = dict(spec.params)
        for key, value in params_raw.items():
            if key not in spec.params:
                allowed = ", ".join(sorted(spec.params)) or "none"
                problems.append(
                    f"{where}: metric {spec.id} has no parameter {key!r} (parameters: {allowed})"
                )
            elif key in _CHOICES:
                if value not in _CHOICES[key]:
                    problems.append(
                        f"{where}: {key} must be one of {', '.join(_CHOICES[key])}, not {value!r}"
                    )
                params[key] = value
            elif not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                problems.append(f"{where}: {key} must be a positive whole number, not {value!r}")
            else:
                params[key] = value
    weight = raw.get("weight", 1)
    if not _number(weight) or weight <= 0:
        problems.append(f"{where}: weight must be a positive number, not {weight!r}")
    required_from = _check_date(where, raw.get("required_from"), problems)
    teams = raw.get("teams")
    if teams is not None:
        if (
            not isinstance(teams, list)
            or not teams
            or not all(isinstance(t, str) and t.strip() for t in teams)
        ):
            problems.append(f"{where}: teams must be a list of team names, e.g. [North, West]")
            teams = None
        elif required_from is None and "required_from" not in raw:
            problems.append(
                f"{where}: teams names who the standard was required of from a date: "
                "add required_from: YYYY-MM-DD"
            )
    if len(problems) > start:
        return None
    return Rule(
        id=rid,
        statement=raw["statement"].strip(),
        metric=metric,
        direction=direction,
        target=float(target),
        warn=float(warn),
        owner_role=raw["owner_role"].strip(),
        require=(raw.get("require") or "").strip(),
        review=(raw.get("review") or "").strip(),
        params=params,
        weight=float(weight),
        required_from=required_from,
        teams=tuple(dict.fromkeys(t.strip() for t in teams)) if teams else (),
    )


def _check_date(where: str, value: object, problems: list[str]) -> date | None:
    """``required_from`` as a date (YAML reads an unquoted 2025-08-04 as one already)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    problems.append(f"{where}: required_from {value!r} is not a date; write it as YYYY-MM-DD")
    return None


def _check_fields(raw: object, problems: list[str]) -> dict[str, dict[str, tuple[str, ...]]]:
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    if raw is None:
        return out
    if not isinstance(raw, dict):
        problems.append("required_fields: must map a table to its fields")
        return out
    for table, spec in raw.items():
        if table not in _FIELD_TABLES:
            problems.append(
                f"required_fields: unknown table {table!r} (allowed: {', '.join(_FIELD_TABLES)})"
            )
            continue
        listed = isinstance(spec, list)
        if listed:
            spec = {"all": spec}
        if not isinstance(spec, dict):
            problems.append(f"required_fields.{table}: must be a list of fields or a mapping")
            continue
        known = [f.name for f in TABLES[table].fields]
        parsed: dict[str, tuple[str, ...]] = {}
        for key, fields in spec.items():
            if key != "all" and (table != "opportunities" or key not in OPEN_STAGES):
                allowed = "all" + (
                    ", " + ", ".join(OPEN_STAGES) if table == "opportunities" else ""
                )
                problems.append(
                    f"required_fields.{table}: unknown key {key!r} (allowed: {allowed})"
                )
                continue
            where = f"required_fields.{table}" + ("" if listed else f".{key}")
            if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
                problems.append(f"{where}: must be a list of field names")
                continue
            for f in fields:
                if f not in known:
                    problems.append(f"{where}: unknown field {f!r}{_suggest(f, known)}")
            parsed[key] = tuple(f for f in fields if f in known)
        out[table] = parsed
    return out


def _check_bands(raw: object, problems: list[str]) -> tuple[float, float]:
    if raw is None:
        return DEFAULT_SCORE_BANDS
    if not isinstance(raw, dict) or set(raw) != {"amber", "green"}:
        problems.append("score_bands: must be a mapping {amber: 50, green: 75}")
        return DEFAULT_SCORE_BANDS
    amber, green = raw["amber"], raw["green"]
    if not (_number(amber) and _number(green) and 0 < amber < green <= 100):
        problems.append(
            f"score_bands: amber ({amber!r}) and green ({green!r}) must be numbers with "
            "0 < amber < green <= 100"
        )
        return DEFAULT_SCORE_BANDS
    return float(amber), float(green)


def parse_standards(raw: object, *, source: str = "") -> Standards:
    """Validate a parsed standards document and return :class:`Standards`.

    Raises
    ------
    StandardsError
        Listing every problem found, not just the first.
    """
    where = source or "standards"
    if not isinstance(raw, dict):
        raise StandardsError(
            f"{where}: a standards file must be a mapping with a 'rules' list "
            "(see docs/metrics.md, 'Standards file format')"
        )
    problems: list[str] = []
    for key in sorted(set(raw) - _TOP_KEYS):
        problems.append(f"unknown top-level key {key!r}{_suggest(str(key), sorted(_TOP_KEYS))}")
    rules_raw = raw.get("rules")
    rules: list[Rule] = []
    if not isinstance(rules_raw, list) or not rules_raw:
        problems.append("rules: must be a non-empty list of rules")
    else:
        for i, item in enumerate(rules_raw):
            rule = _check_rule(i, item, problems)
            if rule is not None:
                rules.append(rule)
        seen: dict[str, int] = {}
        for i, item in enumerate(rules_raw):
            rid = item.get("id") if isinstance(item, dict) else None
            if isinstance(rid, str):
                if rid in seen:
                    problems.append(f"rule {i + 1}: duplicate id {rid!r} (also rule {seen[rid]})")
                seen.setdefault(rid, i + 1)
        by_metric: dict[str, Rule] = {}
        for r in rules:
            first = by_metric.setdefault(r.metric, r)
            if first.params != r.params:
                problems.append(
                    f"rules {first.id} and {r.id} measure {r.metric} with different params "
                    f"({first.params} vs {r.params}); a metric is computed once, so use the same"
                )
    required_fields = _check_fields(raw.get("required_fields"), problems)
    score_bands = _check_bands(raw.get("score_bands"), problems)
    name = raw.get("name", "Operating standards")
    if not isinstance(name, str):
        problems.append("name: must be text")
        name = "Operating standards"
    if problems:
        raise StandardsError(f"{where} is not a valid standards file:", problems=problems)
    return Standards(
        name=name,
        rules=tuple(rules),
        required_fields=required_fields,
        source=source,
        score_bands=score_bands,
    )


def load_standards(path: str | os.PathLike[str] | None = None) -> Standards:
    """Read and validate a standards YAML file (``None``: the shipped mortgage defaults).

    Raises
    ------
    StandardsError
        If the file is missing, is not YAML, or breaks any rule of the format (every
        problem is listed).
    """
    target = DEFAULT_STANDARDS if path is None else Path(path)
    source = "shipped defaults" if path is None else str(target)
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StandardsError(
            f"standards file {target} not found; give an existing YAML file or omit it to "
            "use the shipped defaults"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StandardsError(f"cannot read standards file {target}: {exc}") from None
    try:
        raw = safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise StandardsError(f"{target} is not valid YAML{at}: {exc}") from None
    return parse_standards(raw, source=source)
