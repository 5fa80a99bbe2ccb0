"""Stage names no value map knows, placed from what their rows say (closed, won, forecast
category, probability), each placement stated in the summary.

Private to :mod:`kit.intake`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from kit.intake._ids import trimmed
from kit.intake.mapping import BOOLEAN_WORDS, normalize_key
from kit.intake.normalize import Converted, text
from kit.schema import Field

#: Where an open stage of a given probability sits: the placement the salesforce preset
#: gives Salesforce's default stages of that probability (Prospecting 10: new lead, Needs
#: Analysis 20 and Value Proposition 50: pre-approval, Id. Decision Makers 60 and
#: Perception Analysis 70: application, Proposal 75: processing, Negotiation 90:
#: underwriting); an open stage at 100% is clear to close.
_PROBABILITY_BANDS = (
    (20.0, "new_lead"),
    (60.0, "pre_approval"),
    (75.0, "application"),
    (90.0, "processing"),
    (100.0, "underwriting"),
    (float("inf"), "clear_to_close"),
)


def place_stages(
    conv: Converted, f: Field, infer: dict[str, str], column: Any, where: str
) -> str | None:
    """Place stage names no value map knows from what the rows carrying them say: closed
    and won (funded), closed and not won (lost), forecast category Closed (funded) or
    Omitted at 0% (lost), else the median probability (:data:`_PROBABILITY_BANDS`). One
    placement per stage name, stated in the summary; names with no evidence stay unknown."""
    cols = {k: column(c) for k, c in infer.items()}
    if not any(c is not None for c in cols.values()):
        return None
    positions = conv.raw.index.to_numpy()
    frame = pd.DataFrame({"name": conv.raw.astype(str).to_numpy()})
    take = pa.array(positions)
    for key, col in cols.items():
        if col is not None:
            frame[key] = pd.Series(trimmed(text(col)).take(take).to_pandas(), dtype=object)
    placed: dict[str, tuple[str, str]] = {}
    for name, rows in frame.groupby("name", sort=True):
        closed = _share_true(rows.get("closed"))
        won = _share_true(rows.get("won"))
        forecast = rows.get("forecast")
        prob = (
            pd.to_numeric(rows.get("probability"), errors="coerce")
            if "probability" in rows
            else None
        )
        median = None if prob is None or prob.isna().all() else float(prob.median())
        top_forecast = None
        if forecast is not None and forecast.notna().any():
            top_forecast = normalize_key(forecast.dropna().value_counts().index[0])
        if closed is not None and closed > 0.5 and won is not None:
            stage, why = ("funded", "closed and won") if won > 0.5 else ("lost", "closed, not won")
        elif top_forecast == "closed":
            stage, why = "funded", "forecast category Closed"
        elif top_forecast == "omitted" and median == 0:
            stage, why = "lost", "forecast category Omitted at 0%"
        elif median is not None:
            stage = next(s for limit, s in _PROBABILITY_BANDS if median < limit)
            why = f"open at {median:g}%"
        else:
            continue
        placed[str(name)] = (stage, why)
    if not placed:
        return None
    vocab = list(f.vocabulary or ())
    codes = conv.values.cat.codes.to_numpy().copy()
    names = conv.raw.astype(str)
    hit = names.isin(list(placed)).to_numpy()
    for pos, name in zip(positions[hit], names[hit], strict=True):
        codes[pos] = vocab.index(placed[name][0])
    conv.values = pd.Series(pd.Categorical.from_codes(codes, categories=vocab))
    conv.bad = conv.bad.copy()
    conv.bad[positions[hit]] = False
    conv.raw = conv.raw[~hit]
    counts = names[hit].value_counts()
    shown = "; ".join(
        f"{name!r} ({counts[name]:,} row{'s' if counts[name] > 1 else ''}, {why}) -> {stage}"
        for name, (stage, why) in placed.items()
    )
    return (
        f"{where}: {len(placed)} stage name(s) not in the mapping placed from "
        f"{', '.join(c for c in infer.values())}: {shown}. Put them under `values: stage:` "
        "to place them yourself."
    )


def _share_true(values: pd.Series | None) -> float | None:
    """Share of yes among the readable yes/no ``values``, or ``None``."""
    if values is None:
        return None
    words = values.dropna().map(lambda v: BOOLEAN_WORDS.get(normalize_key(v)))
    words = words.dropna()
    return None if words.empty else float(words.astype(bool).mean())
