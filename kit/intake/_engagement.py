"""The export's ``engagement.yaml``: who the client is and the run's dates and seat cost,
read and checked before any table is.

Private to :mod:`kit.intake`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from kit._yaml import describe, safe_load
from kit.exceptions import ParameterError
from kit.intake._parts import Log
from kit.intake.readers import Export
from kit.params import parse_day, parse_seat_cost


def read_engagement(export: Export, log: Log) -> dict[str, Any] | None:
    """The export's ``engagement.yaml`` as JSON-ready values (dates as ``YYYY-MM-DD``), ``{}``
    when it is empty, ``None`` when there is none or it cannot be read (a problem in
    ``log``)."""
    path = export.engagement
    if path is None:
        return None
    rel = path.relative_to(export.root).as_posix()
    try:
        data = safe_load(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        what = describe(exc) if isinstance(exc, yaml.YAMLError) else str(exc)
        log.problems.append(f"{rel}: not valid YAML ({what}); fix or remove it.")
        return None
    if data is None:
        return {}
    if not isinstance(data, dict):
        log.problems.append(f"{rel}: must be 'key: value' lines (client, launch_date, ...).")
        return None
    out: dict[str, Any] = {}
    known = ("client", "launch_date", "as_of", "export_date", "seat_cost_per_month")
    for key, value in data.items():
        key = str(key)
        try:
            if key in ("launch_date", "as_of", "export_date") and value is not None:
                value = parse_day(value, name=f"{rel}: {key}").isoformat()
            elif key == "seat_cost_per_month" and value is not None:
                cost = parse_seat_cost(value, name=f"{rel}: {key}")
                value = value if isinstance(value, int | float) else cost  # 125 stays 125
            elif key not in known:
                log.warnings.append(f"{rel}: unknown key {key!r} kept as is")
        except ParameterError as exc:
            log.problems.append(exc.message)
            continue
        out[key] = _jsonable(value)
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value
