"""Operating standards: the shipped defaults, validation, statuses."""

from __future__ import annotations

import pytest

from kit.diagnostics.metrics import METRICS
from kit.diagnostics.standards import DEFAULT_STANDARDS, Rule, load_standards, parse_standards
from kit.exceptions import StandardsError


def _rule(**overrides):
    base = {
        "id": "stage_freshness",
        "statement": "Every open loan's stage is updated at least every 14 days.",
        "metric": "stale_open_loans",
        "params": {"days": 14},
        "direction": "at_most",
        "target": 0.1,
        "warn": 0.25,
        "owner_role": "producer",
        "require": "Run the pipeline meeting from the CRM.",
        "review": "Stale loans.",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def test_shipped_defaults_cover_the_mortgage_standards():
    s = load_standards()
    assert s.source == "shipped defaults" and DEFAULT_STANDARDS.is_file()
    by_id = {r.id: r for r in s.rules}
    expected = {
        "stage_freshness": ("stale_open_loans", "at_most", 0.10),
        "speed_to_lead": ("speed_to_lead_1h", "at_least", 0.80),
        "next_step": ("conversations_with_next_step", "at_least", 0.90),
        "lead_source": ("new_contacts_with_lead_source", "at_least", 0.95),
        "past_client_cadence": ("past_clients_touched", "at_least", 0.90),
        "partner_cadence": ("partners_touched", "at_least", 0.90),
        "weekly_active": ("weekly_active_producers", "at_least", 0.90),
        "funded_in_crm": ("funded_loans_in_crm", "at_least", 0.95),
    }
    for rid, (metric, direction, target) in expected.items():
        r = by_id[rid]
        assert (r.metric, r.direction, r.target) == (metric, direction, target)
        assert r.statement and r.require and r.review and r.owner_role
    assert by_id["stage_freshness"].params == {"days": 14}
    assert by_id["past_client_cadence"].params == {"days": 90, "touches": "any"}
    assert by_id["partner_cadence"].params == {"days": 30, "touches": "human"}
    assert s.fields_required("opportunities", "processing") == (
        "contact_id",
        "loan_purpose",
        "lead_source",
        "amount",
        "loan_number",
    )
    assert s.fields_required("opportunities", "new_lead") == (
        "contact_id",
        "loan_purpose",
        "lead_source",
    )


def test_status_boundaries():
    at_most = Rule("r", "s", "stale_open_loans", "at_most", 0.10, 0.25, "producer")
    assert [at_most.status(v) for v in (0.0, 0.1, 0.1000000001, 0.25, 0.26)] == [
        "pass",
        "pass",
        "pass",
        "warn",
        "fail",
    ]
    at_least = Rule("r", "s", "speed_to_lead_1h", "at_least", 0.8, 0.6, "producer")
    assert [at_least.status(v) for v in (1.0, 0.8, 0.79, 0.6, 0.59, float("nan"))] == [
        "pass",
        "pass",
        "warn",
        "warn",
        "fail",
        "not_assessed",
    ]


def test_warn_defaults_to_target():
    s = parse_standards({"rules": [_rule(warn=None)]})
    assert s.rules[0].warn == 0.1
    assert s.rules[0].status(0.11) == "fail"


def test_every_problem_is_listed_at_once():
    raw = {
        "rules": [
            _rule(metric="stale_loans"),
            _rule(id="b", target=None),
            _rule(id="c", warn=0.05),
            _rule(id="d", direction="at_least"),
            _rule(id="e", target=80),
            _rule(id="f", params={"days": 0, "hours": 3}),
            _rule(id="c"),
            _rule(id="Bad Id", colour="red"),
        ],
        "required_fields": {"contacts": ["lead_sorce"], "loans": ["amount"]},
        "extra": 1,
    }
    with pytest.raises(StandardsError) as info:
        parse_standards(raw, source="team.yaml")
    problems = info.value.problems
    text = str(info.value)
    assert text.startswith("team.yaml is not a valid standards file:")
    expected = [
        "unknown top-level key 'extra'",
        "rule 1 (stage_freshness): unknown metric 'stale_loans' (did you mean 'stale_open_loans'?)",
        "rule 2 (b): missing target",
        "rule 3 (c): warn 0.05 must be at or above target 0.1 (direction at_most)",
        "rule 4 (d): direction at_least contradicts metric stale_open_loans (lower is better)",
        "rule 5 (e): target 80 of a share metric must be between 0 and 1 (write 0.8 for 80%)",
        "rule 6 (f): metric stale_open_loans has no parameter 'hours' (parameters: days)",
        "rule 6 (f): days must be a positive whole number, not 0",
        "rule 8 (Bad Id): id must be snake_case",
        "rule 8 (Bad Id): unknown key 'colour'",
        "rule 7: duplicate id 'c' (also rule 3)",
        "required_fields.contacts: unknown field 'lead_sorce' (did you mean 'lead_source'?)",
        "required_fields: unknown table 'loans'",
    ]
    for fragment in expected:
        assert any(fragment in p for p in problems), fragment


def test_conflicting_params_for_one_metric_are_refused():
    raw = {"rules": [_rule(), _rule(id="other", params={"days": 30})]}
    with pytest.raises(StandardsError, match="different params"):
        parse_standards(raw)


def test_metric_params_fall_back_to_the_catalogue():
    s = parse_standards({"rules": [_rule()]})
    assert s.metric_params("stale_open_loans") == {"days": 14}
    assert s.metric_params("partners_touched") == METRICS["partners_touched"].params


def test_file_errors(tmp_path):
    with pytest.raises(StandardsError, match="not found"):
        load_standards(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(StandardsError, match="not valid YAML at line"):
        load_standards(bad)
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(StandardsError, match="must be a mapping"):
        load_standards(empty)
    listed = tmp_path / "none.yaml"
    listed.write_text("name: x\nrules: []\n", encoding="utf-8")
    with pytest.raises(StandardsError) as info:
        load_standards(listed)
    assert info.value.problems == ["rules: must be a non-empty list of rules"]


def test_a_custom_file_round_trips(tmp_path):
    path = tmp_path / "ours.yaml"
    path.write_text(
        "name: Ours\nrules:\n"
        "  - id: fresh\n    statement: Stages move weekly.\n    metric: stale_open_loans\n"
        "    params: {days: 7}\n    direction: at_most\n    target: 0.2\n"
        "    owner_role: producer\n    weight: 3\n",
        encoding="utf-8",
    )
    s = load_standards(path)
    assert (s.name, s.source, s.rules[0].weight, s.rules[0].params) == (
        "Ours",
        str(path),
        3.0,
        {"days": 7},
    )
    assert s.to_dict()["rules"][0]["id"] == "fresh"


def test_score_bands_come_from_the_file_and_are_checked():
    assert load_standards().score_bands == (50.0, 75.0)
    s = parse_standards({"rules": [_rule()], "score_bands": {"amber": 60, "green": 85}})
    assert s.score_bands == (60.0, 85.0)
    assert s.to_dict()["score_bands"] == {"amber": 60.0, "green": 85.0}
    with pytest.raises(StandardsError) as info:
        parse_standards({"rules": [_rule()], "score_bands": {"amber": 80, "green": 70}})
    assert info.value.problems == [
        "score_bands: amber (80) and green (70) must be numbers with 0 < amber < green <= 100"
    ]
    with pytest.raises(StandardsError) as info:
        parse_standards({"rules": [_rule()], "score_bands": [50, 75]})
    assert info.value.problems == ["score_bands: must be a mapping {amber: 50, green: 75}"]
