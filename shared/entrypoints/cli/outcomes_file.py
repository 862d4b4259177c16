"""An outcomes file for `outcomes --use-case NAME --file F`: CSV with the columns `id,date,count`
(a header row, UTF-8, a BOM tolerated), or JSON in the API's shape `{"outcomes": [...]}`.

Every bad row is named by its line (`line 3.count`: the line the row ends on) or JSON path
(`outcomes[2].count`).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from shared.core.outcomes import EVENT_KEYS, EventBatch, parse_body, parse_events


def read_outcomes_file(path: Path) -> EventBatch:
    """The events of the file, and every problem (the events are meaningful only without)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        return _refused(f"cannot read {path}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        return _refused(f"{path} is not UTF-8 text")
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            raw = json.loads(text)
        except ValueError as exc:
            return _refused(f"{path} is not JSON: {exc}")
        return parse_body(raw)
    return _csv(text)


def _csv(text: str) -> EventBatch:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [k for k in EVENT_KEYS if k not in header]
    if missing:
        return _refused(f"the CSV header must have the columns id,date,count; missing {missing}")
    rows: list[object] = []
    lines: list[int] = []  # the line each row ends on (blank lines skipped, quoted cells kept)
    for row in reader:
        if None in row:  # more cells than columns
            return _refused("more cells than the header has columns", f"line {reader.line_num}")
        rows.append({k.strip(): (v or "").strip() for k, v in row.items() if k is not None})
        lines.append(reader.line_num)
    return parse_events(rows, lambda i: f"line {lines[i]}", "file")


def _refused(detail: str, field: str = "file") -> EventBatch:
    return EventBatch(problems=((field, detail),))
