"""A plain-text report of one period's API body: per-deployment unit costs and unallocated cost.

Money is shown exactly as the body holds it (already rounded by shared/core/rounding.py, so the
lines add up to the totals); nothing is summed or rounded again here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal


def money_text(value: object, currency: str) -> str:
    """A cent amount of an API body as shown, e.g. `18,576.02 USD` (via Decimal: the same cents)."""
    return f"{Decimal(str(value)):,.2f} {currency}"


def _unit(value: object) -> str:
    return "-" if value is None else f"{float(value):.6f}"  # type: ignore[arg-type]


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    """Aligned text columns (the `right` ones right-aligned) under a header and a rule."""
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))  # fmt: skip

    return [fmt(headers), "  ".join("-" * w for w in widths), *(fmt(r) for r in rows)]


def _idle(dep: Mapping[str, object], currency: str) -> str:
    """The idle part of a deployment's provisioned cost, when it has any and Azure measured it."""
    idle = dep.get("provisionedIdleCost")
    return "-" if idle is None or not dep.get("provisionedCost") else money_text(idle, currency)


def render_report(body: Mapping[str, object]) -> str:
    cur = str(body["currency"])
    deps = body["deployments"]
    assert isinstance(deps, list)
    rows = [
        [
            str(d["account"]), str(d["deployment"]), f"{d['model']} {d['modelVersion']}",
            str(d["sku"]), money_text(d["cost"], cur), f"{d['inputTokens']:,}",
            f"{d['outputTokens']:,}", f"{d['requests']:,}", _unit(d["costPer1kTokens"]),
            _unit(d["costPerRequest"]), _idle(d, cur),
        ]
        for d in sorted(deps, key=lambda d: -float(d["cost"]))
    ]  # fmt: skip
    headers = ["account", "deployment", "model", "sku", "cost", "input tokens", "output tokens",
               "requests", "cost/1K tokens", "cost/request", "PTU idle"]  # fmt: skip
    lines = [f"Unit costs for {body['period']} ({body['costType']} cost, {cur})", ""]
    lines += text_table(headers, rows, right={4, 5, 6, 7, 8, 9, 10})
    left = body["unallocated"]
    assert isinstance(left, list)
    lines += ["", "Unallocated by reason:"]
    if not left:
        lines.append("  (none)")
    for item in left:
        account = str(item["accountId"]).rsplit("/", 1)[-1] or "(no resource)"
        money = money_text(item["cost"], cur)
        lines.append(f"  {item['reason']:<24} {money:>16}  {item['meter']}  on {account}")
    lines += ["", f"Billed {_split(body, cur)}"]
    return "\n".join(lines)


def _split(body: Mapping[str, object], currency: str) -> str:
    """`X = allocated Y + unallocated Z`: the body's totals, which add up to the cent."""
    return (
        f"{money_text(body['billedCost'], currency)}"
        f" = allocated {money_text(body['allocatedCost'], currency)}"
        f" + unallocated {money_text(body['unallocatedCost'], currency)}"
    )


def render_totals(body: Mapping[str, object]) -> str:
    """One line: a period's billed, allocated and unallocated cost in one price basis."""
    cur = str(body["currency"])
    return f"{body['costType']} cost for {body['period']}: billed {_split(body, cur)}"
