"""An outcomes file for `outcomes --use-case NAME --file F`: CSV with the columns `id,date,count`
(a header row, UTF-8, a BOM tolerated), or JSON in the API's shape `{"outcomes": [...]}`.

Every bad row is named by its line (`line 3.count`) or JSON path (`outcomes[2].count`).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from shared.core.outcomes import EVENT_KEYS, OutcomeEvent, parse_body, parse_events
from shared.core.use_cases import Problem


def read_outcomes_file(path: Path) -> tuple[list[OutcomeEvent], list[Problem]]:
    """The events of the file, and every problem (the events are meaningful only without)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        return [], [("file", f"cannot read {path}: {exc.strerror or exc}")]
    except UnicodeDecodeError:
        return [], [("file", f"{path} is not UTF-8 text")]
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            raw = json.loads(text)
        except ValueError as exc:
            return [], [("file", f"{path} is not JSON: {exc}")]
        return parse_body(raw)
    return _csv(text)


def _csv(text: str) -> tuple[list[OutcomeEvent], list[Problem]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [k for k in EVENT_KEYS if k not in header]
    if missing:
        return [], [
            ("file", f"the CSV header must have the columns id,date,count; missing {missing}")
        ]
    rows: list[object] = []
    for row in reader:
        if None in row:  # more cells than columns
            return [], [(f"line {reader.line_num}", "more cells than the header has columns")]
        rows.append({k.strip(): (v or "").strip() for k, v in row.items() if k is not None})
    events, problems = parse_events(rows, "rows")
    # `rows[i]` is data row i, on line i + 2 (after the header).
    return events, [(_line(field), detail) for field, detail in problems]


def _line(field: str) -> str:
    if not field.startswith("rows["):
        return "file" if field == "rows" else field
    index, _, rest = field[len("rows[") :].partition("]")
    return f"line {int(index) + 2}{rest}"
