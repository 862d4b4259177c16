"""The unit costs' JSON is rounded once: a deployment's provisioned, used and idle cost agree."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from shared.core.costs import CostType
from shared.core.reports import PeriodReport
from shared.core.unit_costs import UnitCost
from shared.core.views import unit_costs_view
from shared.entrypoints.http.presenter import unit_costs_json
from tests.builders import NOV, dep

D = Decimal


def unit_cost(
    name: str, sku: str, cost: str, provisioned: str = "0", idle: str | None = None
) -> UnitCost:
    return UnitCost(
        period=NOV,
        deployment=dep(name, sku=sku),
        cost=D(cost),
        input_cost=D(0),
        output_cost=D(0),
        input_tokens=1,
        output_tokens=1,
        requests=1,
        provisioned_cost=D(provisioned),
        idle_cost=None if idle is None else D(idle),
    )


def test_a_provisioned_deployment_shows_its_rounded_cost_and_used_plus_idle_sum_to_it() -> None:
    # 3 x 1.004 = 3.012: 3.01, the step to the first deployment. Rounded on its own its
    # provisioned cost was 1.00 against a cost of 1.01, and idle + used 0.50 + 0.50; now the
    # provisioned cost is the cost, split into idle 0.502 -> 0.51 (first on the tie) + used 0.50.
    units = (
        unit_cost("a-ptu", "GlobalProvisionedManaged", "1.004", "1.004", idle="0.502"),
        unit_cost("b-mixed", "GlobalStandard", "1.004", "0.603"),
        unit_cost("c-standard", "GlobalStandard", "1.004"),
    )
    report = PeriodReport(NOV, CostType.ACTUAL, "USD", D("3.012"), D("3.012"), D(0), units, ())
    body = unit_costs_json(unit_costs_view(report, NOV.end))
    assert (body["billedCost"], body["allocatedCost"], body["unallocatedCost"]) == (3.01, 3.01, 0)
    ptu, mixed, standard = cast(list[dict[str, object]], body["deployments"])
    assert ptu["cost"] == ptu["provisionedCost"] == 1.01
    assert (ptu["provisionedIdleCost"], ptu["provisionedUsedCost"]) == (0.51, 0.5)
    assert (mixed["cost"], mixed["provisionedCost"]) == (1.0, 0.6)
    assert mixed["provisionedIdleCost"] is None and mixed["provisionedUsedCost"] is None
    assert (standard["cost"], standard["provisionedCost"]) == (1.0, 0)
