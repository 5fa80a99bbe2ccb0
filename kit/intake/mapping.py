"""Mapping files: how a client's export turns into the canonical data model.

A mapping is a small YAML file (see ``docs/mapping.md``) that says which source file or sheet
is which canonical table, which source column feeds which canonical field (or a constant, or a
simple derivation), how to translate the client's values (stage names, lead sources, yes/no)
and how to read dates. Presets ship inside the package for the canonical layout (the
default), Salesforce object exports and HubSpot exports.

The mapping itself is validated declaratively before any data is read: every key has a
declared type, every table and field must exist in :mod:`kit.schema`, every value-map target
must be in the field's vocabulary, and every required field must be mapped. All problems are
collected and raised together as one :class:`~kit.exceptions.MappingError`.

One module, though long: the mapping language is one grammar (its keys, their types, value
maps, presets and ``extends``) checked in one pass that collects every problem, and each key
is declared and validated next to its reading.

Examples
--------
>>> m = load_mapping({"tables": {"users": {"source": "team.csv", "columns": {
...     "user_id": "Email", "name": "Full Name", "team": "Branch",
...     "role": {"constant": "producer"}}}}})
>>> m.tables["users"][0].columns["role"].constant
'producer'
>>> normalize_key(" Clear To Close ")
'clear_to_close'
"""

from __future__ import annotations

import copy
import datetime as _dt
import difflib
import hashlib
import os
import re
from collections.abc import Mapping as _Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from kit._yaml import safe_load
from kit.exceptions import MappingError
from kit.schema import TABLES

__all__ = [
    "BOOLEAN_WORDS",
    "COLUMN_KEYS",
    "DATE_KEYS",
    "SOURCE_KEYS",
    "TOP_KEYS",
    "ColumnSpec",
    "Mapping",
    "SourceSpec",
    "close_match",
    "common_values",
    "load_mapping",
    "normalize_key",
    "preset_names",
    "preset_path",
]

_PRESETS = Path(__file__).resolve().parent / "presets"
_NON_ALNUM = re.compile(r"[\W_]+")

#: Spellings of true and false accepted in boolean fields (after :func:`normalize_key`).
BOOLEAN_WORDS: dict[str, bool] = {
    "true": True,
    "t": True,
    "yes": True,
    "y": True,
    "1": True,
    "false": False,
    "f": False,
    "no": False,
    "n": False,
    "0": False,
}


def normalize_key(value: object) -> str:
    """Return the matching key of a source value or column name.

    Casefold, turn every run of non-alphanumeric characters into one underscore and strip
    underscores at both ends, so that spelling variants of the same value match.

    >>> [normalize_key(v) for v in ("Pre-Approval", "Clear To Close", " UNDERWRITING ")]
    ['pre_approval', 'clear_to_close', 'underwriting']
    """
    return _NON_ALNUM.sub("_", str(value).casefold()).strip("_")


def close_match(word: str, candidates: list[str] | tuple[str, ...]) -> str | None:
    """Return the candidate most like ``word`` (case-insensitive), or ``None``.

    A candidate is suggested only when it is a near spelling of ``word`` (a typo, another
    case or punctuation), or when every word of ``word`` is in it (``role`` -> ``Role
    Name``): never a column that merely shares a word with it (``Deal owner`` is not
    ``Deal Name``, ``Create Date`` is not ``Close Date``).

    >>> close_match("OwnerID", ["OwnerId", "Name"])
    'OwnerId'
    >>> close_match("Deal owner", ["Deal Name", "Amount"]) is None
    True
    """
    target = normalize_key(word)
    best, best_score = None, 0.0
    for candidate in candidates:
        key = normalize_key(candidate)
        score = _likeness(target, key)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _likeness(word: str, candidate: str) -> float:
    """How alike two normalized names are (0 when not alike enough to suggest)."""
    if not word or not candidate:
        return 0.0
    whole = max(
        difflib.SequenceMatcher(None, word, candidate).ratio(),
        difflib.SequenceMatcher(None, word.replace("_", ""), candidate.replace("_", "")).ratio(),
    )
    if whole >= _TYPO_LIKENESS:
        return whole
    tokens = [t for t in candidate.split("_") if t]
    every_word_in = all(
        any(difflib.SequenceMatcher(None, w, t).ratio() >= _WORD_LIKENESS for t in tokens)
        for w in word.split("_")
        if w
    )
    return whole if every_word_in and whole >= _SOME_LIKENESS else 0.0


#: A whole name this alike is a near spelling (a typo, a case or punctuation variant).
_TYPO_LIKENESS = 0.85
#: Two words this alike are the same word misspelt (user / users).
_WORD_LIKENESS = 0.8
#: Below this a name is not suggested even when it contains every word.
_SOME_LIKENESS = 0.5


def _hint(word: str, candidates: list[str] | tuple[str, ...]) -> str:
    match = close_match(word, candidates)
    return f" (did you mean {match!r}?)" if match else ""


# --------------------------------------------------------------------------- model
class _Unset:
    """Marks an option the mapping did not set (``None`` is a value: blank)."""

    def __repr__(self) -> str:
        return "UNSET"


#: The value of a mapping option that was not set.
UNSET: Any = _Unset()


@dataclass(frozen=True)
class ColumnSpec:
    """How one canonical field is produced from a source file.

    Exactly one input: ``column`` (one column, or a list meaning "the first non-blank of
    these"), ``constant``, ``join`` (columns glued with ``sep``) or ``from_field`` (another
    canonical field of the same table, after its values were translated). Optional steps are
    applied in this order: ``matches`` (keep values matching a regular expression, blank the
    others), ``when`` (keep values only on rows where another column has one of the given
    values), ``lookup`` (replace an id by another column of the row it points at, in the same
    file or in another file of the export), ``is_in`` (``then`` if the value appears in
    another column, else ``else``), ``split_name`` (first or last part of a full name),
    ``when``'s ``else`` (the value of the rows ``when`` blanked), the value map (``values``,
    then ``patterns``, then ``default``), then ``fallback`` (a whole column spec, with its
    own steps and value map, used where the result so far is blank); then, on the final
    result, the mapping's ``values`` and the vocabulary, the currency of amounts, and the
    date options ``format``, ``dayfirst`` and ``timezone``.
    """

    field: str
    column: tuple[str, ...] = ()
    constant: Any = UNSET
    join: tuple[str, ...] = ()
    sep: str = " "
    from_field: str | None = None
    matches: str | None = None
    lookup: tuple[str, str] | None = None
    lookup_file: str | None = None
    when: tuple[str, tuple[str, ...]] | None = None
    when_else: Any = UNSET
    is_in: str | None = None
    then: Any = UNSET
    otherwise: Any = UNSET
    split_name: Literal["first", "last"] | None = None
    fallback: ColumnSpec | None = None
    values: dict[str, Any] = field(default_factory=dict)  # type: ignore[operator]  # mypy reads `field` as the str attribute above; at run time it is dataclasses.field
    patterns: tuple[tuple[str, Any], ...] = ()
    default: Any = UNSET
    currency: CurrencySpec | None = None
    infer_stage: dict[str, str] = field(default_factory=dict)  # type: ignore[operator]  # mypy reads `field` as the str attribute above; at run time it is dataclasses.field
    format: str | None = None
    dayfirst: bool | None = None
    timezone: str | None = None
    optional: bool = False

    @property
    def has_constant(self) -> bool:
        return self.constant is not UNSET

    @property
    def has_default(self) -> bool:
        return self.default is not UNSET

    @property
    def has_value_map(self) -> bool:
        """Whether this spec translates its own values (``values``, ``patterns``, ``default``)."""
        return bool(self.values or self.patterns) or self.has_default

    def source_columns(self) -> tuple[str, ...]:
        """Every source column of the row this spec reads (including its fallback's); the
        columns of a lookup file and the currency column are not among them."""
        cols = [*self.column, *self.join]
        if self.lookup and self.lookup_file is None:
            cols.extend(self.lookup)
        if self.is_in:
            cols.append(self.is_in)
        if self.when:
            cols.append(self.when[0])
        if self.fallback is not None:
            cols.extend(self.fallback.source_columns())
        return tuple(dict.fromkeys(cols))


@dataclass(frozen=True)
class CurrencySpec:
    """How amounts in several currencies are made comparable.

    ``column`` holds each row's currency code (the first of these columns in the file). With
    ``rates`` (units of ``to`` per unit of each currency) amounts are converted into ``to``;
    an amount in a currency without a rate is left blank. Without rates, only the amounts in
    ``to`` (else in the currency of most rows) are kept and the others are left blank; intake
    records an ``other_currency`` fact per currency and states what it did in the summary.
    """

    column: tuple[str, ...]
    rates: dict[str, float] = field(default_factory=dict)
    to: str | None = None


@dataclass(frozen=True)
class SourceSpec:
    """One source (file or sheet glob) of a canonical table and its column specs.

    A users source may instead be *derived* (``derive``): one user per distinct value of the
    listed owner fields (``contacts.owner_id``, ...), used only when no users file is found.
    ``changes_only`` (stage history) keeps a row only when its stage differs from the
    opportunity's previous row.
    """

    table: str
    patterns: tuple[str, ...]
    columns: dict[str, ColumnSpec]
    delimiter: str | None = None
    encoding: str | None = None
    optional: bool = False
    derive: tuple[tuple[str, str], ...] = ()
    changes_only: bool = False


@dataclass(frozen=True)
class Mapping:
    """A validated mapping.

    Attributes
    ----------
    name
        Name of the mapping (preset name or file stem).
    origin
        Where it came from: ``preset:<name>``, ``file:<file name>`` or ``dict``.
    tables
        Canonical table name to its sources.
    values
        Value maps that apply to a canonical field in every table (normalized keys).
    timezone
        The organization's IANA time zone; time-zone-aware values are converted to it.
    dayfirst, date_format
        Default date reading for every date field. ``dayfirst`` ``None`` (not declared):
        each column's numeric dates are read in the order its own values show.
    allow_missing_columns
        Whether a source column of an optional field may be missing from a file (the field
        is then left blank) instead of being a blocking error.
    source_timezone
        The zone of times the export writes without one (Salesforce Data Export: UTC).
    blank_ids
        Id values that mean "no link" (Salesforce's ``000000000000000AAA``): read as blank.
    salesforce_ids
        Read 15-character Salesforce ids as their 18-character form, so both join.
    base_dir
        The folder of the mapping file (lookup files not in the export are looked for there).
    extends
        The mappings this one extends, nearest first (``preset:salesforce``, ...).
    raw
        The mapping as written (JSON-able), recorded in the dataset manifest.
    sha256
        Checksum of the mapping file, when read from one.
    """

    name: str
    origin: str
    tables: dict[str, tuple[SourceSpec, ...]]
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    timezone: str | None = None
    dayfirst: bool | None = None
    date_format: str | None = None
    allow_missing_columns: bool = False
    raw: dict[str, Any] = field(default_factory=dict)
    sha256: str | None = None
    source_timezone: str | None = None
    blank_ids: tuple[str, ...] = ()
    salesforce_ids: bool = False
    base_dir: Path | None = None
    extends: tuple[str, ...] = ()

    def describe(self) -> dict[str, Any]:
        """The resolved mapping as recorded in the manifest (JSON-able)."""
        out = {
            "name": self.name,
            "origin": self.origin,
            "sha256": self.sha256,
            "definition": _jsonable(self.raw),
        }
        if self.extends:
            out["extends"] = list(self.extends)
        return out


# --------------------------------------------------------------------------- declarations
# Every key a mapping may contain, with its accepted types and what it means. The validator
# and docs/mapping.md both follow these tables.
_SCALAR = (str, int, float, bool, _dt.date)
TOP_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "name": ((str,), "a short name for the mapping"),
    "description": ((str,), "free text"),
    "version": ((int,), "mapping format version (1)"),
    "extends": ((str,), "a preset or mapping file this one adds to (its keys win)"),
    "timezone": ((str,), "the organization's IANA time zone, e.g. America/Chicago"),
    "source_timezone": ((str,), "zone of the times the export writes without one, e.g. UTC"),
    "blank_ids": ((list,), "id values that mean 'no link', read as blank"),
    "salesforce_ids": ((bool,), "read 15-character Salesforce ids as 18-character ones"),
    "dates": ((dict,), "default date reading: dayfirst, format"),
    "allow_missing_columns": ((bool,), "optional fields whose column is missing stay blank"),
    "values": ((dict,), "value maps per canonical field, for every table"),
    "tables": ((dict,), "canonical table -> source(s)"),
}
DATE_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "dayfirst": ((bool,), "read 03/04/2024 as 3 April"),
    "format": ((str,), "an explicit strftime format such as %d.%m.%Y"),
}
SOURCE_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "source": ((str, list), "file glob(s); 'book.xlsx#Sheet' selects a sheet"),
    "sheet": ((str,), "sheet name (glob) inside the workbook(s) matched by source"),
    "columns": ((dict, str), "canonical field -> column spec, or 'canonical'"),
    "delimiter": ((str,), "force the CSV delimiter instead of sniffing it"),
    "encoding": ((str,), "force the text encoding instead of detecting it"),
    "optional": ((bool,), "no matching file is not an error (the table is just absent)"),
    "derive": ((list,), "users only: one user per owner in these table.field columns"),
    "changes_only": ((bool,), "stage_history only: keep rows whose stage changed"),
}
COLUMN_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "column": ((str, list), "source column, or list: the first non-blank of them"),
    "constant": (_SCALAR, "the same value on every row"),
    "join": ((list,), "source columns joined with sep"),
    "sep": ((str,), "separator for join (default a space)"),
    "from_field": ((str,), "another canonical field of the same table"),
    "matches": ((str,), "regular expression; non-matching values become blank"),
    "lookup": (
        (dict,),
        "{key: id column, value: column[, file: glob]}: value of the row the id points at",
    ),
    "when": (
        (dict,),
        "{column: X, is: value or list[, else: value]}: keep values only where X is one of them",
    ),
    "is_in": ((str,), "then if the value appears in this column, else otherwise"),
    "then": (_SCALAR, "result of is_in when the value is found"),
    "else": (_SCALAR, "result of is_in when it is not"),
    "split_name": ((str,), "first or last part of a full name"),
    "fallback": ((str, list, dict), "column spec used where the result is blank"),
    "values": ((dict,), "value map for this field only"),
    "patterns": ((dict,), "regular expression -> value, for values missing from values"),
    "default": (_SCALAR, "result for non-blank values missing from values and patterns"),
    "currency": ((dict,), "amounts: {column: code column[, rates: {EUR: 1.08}, to: USD]}"),
    "infer_stage": (
        (dict,),
        "stage: place unknown stage names from {closed, won, probability, forecast} columns",
    ),
    "format": ((str,), "strftime format of this date column"),
    "dayfirst": ((bool,), "day-first dates in this column"),
    "timezone": ((str,), "time zone of naive values in this column"),
    "optional": ((bool,), "the column may be missing from the file"),
}
_INPUTS = ("column", "constant", "join", "from_field")
_INFER_KEYS = {"closed", "won", "probability", "forecast"}


# --------------------------------------------------------------------------- presets
def preset_names() -> list[str]:
    """Names of the mapping presets shipped with the kit.

    >>> preset_names()
    ['canonical', 'hubspot', 'salesforce', 'salesforce_report']
    """
    return sorted(p.stem for p in _PRESETS.glob("*.yaml"))


def preset_path(name: str) -> Path:
    """Path of preset ``name`` inside the package."""
    path = _PRESETS / f"{name}.yaml"
    if not path.is_file():
        raise MappingError(
            f"there is no mapping preset named {name!r}{_hint(name, preset_names())}. "
            f"Presets: {', '.join(preset_names())}."
        )
    return path


@cache
def _common_values() -> dict[str, dict[str, Any]]:
    raw = _read_yaml(preset_path("canonical"))
    return {f: {normalize_key(k): v for k, v in m.items()} for f, m in raw["values"].items()}


def common_values(field_name: str) -> dict[str, Any]:
    """Common spellings of the canonical vocabulary of ``field_name`` (the canonical preset's
    ``values``), which every mapping falls back to.

    >>> common_values("stage")["ctc"]
    'clear_to_close'
    """
    return _common_values().get(field_name, {})


# --------------------------------------------------------------------------- loading
def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise MappingError(f"cannot read mapping file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise MappingError(f"mapping file {path} is not UTF-8 text: save it as UTF-8.") from None
    try:
        return safe_load(text)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or str(exc)
        raise MappingError(
            f"mapping file {path.name} is not valid YAML{where}: {problem}. "
            "Check the indentation (spaces, not tabs) and quote values containing ': ' or '#'."
        ) from None


def load_mapping(spec: Any = None) -> Mapping:
    """Resolve and validate a mapping.

    Parameters
    ----------
    spec
        ``None`` (the canonical preset), a preset name (``"salesforce"``), a path to a YAML
        file, an already-parsed mapping dict, or a :class:`Mapping` (returned unchanged).

    Raises
    ------
    MappingError
        Listing every problem of the mapping at once.

    Examples
    --------
    >>> load_mapping().name
    'canonical'
    >>> load_mapping("salesforce").origin
    'preset:salesforce'
    """
    if isinstance(spec, Mapping):
        return spec
    sha, base_dir = None, None
    if spec is None:
        spec = "canonical"
    if isinstance(spec, _Mapping):
        raw, name, origin = copy.deepcopy(dict(spec)), str(spec.get("name") or "mapping"), "dict"
    elif isinstance(spec, str | os.PathLike):
        text = os.fspath(spec)
        path = Path(text)
        is_name = not path.suffix and os.sep not in text and "/" not in text
        if is_name and text in preset_names():
            path, origin, name = preset_path(text), f"preset:{text}", text
        elif path.is_file():
            origin, name = f"file:{path.name}", path.stem
        elif is_name:
            raise MappingError(
                f"there is no mapping file {text!r} and no preset of that name"
                f"{_hint(text, preset_names())}. Presets: {', '.join(preset_names())}; "
                "or give the path of a mapping YAML file."
            )
        else:
            raise MappingError(f"mapping file {text} does not exist.")
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        base_dir = None if origin.startswith("preset:") else path.resolve().parent
        raw = _read_yaml(path)
        if raw is None:
            raise MappingError(f"mapping file {path.name} is empty.")
        if isinstance(raw, dict) and raw.get("name"):
            name = str(raw["name"])
    else:
        raise MappingError(
            f"a mapping must be a preset name, a file path or a dict, not {type(spec).__name__}"
        )
    if not isinstance(raw, dict):
        raise MappingError(
            f"mapping {name!r} must be a YAML mapping with a 'tables:' key, "
            f"not a {type(raw).__name__}."
        )
    raw, chain = _extended(raw, name, base_dir, [origin])
    validator = _Validator(name, origin, raw, sha)
    validator.base_dir, validator.extends = base_dir, tuple(chain[1:])
    return validator.build()


_MAX_EXTENDS = 8


def _extended(
    raw: dict[str, Any], name: str, base_dir: Path | None, chain: list[str]
) -> tuple[dict[str, Any], list[str]]:
    """``raw`` merged onto the mapping it ``extends`` (recursively), and the chain of
    origins, this mapping first."""
    parent_ref = raw.get("extends")
    if parent_ref is None:
        return raw, chain
    if not isinstance(parent_ref, str) or not parent_ref.strip():
        raise MappingError(
            f"mapping {name!r}: extends must name a preset ({', '.join(preset_names())}) "
            f"or a mapping file, not {parent_ref!r}"
        )
    text = parent_ref.strip()
    candidate = Path(text) if base_dir is None else base_dir / text
    if text in preset_names() and not candidate.suffix:
        path, origin = preset_path(text), f"preset:{text}"
    elif candidate.is_file():
        path, origin = candidate, f"file:{candidate.name}"
    else:
        raise MappingError(
            f"mapping {name!r}: extends {text!r}, which is neither a preset"
            f"{_hint(text, preset_names())} ({', '.join(preset_names())}) nor a mapping file"
            + (f" next to it (in {base_dir})" if base_dir is not None else "")
            + "."
        )
    if origin in chain or len(chain) > _MAX_EXTENDS:
        raise MappingError(
            f"mapping {name!r}: extends goes round in a circle ({' -> '.join([*chain, origin])})"
        )
    parent = _read_yaml(path)
    if not isinstance(parent, dict):
        raise MappingError(f"mapping {name!r} extends {text!r}, which is not a mapping.")
    parent_dir = None if origin.startswith("preset:") else path.resolve().parent
    parent, chain = _extended(parent, text, parent_dir, [*chain, origin])
    child = {k: v for k, v in raw.items() if k != "extends"}
    return merge_mappings(parent, child), chain


def merge_mappings(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """A mapping that ``extends`` another, as one mapping: what ``child`` says wins.

    * ``values``: merged per field and per source value (the child's translations are added
      to the parent's, and replace the parent's for the same source value);
    * ``dates``: merged per key;
    * ``tables``: merged per table. A table given as a source (``source:``, ``columns:``,
      ...) is merged key by key into the parent's source, ``columns`` field by field (a
      field's spec is replaced whole; ``null`` removes the field). Columns given alone
      (``activities: {columns: {...}}``) for a table the parent reads from several sources
      are merged into each of them. A list of sources replaces the parent's; ``null``
      removes the table;
    * every other key is replaced.

    >>> merge_mappings(
    ...     {"values": {"stage": {"Won": "funded"}}, "timezone": "UTC"},
    ...     {"values": {"stage": {"Firmado": "application"}}, "timezone": "Europe/Madrid"},
    ... )
    {'values': {'stage': {'Won': 'funded', 'Firmado': 'application'}}, 'timezone': 'Europe/Madrid'}
    """
    out = copy.deepcopy(parent)
    for key, value in child.items():
        mine = out.get(key)
        if key == "values" and isinstance(value, dict) and isinstance(mine, dict):
            merged = dict(mine)
            for fname, vmap in value.items():
                old = merged.get(fname)
                both = isinstance(vmap, dict) and isinstance(old, dict)
                merged[fname] = {**cast("dict[str, Any]", old), **vmap} if both else vmap
            out[key] = merged
        elif key == "dates" and isinstance(value, dict) and isinstance(mine, dict):
            out[key] = {**mine, **value}
        elif key == "tables" and isinstance(value, dict) and isinstance(mine, dict):
            tables = dict(mine)
            for tname, source in value.items():
                if source is None:
                    tables.pop(tname, None)
                else:
                    tables[tname] = _merge_source(tables.get(tname), source)
            out[key] = tables
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_source(parent: Any, child: Any) -> Any:
    if not isinstance(child, dict):
        return copy.deepcopy(child)
    if isinstance(parent, dict):
        merged = dict(parent)
        for key, value in child.items():
            if key == "columns" and isinstance(value, dict) and isinstance(parent.get(key), dict):
                columns = dict(parent[key])
                for fname, spec in value.items():
                    if spec is None:
                        columns.pop(fname, None)
                    else:
                        columns[fname] = copy.deepcopy(spec)
                merged[key] = columns
            else:
                merged[key] = copy.deepcopy(value)
        return merged
    if isinstance(parent, list) and set(child) == {"columns"}:
        return [_merge_source(item, child) for item in parent]
    return copy.deepcopy(child)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, _dt.date | _dt.datetime):
        return value.isoformat()
    return value


# --------------------------------------------------------------------------- validation
class _Validator:
    """Builds a :class:`Mapping`, collecting every problem instead of stopping at the first."""

    def __init__(self, name: str, origin: str, raw: dict[str, Any], sha: str | None) -> None:
        self.name, self.origin, self.raw, self.sha = name, origin, raw, sha
        self.problems: list[str] = []
        self.base_dir: Path | None = None
        self.extends: tuple[str, ...] = ()

    def problem(self, where: str, text: str) -> None:
        self.problems.append(f"{where}: {text}")

    def check_keys(
        self, where: str, given: dict[str, Any], allowed: dict[str, tuple[tuple[type, ...], str]]
    ) -> dict[str, Any]:
        good = {}
        for key, value in given.items():
            if key not in allowed:
                self.problem(
                    where,
                    f"unknown key {key!r}{_hint(str(key), list(allowed))} "
                    f"(allowed: {', '.join(allowed)})",
                )
                continue
            types = allowed[key][0]
            if (
                value is None
                or not isinstance(value, types)
                or (bool not in types and isinstance(value, bool))
            ):
                wanted = " or ".join(sorted({_type_name(t) for t in types}))
                self.problem(where, f"{key!r} must be {wanted}, not {value!r}")
                continue
            good[key] = value
        return good

    def build(self) -> Mapping:
        top = self.check_keys("mapping", self.raw, TOP_KEYS)
        timezone = top.get("timezone")
        if timezone is not None:
            self.check_timezone("timezone", timezone)
        source_tz = top.get("source_timezone")
        if source_tz is not None:
            self.check_timezone("source_timezone", source_tz)
        blank_ids = top.get("blank_ids", [])
        if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in blank_ids):
            self.problem("blank_ids", f"must list id values (text), not {blank_ids!r}")
            blank_ids = []
        dates = self.check_keys("dates", top.get("dates", {}), DATE_KEYS)
        values = {}
        for fname, vmap in top.get("values", {}).items():
            values[str(fname)] = self.value_map(f"values.{fname}", str(fname), None, vmap)
        tables: dict[str, tuple[SourceSpec, ...]] = {}
        raw_tables = top.get("tables")
        if not raw_tables:
            self.problem("mapping", "has no 'tables:' section saying which file is which table")
            raw_tables = {}
        for tname, sources in raw_tables.items():
            if tname not in TABLES:
                self.problem(
                    f"tables.{tname}",
                    f"unknown table{_hint(str(tname), list(TABLES))} "
                    f"(canonical tables: {', '.join(TABLES)})",
                )
                continue
            items = sources if isinstance(sources, list) else [sources]
            specs = []
            for i, item in enumerate(items):
                where = f"tables.{tname}" + (f"[{i}]" if isinstance(sources, list) else "")
                spec = self.source(where, tname, item)
                if spec is not None:
                    specs.append(spec)
            tables[tname] = tuple(specs)
        for spec in tables.get("users", ()):
            for t, f in spec.derive:
                if t not in tables:
                    self.problem(
                        "tables.users.derive",
                        f"{t}.{f}: the mapping reads no {t}, so no user can be found there",
                    )
        if self.problems:
            raise MappingError(
                f"the mapping {self.name!r} ({self.origin}) has {len(self.problems)} "
                "problem(s); see docs/mapping.md",
                problems=self.problems,
            )
        return Mapping(
            name=self.name,
            origin=self.origin,
            tables=tables,
            values=values,
            timezone=timezone,
            dayfirst=dates.get("dayfirst"),
            date_format=dates.get("format"),
            allow_missing_columns=bool(top.get("allow_missing_columns", False)),
            raw=self.raw,
            sha256=self.sha,
            source_timezone=source_tz,
            blank_ids=tuple(str(v).strip() for v in blank_ids),
            salesforce_ids=bool(top.get("salesforce_ids", False)),
            base_dir=self.base_dir,
            extends=self.extends,
        )

    def check_timezone(self, where: str, tz: str) -> None:
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            self.problem(
                where, f"{tz!r} is not an IANA time zone (e.g. America/New_York, Europe/London)"
            )

    def value_map(self, where: str, fname: str, table: str | None, vmap: Any) -> dict[str, Any]:
        if not isinstance(vmap, dict):
            self.problem(where, f"must map source values to canonical values, not {vmap!r}")
            return {}
        fields = self.fields_named(fname, table)
        if not fields:
            known = sorted({f.name for t in TABLES.values() for f in t.fields})
            self.problem(where, f"no canonical field is called {fname!r}{_hint(fname, known)}")
            return {}
        out = {}
        for key, target in vmap.items():
            for f in fields:
                self.check_value(f"{where}[{key!r}]", f, target)
            out[normalize_key(key)] = target
        return out

    @staticmethod
    def fields_named(fname: str, table: str | None) -> list[Any]:
        tables = [TABLES[table]] if table else list(TABLES.values())
        return [f for t in tables for f in t.fields if f.name == fname]

    def check_value(self, where: str, f: Any, value: Any) -> None:
        """A value a mapping produces for field ``f`` must be valid for it."""
        if value is None:
            return
        if f.kind == "bool":
            if not isinstance(value, bool) and normalize_key(value) not in BOOLEAN_WORDS:
                self.problem(where, f"{f.name} is yes/no: use true or false, not {value!r}")
        elif f.vocabulary is not None:
            key = normalize_key(value)
            if key not in f.vocabulary and common_values(f.name).get(key) not in f.vocabulary:
                self.problem(
                    where,
                    f"{value!r} is not a {f.name} value{_hint(str(value), f.vocabulary)} "
                    f"(allowed: {', '.join(f.vocabulary)})",
                )
        elif f.kind == "float":
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.problem(where, f"{f.name} is a number, not {value!r}")
        elif f.kind == "datetime" and not isinstance(value, _dt.date | str):
            self.problem(where, f"{f.name} is a date, not {value!r}")

    def source(self, where: str, table: str, item: Any) -> SourceSpec | None:
        if isinstance(item, str):
            item = {"source": item, "columns": "canonical"}
        if not isinstance(item, dict):
            self.problem(
                where, f"must be a source description with source: and columns:, not {item!r}"
            )
            return None
        item = self.check_keys(where, item, SOURCE_KEYS)
        if "derive" in item:
            return self.derived_users(where, table, item)
        if item.get("changes_only") and table != "stage_history":
            self.problem(where, "changes_only applies to stage_history only")
        patterns = item.get("source")
        if patterns is None:
            self.problem(where, "needs source: the file name or glob of this table's file")
            return None
        patterns = [patterns] if isinstance(patterns, str) else patterns
        if not patterns or not all(isinstance(p, str) and p.strip() for p in patterns):
            self.problem(where, f"source must be file names or globs, not {patterns!r}")
            return None
        if "sheet" in item:
            patterns = [p if "#" in p else f"{p}#{item['sheet']}" for p in patterns]
        delimiter = item.get("delimiter")
        if delimiter is not None:
            delimiter = {"tab": "\t", "\\t": "\t"}.get(delimiter, delimiter)
            if len(delimiter) != 1:
                self.problem(where, f"delimiter must be one character or 'tab', not {delimiter!r}")
        encoding = item.get("encoding")
        if encoding is not None:
            import codecs

            try:
                codecs.lookup(encoding)
            except LookupError:
                self.problem(where, f"unknown encoding {encoding!r} (e.g. utf-8, cp1252)")
        columns = item.get("columns")
        tdef = TABLES[table]
        if columns is None:
            self.problem(where, "needs columns: canonical field -> source column")
            columns = {}
        if columns == "canonical":
            columns = {f.name: {"column": f.name, "optional": not f.required} for f in tdef.fields}
        elif isinstance(columns, str):
            self.problem(where, f"columns must be a mapping or 'canonical', not {columns!r}")
            columns = {}
        specs: dict[str, ColumnSpec] = {}
        names = [f.name for f in tdef.fields]
        for fname, raw_spec in columns.items():
            fwhere = f"{where}.columns.{fname}"
            if fname not in names:
                self.problem(
                    fwhere,
                    f"{table} has no field {fname!r}{_hint(str(fname), names)} "
                    f"(fields: {', '.join(names)})",
                )
                continue
            spec = self.column(fwhere, table, fname, raw_spec)
            if spec is not None:
                specs[fname] = spec
        for fname, spec in specs.items():
            if spec.from_field is not None:
                other = specs.get(spec.from_field)
                if spec.from_field not in names:
                    self.problem(
                        f"{where}.columns.{fname}",
                        f"from_field {spec.from_field!r} is not a field of {table}"
                        f"{_hint(spec.from_field, names)}",
                    )
                elif other is None:
                    self.problem(
                        f"{where}.columns.{fname}",
                        f"from_field {spec.from_field!r} is not mapped in this source",
                    )
                elif other.from_field is not None or spec.from_field == fname:
                    self.problem(
                        f"{where}.columns.{fname}",
                        "from_field must name a field that is read from a column",
                    )
        for fname in tdef.required_fields:
            if fname not in specs and fname not in columns:
                hint = (
                    f"add e.g. `{fname}: {{constant: producer}}` if every row is a producer"
                    if fname == "role"
                    else f"add `{fname}: <source column>`"
                )
                self.problem(where, f"required field {table}.{fname} is not mapped: {hint}")
        return SourceSpec(
            table=table,
            patterns=tuple(p.strip() for p in patterns),
            columns=specs,
            delimiter=delimiter,
            encoding=encoding,
            optional=bool(item.get("optional", False)),
            changes_only=bool(item.get("changes_only", False)),
        )

    def derived_users(self, where: str, table: str, item: dict[str, Any]) -> SourceSpec | None:
        """``users: {derive: [contacts.owner_id, ...], columns: {...}}``."""
        if table != "users":
            self.problem(where, "derive applies to users only (users found in owner columns)")
            return None
        extra = [k for k in item if k not in ("derive", "columns", "optional")]
        if extra:
            self.problem(
                where, f"a derived users source takes derive and columns only, not {extra}"
            )
        owners: list[tuple[str, str]] = []
        for ref in item["derive"]:
            tname, _, fname = str(ref).partition(".")
            known = tname in TABLES and fname in {x.name for x in TABLES[tname].fields}
            f = TABLES[tname].field(fname) if known else None
            if f is None or f.references != "users.user_id":
                fields = [
                    f"{t.name}.{x.name}"
                    for t in TABLES.values()
                    for x in t.fields
                    if x.references == "users.user_id"
                ]
                self.problem(
                    f"{where}.derive",
                    f"{ref!r} is not a field naming a user{_hint(str(ref), fields)} "
                    f"(fields that do: {', '.join(fields)})",
                )
                continue
            owners.append((tname, fname))
        if not owners and item["derive"] == []:
            self.problem(f"{where}.derive", "lists no owner field (e.g. contacts.owner_id)")
        columns = item.get("columns", {})
        if not isinstance(columns, dict):
            self.problem(where, f"columns must be a mapping, not {columns!r}")
            columns = {}
        specs: dict[str, ColumnSpec] = {}
        names = [f.name for f in TABLES["users"].fields]
        for fname, raw_spec in columns.items():
            fwhere = f"{where}.columns.{fname}"
            if fname == "user_id" or fname not in names:
                self.problem(
                    fwhere,
                    "derived users take their user_id from the owner columns; give name, team, "
                    "role, active or seat_start",
                )
                continue
            spec = self.column(fwhere, "users", fname, raw_spec, derived=True)
            if spec is not None:
                specs[fname] = spec
        if "team" not in specs:
            self.problem(
                where,
                "derived users need a team: `team: {constant: <team name>}`, a column of the "
                "owners' rows (`team: {column: Team}`) or a lookup file "
                "(`team: {from_field: user_id, lookup: {file: teams.csv, key: Owner, value: "
                "Team}}`)",
            )
        specs.setdefault("user_id", ColumnSpec(field="user_id", from_field="user_id"))
        specs.setdefault("name", ColumnSpec(field="name", from_field="user_id"))
        specs.setdefault("role", ColumnSpec(field="role", constant="producer"))
        return SourceSpec(
            table="users",
            patterns=(),
            columns=specs,
            optional=bool(item.get("optional", False)),
            derive=tuple(owners),
        )

    def column(
        self,
        where: str,
        table: str,
        fname: str,
        raw: Any,
        *,
        level: Literal["field", "fallback"] = "field",
        derived: bool = False,
    ) -> ColumnSpec | None:
        """One column spec (``level="fallback"`` for the spec under a ``fallback:``;
        ``derived`` for a column of users derived from owner columns)."""
        f = TABLES[table].field(fname)
        if isinstance(raw, str):
            return ColumnSpec(field=fname, column=(raw,))
        if isinstance(raw, list):
            raw = {"column": raw}
        if not isinstance(raw, dict):
            self.problem(
                where,
                f"{raw!r} is not a column name: quote it, or write "
                f"`{{constant: {raw!r}}}` for the same value on every row",
            )
            return None
        spec = self.check_keys(where, raw, COLUMN_KEYS)
        inputs = [k for k in _INPUTS if k in spec]
        if len(inputs) != 1:
            self.problem(
                where,
                "needs exactly one of column, constant, join or from_field"
                + (f" (found {', '.join(inputs)})" if inputs else ""),
            )
            return None
        # keys that would be accepted and do nothing are errors
        if level == "fallback":
            outer = [
                k
                for k in ("optional", "format", "dayfirst", "timezone", "currency", "infer_stage")
                if k in spec
            ]
            if outer:
                self.problem(
                    where,
                    f"{', '.join(outer)} cannot be set inside a fallback: they apply to the "
                    "whole field, so set them on the field itself",
                )
        if derived:
            allowed = {"column", "constant", "from_field", "lookup", "values", "patterns"}
            allowed |= {"default", "fallback", "format", "dayfirst", "timezone"}
            other = [k for k in spec if k not in allowed]
            if other:
                self.problem(
                    where,
                    f"{', '.join(other)} cannot be used for derived users (use column, constant, "
                    "from_field: user_id, lookup with a file, values, patterns, default, "
                    "fallback)",
                )
            if spec.get("from_field") not in (None, "user_id"):
                self.problem(where, "derived users: from_field can only be user_id (the owner)")
            if "lookup" in spec and not (
                isinstance(spec["lookup"], dict) and "file" in spec["lookup"]
            ):
                self.problem(
                    where, "derived users: lookup needs a file (lookup: {file, key, value})"
                )
        if "sep" in spec and "join" not in spec:
            self.problem(where, "sep only applies to join")
        for key in ("then", "else"):
            if key in spec and "is_in" not in spec:
                self.problem(
                    where, f"{key} only applies to is_in (for when, write when: {{..., else: }})"
                )
        cols = spec.get("column", ())
        cols = (cols,) if isinstance(cols, str) else tuple(cols)
        join = tuple(spec.get("join", ()))
        for name, group in (("column", cols), ("join", join)):
            if name in spec and (not group or not all(isinstance(c, str) for c in group)):
                self.problem(where, f"{name} must list source column names, not {group!r}")
                return None
        lookup, lookup_file = None, None
        if "lookup" in spec:
            lk = spec["lookup"]
            if not {"key", "value"} <= set(lk) <= {"key", "value", "file"} or not all(
                isinstance(v, str) and v.strip() for v in lk.values()
            ):
                self.problem(
                    where,
                    "lookup needs exactly {key: <id column>, value: <column>}, and file: <file "
                    "name or glob> when the id points into another file",
                )
            else:
                lookup, lookup_file = (lk["key"], lk["value"]), lk.get("file")
        when, when_else = None, UNSET
        if "when" in spec:
            wh = spec["when"]
            accepted = wh.get("is")
            accepted = accepted if isinstance(accepted, list) else [accepted]
            if not {"column", "is"} <= set(wh) <= {"column", "is", "else"} or not isinstance(
                wh.get("column"), str
            ):
                self.problem(
                    where,
                    "when needs exactly {column: <column>, is: <value or list>} "
                    "(and optionally else: <value for the other rows>)",
                )
            else:
                when = (wh["column"], tuple(normalize_key(_bool_text(v)) for v in accepted))
                if "else" in wh:
                    when_else = wh["else"]
                    self.check_value(f"{where}.when.else", f, when_else)
        split = spec.get("split_name")
        if split is not None and split not in ("first", "last"):
            self.problem(where, f"split_name must be first or last, not {split!r}")
        needs_column = [k for k in ("is_in", "split_name") if k in spec]
        if needs_column and "column" not in spec:
            self.problem(where, f"{', '.join(needs_column)} needs a column")
        if "lookup" in spec and not ("column" in spec or "from_field" in spec):
            self.problem(where, "lookup needs a column (or from_field) holding the ids to look up")
        if "is_in" in spec and "then" not in spec:
            self.problem(where, "is_in needs then: (and usually else:)")
        if "matches" in spec:
            self.check_regex(where, "matches", spec["matches"])
        if "timezone" in spec:
            self.check_timezone(where, spec["timezone"])
        if ("format" in spec or "dayfirst" in spec or "timezone" in spec) and f.kind != "datetime":
            self.problem(where, f"format/dayfirst/timezone only apply to dates; {fname} is not one")
        for key in ("constant", "then", "else", "default"):
            if key in spec:
                self.check_value(f"{where}.{key}", f, spec[key])
        currency = None
        if "currency" in spec:
            currency = self.currency(where, f, spec["currency"])
        infer = spec.get("infer_stage", {})
        if infer and (
            fname != "stage"
            or not set(infer) <= _INFER_KEYS
            or not all(isinstance(v, str) for v in infer.values())
        ):
            self.problem(
                where,
                "infer_stage applies to stage only and takes columns closed, won, probability "
                "and forecast (e.g. {closed: IsClosed, won: IsWon, probability: Probability})",
            )
            infer = {}
        fallback = None
        if "fallback" in spec:
            fallback = self.column(
                f"{where}.fallback",
                table,
                fname,
                spec["fallback"],
                level="fallback",
                derived=derived,
            )
        values = {}
        if "values" in spec:
            values = self.value_map(f"{where}.values", fname, table, spec["values"])
        patterns: list[tuple[str, Any]] = []
        for regex, target in spec.get("patterns", {}).items():
            if self.check_regex(where, f"patterns key {regex!r}", str(regex)):
                self.check_value(f"{where}.patterns[{regex!r}]", f, target)
                patterns.append((str(regex), target))
        return ColumnSpec(
            field=fname,
            column=cols,
            constant=spec.get("constant", UNSET),
            join=join,
            sep=spec.get("sep", " "),
            from_field=spec.get("from_field"),
            matches=spec.get("matches"),
            lookup=lookup,
            lookup_file=lookup_file,
            when=when,
            when_else=when_else,
            is_in=spec.get("is_in"),
            then=spec.get("then", UNSET),
            otherwise=spec.get("else", UNSET),
            split_name=split,
            fallback=fallback,
            values=values,
            patterns=tuple(patterns),
            default=spec.get("default", UNSET),
            currency=currency,
            infer_stage=dict(infer),
            format=spec.get("format"),
            dayfirst=spec.get("dayfirst"),
            timezone=spec.get("timezone"),
            optional=bool(spec.get("optional", False)),
        )

    def check_regex(self, where: str, what: str, regex: str) -> bool:
        try:
            re.compile(regex)
        except re.error as exc:
            self.problem(where, f"{what} is not a valid regular expression: {exc}")
            return False
        return True

    def currency(self, where: str, f: Any, raw: dict[str, Any]) -> CurrencySpec | None:
        if f.kind != "float":
            self.problem(where, f"currency only applies to amounts; {f.name} is not one")
            return None
        column, rates, to = raw.get("column"), raw.get("rates", {}), raw.get("to")
        column = [column] if isinstance(column, str) else column
        if (
            not set(raw) <= {"column", "rates", "to"}
            or not isinstance(column, list)
            or not column
            or not all(isinstance(c, str) for c in column)
        ):
            self.problem(
                where,
                "currency needs {column: <currency code column>} and optionally "
                "rates: {EUR: 1.08, ...} (units of `to` per unit) and to: <code>",
            )
            return None
        if not isinstance(rates, dict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in rates.values()
        ):
            self.problem(where, f"currency rates must be positive numbers, not {rates!r}")
            return None
        if rates and not isinstance(to, str):
            self.problem(where, "currency rates need to: <the currency they convert into>")
            return None
        return CurrencySpec(
            column=tuple(column),
            rates={str(k).strip().upper(): float(v) for k, v in rates.items()},
            to=None if to is None else str(to).strip().upper(),
        )


def _bool_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _type_name(t: type) -> str:
    return {
        str: "text",
        int: "a whole number",
        float: "a number",
        bool: "true/false",
        list: "a list",
        dict: "a mapping",
        _dt.date: "a date",
    }.get(t, t.__name__)
