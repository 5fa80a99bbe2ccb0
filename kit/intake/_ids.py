"""Ids as the mapping says to read them: trimmed, "no link" placeholders blank, 15-character
Salesforce ids in their 18-character form.

Private to :mod:`kit.intake`.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from kit.intake.mapping import Mapping
from kit.intake.normalize import text

_SF_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
#: 15 letters and digits, at least three of them digits (ids are; a name is not)
_SF_15 = re.compile(r"^(?=(?:[^0-9]*[0-9]){3})[a-zA-Z0-9]{15}$")


def salesforce_18(sf_id: str) -> str:
    """The 18-character form of a 15-character Salesforce id (others unchanged).

    Salesforce adds three characters encoding which of the 15 are upper case, so that ids
    differing only in case stay distinct where case is ignored.

    >>> salesforce_18("0055e000001AbCd")
    '0055e000001AbCdAAK'
    >>> salesforce_18("0055e000001AbCdAAK")
    '0055e000001AbCdAAK'
    >>> salesforce_18("AnaRuizGonzalez")  # a name, not an id
    'AnaRuizGonzalez'
    """
    if not _SF_15.match(sf_id):
        return sf_id
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(sf_id[start : start + 5]) if "A" <= ch <= "Z")
        suffix += _SF_SUFFIX[bits]
    return sf_id + suffix


def salesforce_18_ids(t: pa.ChunkedArray) -> pa.ChunkedArray:
    short = pc.equal(pc.utf8_length(t), 15)
    if not pc.any(short).as_py():
        return t
    encoded = pc.dictionary_encode(t).combine_chunks()
    longer = pa.array(
        [None if v is None else salesforce_18(v) for v in encoded.dictionary.to_pylist()],
        pa.string(),
    )
    return pa.chunked_array([pc.take(longer, encoded.indices)])


def trimmed(t: pa.ChunkedArray) -> pa.ChunkedArray:
    trimmed = pc.utf8_trim_whitespace(t)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def clean_ids(arr: pa.ChunkedArray, *, mapping: Mapping) -> pa.ChunkedArray:
    """Ids as the mapping says to read them: "no link" placeholders blank, 15-character
    Salesforce ids in their 18-character form."""
    if not (mapping.blank_ids or mapping.salesforce_ids):
        return arr
    t = trimmed(text(arr))
    if mapping.blank_ids:
        placeholder = pc.is_in(t, value_set=pa.array(mapping.blank_ids, pa.string()))
        if pc.any(placeholder).as_py():
            t = pc.if_else(placeholder, pa.scalar(None, pa.string()), t)
    if mapping.salesforce_ids:
        t = salesforce_18_ids(t)
    return t
