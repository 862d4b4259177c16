"""`what-if --deployment KEY --period YYYY-MM --model NAME [--version V] [--sku SKU] [--ptu N]
[--reservation 1m|1y] [--cost-type]`: a deployment's traffic of the period re-priced under
another configuration, against its allocated cost (as GET /api/what-if)."""

from __future__ import annotations

import argparse

from shared.core.views import API_NAMES, PeriodQuery
from shared.core.what_if_views import ConfigurationView, WhatIfView
from shared.entrypoints.cli.arguments import Subparsers, examples
from shared.entrypoints.cli.composition import container
from shared.entrypoints.cli.report_table import money_text, text_table
from shared.services.what_if import parse_ptu


def add(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "what-if",
        help="a deployment's traffic of a period priced under another configuration",
        epilog=examples(
            "what-if --deployment KEY --period 2026-10 --model gpt-4o-mini",
            "what-if --deployment KEY --period 2026-10 --model gpt-4o "
            "--sku GlobalProvisionedManaged --reservation 1m",
        ),
    )
    parser.add_argument("--deployment", required=True, help="the deployment's key")
    parser.add_argument("--period", required=True, help="YYYY-MM")
    parser.add_argument("--model", required=True, help="the model to price the traffic as")
    parser.add_argument("--version", help="the model version (default: as the API)")
    parser.add_argument("--sku", help="an ARM SKU name such as GlobalStandard, GlobalBatch, ...")
    parser.add_argument("--ptu", help="provisioned capacity in PTUs (default: sized)")
    parser.add_argument("--reservation", help="1m or 1y (provisioned only)")
    parser.add_argument("--cost-type", help="actual or amortized (default: as the API)")
    return parser


def run(args: argparse.Namespace) -> int:
    query = PeriodQuery.parse(args.period, args.cost_type)  # named as the API names them
    ptu = parse_ptu(args.ptu)
    view = container().what_if.run(
        args.deployment, query, args.model, args.version, args.sku, ptu, args.reservation
    )
    print(render_what_if(view))
    return 0


def _config(view: ConfigurationView) -> str:
    text = f"{view.model} {view.version or '(any version)'} {view.sku}"
    if view.ptu is not None:
        text += f", {view.ptu} PTU"
    if view.reservation:
        text += f", reserved {view.reservation}"
    return text


def render_what_if(view: WhatIfView) -> str:
    """The headline, the prices used, the capacity, then the assumptions and unknowns."""
    cur = view.currency
    t = view.traffic
    share = "-" if t.cache_share is None else f"{float(t.cache_share) * 100:.1f}%"
    percent = "" if view.delta_percent is None else f" ({float(view.delta_percent):+.1f}%)"
    lines = [
        f"What-if of {view.key}, {view.period} ({API_NAMES[view.cost_type]}), {view.region}",
        f"  now:     {_config(view.current)}",
        f"  what-if: {_config(view.configuration)}",
        f"  cost {money_text(view.cost, cur)} vs allocated {money_text(view.allocated_cost, cur)}:"
        f" delta {money_text(view.delta, cur)}{percent}",
        f"  traffic: {t.days} days, {t.input_tokens:,} input tokens ({share} cached), "
        f"{t.output_tokens:,} output tokens, {t.requests:,} requests",
    ]
    rows = [
        [p.what, f"{float(p.amount):.8f} {p.currency}/{p.unit}", p.source,
         f"{p.quantity:,}", money_text(p.cost, cur)]
        for p in view.prices
    ]  # fmt: skip
    lines += ["", *text_table(["price", "per unit", "source", "quantity", "cost"], rows, {3, 4})]
    c = view.capacity
    if c is not None:
        reserved = "-" if c.reserved_cost is None else money_text(c.reserved_cost, cur)
        payg = "-" if c.pay_as_you_go_cost is None else money_text(c.pay_as_you_go_cost, cur)
        even = "-" if c.break_even_utilization is None else f"{float(c.break_even_utilization):.4f}"
        lines += [
            "",
            f"  capacity {c.capacity} PTU (needed: {c.needed if c.needed is not None else '-'}), "
            f"{c.hours:,} hours: hourly {money_text(c.hourly_cost, cur)}, reserved "
            f"({c.reservation}) {reserved}, pay-as-you-go {payg}, break-even {even}",
        ]
    lines += ["", "Assumptions:", *(f"  - {a}" for a in view.assumptions)]
    lines += ["Unknowns:", *(f"  - {u}" for u in view.unknowns)]
    return "\n".join(lines)
