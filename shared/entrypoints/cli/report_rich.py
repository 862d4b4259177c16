"""The `report` command's terminal tables (rich): a period's unit costs, the showback by owner,
and the use cases' economics with the showback by use case.

Every figure is shown as the view holds it: money already rounded to the cent (shown with
thousands separators), unit costs as the decimal the API serves (0.0025, never a float rounded
to six places). A table is never cut: figures never wrap, and off a terminal the output is as
wide as the table needs; on a terminal, as wide as the terminal, names wrap (or fold) first.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Sequence
from decimal import Decimal
from typing import TextIO

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from shared.core.economics_views import ShowbackView, UseCaseUnitCostsView
from shared.core.views import API_NAMES, PeriodUnitCostsView, StatusView

MEASURE_WIDTH = 10_000  # wide enough to measure any table at its natural width


def money(value: Decimal, currency: str | None = None) -> str:
    """A cent amount as shown: `18,576.02`, with the currency when given."""
    return f"{value:,.2f}" + (f" {currency}" if currency else "")


def unit(value: Decimal | None) -> str:
    """A unit cost as the API serves it (`0.0025`), or `-` when it does not exist."""
    return "-" if value is None else f"{value.normalize():f}"


def count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def unit_costs_tables(view: PeriodUnitCostsView) -> list[RenderableType]:
    """The deployments by cost, the split of the bill, then the unallocated lines."""
    cur = view.currency
    table = _table("account", "deployment", "model", "sku", "cost", "input tokens",
                   "output tokens", "requests", "cost/1K tokens", "cost/request", "PTU idle",
                   figures=7)  # fmt: skip
    for d in sorted(view.deployments, key=lambda d: (-d.cost, d.key)):
        idle = d.provisioned_idle_cost
        table.add_row(
            d.account, d.deployment, f"{d.model} {d.model_version}".strip(), d.sku, money(d.cost),
            count(d.input_tokens), count(d.output_tokens), count(d.requests),
            unit(d.cost_per_1k_tokens), unit(d.cost_per_request),
            "-" if idle is None or not d.provisioned_cost else money(idle),
        )  # fmt: skip
    totals = view.totals
    head = f"Unit costs for {view.period} ({API_NAMES[view.cost_type]} cost, {cur})"
    parts: list[RenderableType] = [
        _heading(head, view.status),
        table,
        Text(
            f"billed {money(totals.billed, cur)} = allocated {money(totals.allocated, cur)}"
            f" + unallocated {money(totals.unallocated, cur)}"
        ),
    ]
    if view.unallocated_lines:
        lines = _table("reason", "account", "meter", "cost", figures=1)
        for item in view.unallocated_lines:
            account = item.account_id.rsplit("/", 1)[-1] or "(no resource)"
            lines.add_row(item.reason.value, account, item.meter, money(item.cost))
        parts += [Text("Unallocated by reason:"), lines]
    return parts


def showback_tables(view: ShowbackView) -> list[RenderableType]:
    """The groups by cost, then the unassigned parts and the billed total (they add up)."""
    cur, u = view.currency, view.unassigned
    table = _table(view.by.value, "use cases", "cost", figures=1)
    for g in view.groups:
        table.add_row(g.name, ", ".join(g.use_cases), money(g.cost))
    table.add_section()
    for name, amount in (
        ("unassigned: no use case", u.no_use_case),
        ("unassigned: unclaimed callers", u.unclaimed_callers),
        ("unassigned: unattributed tokens", u.unattributed),
        ("unassigned: unallocated lines", u.unallocated),
    ):
        table.add_row(name, "", money(amount))
    table.add_section()
    table.add_row("billed", "", money(view.totals.billed))
    head = f"Showback by {view.by.value}, {view.period} ({API_NAMES[view.cost_type]} cost, {cur})"
    return [_heading(head, view.status), table]


def use_cases_tables(
    showback: ShowbackView, use_cases: Sequence[UseCaseUnitCostsView]
) -> list[RenderableType]:
    """Each use case's cost, outcomes and unit costs, then the showback by use case."""
    cur = showback.currency
    head = f"Use-case economics, {showback.period} ({API_NAMES[showback.cost_type]} cost, {cur})"
    if not use_cases:
        none = "no use case has cost in this period: apply a definitions file (docs/use-cases.md)"
        return [_heading(head, showback.status), Text(none), *showback_tables(showback)]
    table = _table("use case", "owner", "cost center", "outcome unit", "cost", "outcomes",
                   "cost/outcome", "cost/1K tokens", "cost/request", figures=5)  # fmt: skip
    for v in use_cases:
        table.add_row(
            v.name, v.owner, v.cost_center, v.outcome_unit, money(v.cost), count(v.outcomes),
            unit(v.cost_per_outcome), unit(v.cost_per_1k_tokens), unit(v.cost_per_request),
        )  # fmt: skip
    reasons = [Text(f"  {v.name}: no cost per outcome: {v.reason}") for v in use_cases if v.reason]
    return [_heading(head, showback.status), table, *reasons, *showback_tables(showback)]


def render(parts: Sequence[RenderableType], out: TextIO | None = None) -> str | None:
    """The parts as plain text (`out` None), or printed to `out` (colours on a terminal)."""
    terminal = out is not None and out.isatty()
    width = _width(parts, shutil.get_terminal_size().columns if terminal else None)
    console = Console(
        file=out if out is not None else io.StringIO(),
        width=width,
        force_terminal=terminal,
        color_system="auto" if terminal else None,
        highlight=False,
        emoji=False,
        markup=False,
    )
    for part in parts:
        console.print(part)
    if out is None:
        assert isinstance(console.file, io.StringIO)
        return console.file.getvalue()
    return None


def _width(parts: Sequence[RenderableType], terminal: int | None) -> int:
    """Wide enough never to cut a figure: the natural width off a terminal, else at least the
    terminal's and at least the narrowest the tables can be."""
    measuring = Console(width=MEASURE_WIDTH, file=io.StringIO())
    tables = [measuring.measure(p) for p in parts if isinstance(p, Table)]
    if terminal is None:
        texts = [len(p.plain) for p in parts if isinstance(p, Text)]
        return max([m.maximum for m in tables] + texts + [1])
    return max([terminal] + [m.minimum for m in tables])


def _table(*headers: str, figures: int) -> Table:
    """A table whose last `figures` columns are right-aligned figures that never wrap, and
    whose text columns wrap or fold, never cut."""
    table = Table(box=box.HORIZONTALS, show_edge=False, pad_edge=False)
    first_figure = len(headers) - figures
    for i, header in enumerate(headers):
        if i >= first_figure:
            table.add_column(header, justify="right", no_wrap=True)
        else:  # a name too long for a narrow terminal folds onto the next line, never cut
            table.add_column(header, overflow="fold")
    return table


def _heading(text: str, status: StatusView) -> Text:
    state = status.status.value
    return Text(f"{text}; {state}, final from {status.closes_on}", style="bold")
