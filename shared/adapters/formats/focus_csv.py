"""The FOCUS 1.3 allocated export as CSV: one header row of the column ids, one row per charge.

Formatting only (the values are shared/core/focus_rows.py's): UTF-8 without a BOM, RFC 4180
quoting; null is an empty cell; decimals are written in full, without an exponent or trailing
zeros (`0.333333333333`, `12.5`, `0`); date-times as ISO 8601 UTC (`2026-10-01T00:00:00Z`); JSON
objects compact, with their numbers written as the decimals they are (never through float).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TextIO

from shared.core.focus_rows import COLUMN_ORDER, Cell

MEDIA_TYPE = "text/csv"


class FocusCsv:
    """The CSV format of the FOCUS export (the FocusWriter port of shared/services/ports.py)."""

    media_type = MEDIA_TYPE
    extension = "csv"

    def write(self, rows: Iterable[Mapping[str, Cell]], out: TextIO) -> int:
        return write_focus_csv(rows, out)


def write_focus_csv(
    rows: Iterable[Mapping[str, Cell]], out: TextIO, columns: Sequence[str] = COLUMN_ORDER
) -> int:
    """Write the header and the rows to `out`; returns how many rows were written."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([cell_text(row[name]) for name in columns])
        count += 1
    return count


def cell_text(value: Cell) -> str:
    """One cell as written: see the module docstring."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json_text(value)


def decimal_text(value: Decimal) -> str:
    """A decimal in full positional notation, trailing zeros dropped (`-0` is `0`)."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "0") else text


def json_text(value: object) -> str:
    """A JSON value, compact, Decimals as JSON numbers of their exact digits."""
    if isinstance(value, Mapping):
        items = ",".join(f"{json.dumps(str(k))}:{json_text(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(json_text(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return json.dumps(value)
    raise TypeError(f"not a JSON value of the export: {type(value).__name__}")
