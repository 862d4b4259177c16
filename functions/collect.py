"""Timer triggers: collect costs, usage and the deployment inventory."""

from __future__ import annotations

import logging

import azure.functions as func

from functions.composition import collection, now, settings, trailing_window

bp = func.Blueprint()
log = logging.getLogger(__name__)


@bp.timer_trigger(arg_name="timer", schedule="%COSTS_SCHEDULE%", use_monitor=True)
def collect_costs(timer: func.TimerRequest) -> None:
    report = collection().collect_costs(trailing_window(settings().lookback_days))
    log.info(
        "collect_costs: %d lines, changed %s",
        report.cost_lines,
        sorted(map(str, report.changed_periods)),
    )


@bp.timer_trigger(arg_name="timer", schedule="%USAGE_SCHEDULE%", use_monitor=True)
def collect_usage(timer: func.TimerRequest) -> None:
    report = collection().collect_usage(trailing_window(settings().lookback_days))
    log.info(
        "collect_usage: %d records, changed %s",
        report.usage_records,
        sorted(map(str, report.changed_periods)),
    )


@bp.timer_trigger(arg_name="timer", schedule="%INVENTORY_SCHEDULE%", use_monitor=True)
def collect_inventory(timer: func.TimerRequest) -> None:
    report = collection().collect_inventory(now())
    log.info("collect_inventory: %d deployments", report.deployments)
