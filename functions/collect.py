"""Timer triggers: collect costs, usage, the deployment inventory, and the caller telemetry and
use-case outcome queries (Log Analytics)."""

from __future__ import annotations

import logging

import azure.functions as func

from functions.composition import container, now, trailing_window
from shared.core.period import DateWindow
from shared.errors import SourceError

bp = func.Blueprint()
log = logging.getLogger(__name__)


def _window() -> DateWindow:
    return trailing_window(container().settings.lookback_days)


@bp.timer_trigger(arg_name="timer", schedule="%COSTS_SCHEDULE%", use_monitor=True)
def collect_costs(timer: func.TimerRequest) -> None:
    report = container().live_collection.collect_costs(_window())
    log.info(
        "collect_costs: %d lines, changed %s",
        report.cost_lines,
        sorted(map(str, report.changed_periods)),
    )


@bp.timer_trigger(arg_name="timer", schedule="%USAGE_SCHEDULE%", use_monitor=True)
def collect_usage(timer: func.TimerRequest) -> None:
    report = container().live_collection.collect_usage(_window())
    log.info(
        "collect_usage: %d records, changed %s",
        report.usage_records,
        sorted(map(str, report.changed_periods)),
    )


@bp.timer_trigger(arg_name="timer", schedule="%INVENTORY_SCHEDULE%", use_monitor=True)
def collect_inventory(timer: func.TimerRequest) -> None:
    report = container().live_collection.collect_inventory(now())
    log.info("collect_inventory: %d deployments", report.deployments)


@bp.timer_trigger(arg_name="timer", schedule="%TELEMETRY_SCHEDULE%", use_monitor=True)
def collect_telemetry(timer: func.TimerRequest) -> None:
    report = container().live_collection.collect_telemetry(_window())
    for note in report.notes:
        log.warning("collect_telemetry: %s", note)
    log.info(
        "collect_telemetry: %d caller records, %d outcome days",
        report.caller_records,
        report.outcome_days,
    )
    if report.failures:  # the others are stored; the run fails so the host's alerts see it
        raise SourceError("; ".join(report.failures))
