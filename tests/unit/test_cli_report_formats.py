"""`report`'s three formats on crafted views: the table shows every figure exactly as the view
holds it and is never cut, JSON is the API's body, CSV has the API's field names and the very
decimals the API serves, its cost column adding up to the billed total."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

from shared.core.allocation import UnallocatedReason
from shared.core.costs import CostType
from shared.core.economics_views import (
    CoverageView,
    ShowbackGroupView,
    ShowbackView,
    UnassignedView,
    UseCaseUnitCostsView,
)
from shared.core.period import BillingPeriod
from shared.core.rounding import RoundedTotals
from shared.core.showback import ShowbackBy
from shared.core.views import (
    DeploymentCostView,
    PeriodUnitCostsView,
    StatusView,
    UnallocatedCostView,
)
from shared.entrypoints.cli.report_formats import (
    csv_text,
    json_text,
    showback_rows,
    unit_costs_rows,
    use_case_rows,
    use_cases_json,
)
from shared.entrypoints.cli.report_rich import (
    render,
    showback_tables,
    unit_costs_tables,
    use_cases_tables,
)
from shared.entrypoints.http.economics_presenter import showback_json, use_case_unit_costs_json
from shared.entrypoints.http.presenter import unit_costs_json

OCT = BillingPeriod(2026, 10)
STATUS = StatusView.of(OCT, date(2026, 12, 1))
ACCOUNT = (
    "/subscriptions/5b8f0c1e-3a47-4d2b-9e61-2f7a8c4d9b10/resourceGroups/rg-ai-prod/providers/"
    "Microsoft.CognitiveServices/accounts/contoso-ai-eus2"
)
D = Decimal


def deployment(name: str, cost: str, per_1k: str | None, per_request: str | None,
               idle: str | None = None) -> DeploymentCostView:  # fmt: skip
    return DeploymentCostView(
        key=f"contoso-ai-eus2~{name}~0123456789", deployment_id=f"{ACCOUNT}/deployments/{name}",
        account_id=ACCOUNT, account="contoso-ai-eus2", deployment=name, model="gpt-4o",
        model_version="2024-11-20", sku="GlobalProvisionedManaged" if idle else "GlobalStandard",
        capacity=50 if idle else 100, cost=D(cost), input_tokens=805_886_510,
        output_tokens=166_782_477, requests=486_335,
        cost_per_1k_tokens=None if per_1k is None else D(per_1k),
        cost_per_1k_input_tokens=None, cost_per_1k_output_tokens=None,
        cost_per_request=None if per_request is None else D(per_request),
        provisioned_cost=D(cost) if idle else D("0.00"),
        provisioned_idle_cost=D(idle) if idle else None,
        provisioned_used_cost=D(cost) - D(idle) if idle else None,
    )  # fmt: skip


UNIT_COSTS = PeriodUnitCostsView(
    period=OCT,
    cost_type=CostType.AMORTIZED,
    currency="USD",
    totals=RoundedTotals(D("12190.60"), D("12175.60"), D("15.00")),
    deployments=(
        deployment("embed", "9.10", "0.00000001", "0E-8"),
        deployment("chat-ptu", "12166.50", "0.01250837", "0.02501671", idle="6037.98"),
    ),
    unallocated_lines=(
        UnallocatedCostView(
            ACCOUNT,
            "Content Safety Text Records",
            "meter-1",
            UnallocatedReason.ACCOUNT_LEVEL_CHARGE,
            D("15.00"),
        ),
    ),
    status=STATUS,
)
SHOWBACK = ShowbackView(
    period=OCT,
    cost_type=CostType.AMORTIZED,
    currency="USD",
    status=STATUS,
    by=ShowbackBy.OWNER,
    totals=RoundedTotals(D("12190.60"), D("12175.60"), D("15.00")),
    groups=(
        ShowbackGroupView("support-platform", D("10000.10"), ("support-bot",)),
        ShowbackGroupView("docs-team", D("2000.00"), ("summarizer", "translator")),
    ),
    unassigned=UnassignedView(D("190.50"), D("100.00"), D("50.25"), D("25.25"), D("15.00")),
)


def use_case(name: str, cost: str, outcomes: int | None, per_outcome: str | None,
             reason: str | None = None) -> UseCaseUnitCostsView:  # fmt: skip
    return UseCaseUnitCostsView(
        name=name, period=OCT, cost_type=CostType.AMORTIZED, currency="USD", status=STATUS,
        owner="support-platform", cost_center="CC-1042", outcome_unit="resolved query",
        cost=D(cost), outcomes=outcomes,
        cost_per_outcome=None if per_outcome is None else D(per_outcome), reason=reason,
        cost_per_1k_tokens=D("0.00312500"), cost_per_request=D("0.01000000"),
        tokens_per_outcome=D("1234.50"), input_tokens=1_000_000, output_tokens=200_000,
        requests=3_000,
        coverage=CoverageView(D(cost), D("0.00"), D("100.0000"), D("0.0000"), None, None, 31, 30,
                              D("96.7742")),
        members=(), daily=(),
    )  # fmt: skip


USE_CASES = (
    use_case("support-bot", "10000.10", 12_345, "0.81005265"),
    use_case("summarizer", "2000.00", None, None, reason="no outcome data for this period"),
)
BY_USE_CASE = ShowbackView(
    OCT, CostType.AMORTIZED, "USD", STATUS, ShowbackBy.USE_CASE, SHOWBACK.totals,
    (ShowbackGroupView("support-bot", D("10000.10"), ("support-bot",)),
     ShowbackGroupView("summarizer", D("2000.00"), ("summarizer",))),
    SHOWBACK.unassigned,
)  # fmt: skip


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_unit_costs_table_shows_every_figure_as_the_view_holds_it() -> None:
    text = render(unit_costs_tables(UNIT_COSTS))
    assert text is not None
    lines = text.splitlines()
    assert lines[0] == (
        "Unit costs for 2026-10 (amortized cost, USD); closed, final from 2026-11-06"
    )
    ptu = next(line for line in lines if "chat-ptu" in line)
    assert ptu.split() == [
        "contoso-ai-eus2", "chat-ptu", "gpt-4o", "2024-11-20", "GlobalProvisionedManaged",
        "12,166.50", "805,886,510", "166,782,477", "486,335", "0.01250837", "0.02501671",
        "6,037.98",
    ]  # fmt: skip
    embed = next(line for line in lines if "embed" in line)
    assert embed.split()[5:] == ["9.10", "805,886,510", "166,782,477", "486,335", "0.00000001",
                                 "0", "-"]  # fmt: skip
    assert lines.index(ptu) < lines.index(embed)  # by cost, largest first
    assert "billed 12,190.60 USD = allocated 12,175.60 USD + unallocated 15.00 USD" in lines
    assert any(line.split()[:2] == ["account-level-charge", "contoso-ai-eus2"] for line in lines)
    assert "\u2026" not in text  # never cut


def test_the_unit_costs_json_is_the_apis_body() -> None:
    body = json.loads(json_text(unit_costs_json(UNIT_COSTS)))
    assert body == unit_costs_json(UNIT_COSTS)
    assert body["billedCost"] == 12190.6 and body["deployments"][1]["cost"] == 12166.5
    assert body["deployments"][0]["costPer1kTokens"] == 1e-08


def test_the_unit_costs_csv_has_the_apis_names_and_decimals_and_adds_up() -> None:
    text = csv_text(unit_costs_rows(UNIT_COSTS))
    header = text.splitlines()[0].split(",")
    assert header[:6] == ["row", "period", "costType", "currency", "key", "deploymentId"]
    assert {"costPer1kTokens", "provisionedIdleCost", "meter", "meterId", "reason"} <= set(header)
    found = rows(text)
    assert [r["row"] for r in found] == ["deployment", "deployment", "unallocated"]
    embed, ptu, unallocated = found
    assert (embed["costPer1kTokens"], embed["costPerRequest"]) == ("0.00000001", "0.0")
    assert (ptu["cost"], ptu["provisionedIdleCost"], ptu["capacity"]) == ("12166.5", "6037.98",
                                                                          "50")  # fmt: skip
    assert embed["costPer1kInputTokens"] == ""  # null, not zero
    assert (unallocated["reason"], unallocated["cost"], unallocated["key"]) == (
        "account-level-charge", "15.0", ""
    )  # fmt: skip
    assert sum(D(r["cost"]) for r in found) == UNIT_COSTS.totals.billed  # exact, to the cent


def test_the_showback_by_owner_in_each_format() -> None:
    text = render(showback_tables(SHOWBACK))
    assert text is not None
    lines = [line.split("  ") for line in text.splitlines()]
    cells = [[c.strip() for c in line if c.strip()] for line in lines]
    assert ["support-platform", "support-bot", "10,000.10"] in cells
    assert ["docs-team", "summarizer, translator", "2,000.00"] in cells
    assert ["unassigned: unclaimed callers", "50.25"] in cells
    assert ["billed", "12,190.60"] in cells

    assert json.loads(json_text(showback_json(SHOWBACK))) == showback_json(SHOWBACK)

    found = rows(csv_text(showback_rows(SHOWBACK)))
    assert list(found[0]) == ["row", "period", "costType", "currency", "by", "name", "cost",
                              "useCases"]  # fmt: skip
    assert [(r["row"], r["name"], r["cost"]) for r in found] == [
        ("group", "support-platform", "10000.1"),
        ("group", "docs-team", "2000.0"),
        ("unassigned", "noUseCase", "100.0"),
        ("unassigned", "unclaimedCallers", "50.25"),
        ("unassigned", "unattributed", "25.25"),
        ("unassigned", "unallocated", "15.0"),
    ]
    assert found[1]["useCases"] == "summarizer;translator"
    assert sum(D(r["cost"]) for r in found) == SHOWBACK.totals.billed


def test_the_use_cases_economics_in_each_format() -> None:
    text = render(use_cases_tables(BY_USE_CASE, USE_CASES))
    assert text is not None
    bot = next(line for line in text.splitlines() if line.startswith("support-bot "))
    assert bot.split()[-5:] == ["10,000.10", "12,345", "0.81005265", "0.003125", "0.01"]
    assert "  summarizer: no cost per outcome: no outcome data for this period" in text
    assert "Showback by useCase, 2026-10 (amortized cost, USD); closed" in text

    body = json.loads(json_text(use_cases_json(BY_USE_CASE, USE_CASES)))
    assert body["showback"] == showback_json(BY_USE_CASE)
    assert body["useCases"] == [use_case_unit_costs_json(v) for v in USE_CASES]

    found = rows(csv_text(use_case_rows(USE_CASES)))
    assert [r["useCase"] for r in found] == ["support-bot", "summarizer"]
    bot_row, summarizer = found
    assert list(bot_row)[:4] == ["useCase", "period", "costType", "currency"]
    assert (bot_row["costPerOutcome"], bot_row["outcomes"], bot_row["coverage.daysWithCost"]) == (
        "0.81005265", "12345", "31"
    )  # fmt: skip
    assert (summarizer["costPerOutcome"], summarizer["outcomes"]) == ("", "")
    assert "deployments" not in bot_row and "daily" not in bot_row


def test_a_wide_table_is_not_cut_on_a_narrow_terminal() -> None:
    class Narrow(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Narrow()
    render(unit_costs_tables(UNIT_COSTS), out)
    shown = out.getvalue()
    assert "12,166.50" in shown and "0.01250837" in shown and "\u2026" not in shown
