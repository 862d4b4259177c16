"""The `report` command's machine formats: JSON as the HTTP API serves it, and CSV rows of it.

JSON is the API's own bodies (shared/entrypoints/http/presenter.py, economics_presenter.py),
field names and numbers as served; `--by use-case` puts the showback's body and each use case's
beside each other. CSV has a header row and one row per line of the report, its columns the
API's field names (nested objects flattened as `coverage.allocatedCost`, lists joined with `;`),
and every number the decimal the API's JSON number is, written out in full (0.00000001, never
1e-08): nothing is rounded again. The rows of a period's unit costs and of a showback add up to
its billed cost: the deployments and the unallocated lines, the groups and the unassigned parts.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from enum import StrEnum

from shared.core.economics_views import ShowbackView, UseCaseUnitCostsView
from shared.core.views import PeriodUnitCostsView
from shared.entrypoints.http.economics_presenter import showback_json, use_case_unit_costs_json
from shared.entrypoints.http.presenter import Json, unit_costs_json


class ReportBy(StrEnum):
    """What the rows of `report --by` are."""

    DEPLOYMENT = "deployment"  # the period's unit costs
    USE_CASE = "use-case"  # each use case's economics, and the showback by use case
    OWNER = "owner"  # the showback by owner


class ReportFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


HEAD = ("period", "costType", "currency")  # the first columns of every CSV row
UNASSIGNED = ("noUseCase", "unclaimedCallers", "unattributed", "unallocated")


def json_text(body: object) -> str:
    """A body as the API would serve it, indented."""
    return json.dumps(body, indent=2, ensure_ascii=False, allow_nan=False)


def use_cases_json(showback: ShowbackView, use_cases: Sequence[UseCaseUnitCostsView]) -> Json:
    """`--by use-case`: GET /api/showback?by=useCase, and each use case's
    GET /api/use-cases/{name}/unit-costs."""
    return {
        "showback": showback_json(showback),
        "useCases": [use_case_unit_costs_json(view) for view in use_cases],
    }


def unit_costs_rows(view: PeriodUnitCostsView) -> list[Json]:
    """One row per deployment, then one per unallocated line (`row` says which)."""
    body = unit_costs_json(view)
    head = _head(body)
    return [
        *({"row": "deployment", **head, **_dict(d)} for d in _list(body["deployments"])),
        *({"row": "unallocated", **head, **_dict(u)} for u in _list(body["unallocated"])),
    ]


def showback_rows(view: ShowbackView) -> list[Json]:
    """One row per group, then one per unassigned part (`row` says which)."""
    body = showback_json(view)
    head = {**_head(body), "by": body["by"]}
    unassigned = _dict(body["unassigned"])
    return [
        *({"row": "group", **head, **_dict(g)} for g in _list(body["groups"])),
        *({"row": "unassigned", **head, "name": k, "cost": unassigned[k]} for k in UNASSIGNED),
    ]


def use_case_rows(views: Iterable[UseCaseUnitCostsView]) -> list[Json]:
    """One row per use case: its economics (its members and days are in the JSON)."""
    rows = []
    for view in views:
        body = use_case_unit_costs_json(view)
        row: Json = {"useCase": body["useCase"], **_head(body)}
        for name, value in body.items():
            if isinstance(value, dict):
                row.update({f"{name}.{k}": v for k, v in value.items()})
            elif not isinstance(value, list):
                row.setdefault(name, value)
        rows.append(row)
    return rows


def csv_text(rows: Sequence[Mapping[str, object]], empty: Sequence[str] = HEAD) -> str:
    """The rows under a header of every column they have, in the order first met (`empty`:
    the header when there is no row)."""
    columns = list(dict.fromkeys(name for row in rows for name in row)) or list(empty)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in columns])
    return out.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):  # the JSON number of a rounded Decimal: that decimal
        return format(Decimal(repr(value)), "f")
    if isinstance(value, list):
        return ";".join(_cell(v) for v in value)
    return str(value)


def _head(body: Json) -> Json:
    return {name: body[name] for name in HEAD}


def _dict(value: object) -> Json:
    assert isinstance(value, dict)
    return value


def _list(value: object) -> list[object]:
    assert isinstance(value, list)
    return value
