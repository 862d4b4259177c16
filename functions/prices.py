"""Timer trigger: refresh the meter catalogue from the Azure Retail Prices API."""

from __future__ import annotations

import logging

import azure.functions as func

from functions.composition import container

bp = func.Blueprint()
log = logging.getLogger(__name__)


@bp.timer_trigger(arg_name="timer", schedule="%PRICES_SCHEDULE%", use_monitor=True)
def refresh_prices(timer: func.TimerRequest) -> None:
    """A failed or empty fetch raises and leaves the stored catalogue as it was."""
    report = container().price_refresh.refresh()
    log.info("refresh_prices: %d items, changed %s", report.items, report.changed)
