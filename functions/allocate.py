"""Queue trigger: allocate one billing period (`{"period": "YYYY-MM"}` on `allocation-requests`)."""

from __future__ import annotations

import logging

import azure.functions as func

from functions.composition import allocation
from shared.core.requests import AllocationRequest

bp = func.Blueprint()
log = logging.getLogger(__name__)


@bp.queue_trigger(arg_name="msg", queue_name="%ALLOCATION_QUEUE%", connection="AzureWebJobsStorage")
def allocate_period(msg: func.QueueMessage) -> None:
    """A malformed message raises InvalidInput; the host retries, then poison-queues it."""
    request = AllocationRequest.from_json(msg.get_body())
    for result in allocation().allocate(request.period):
        log.info(
            "allocate_period %s %s: billed %s, allocated %s, unallocated %s",
            result.period, result.cost_type.value, result.billed,
            result.allocated_cost, result.unallocated_cost,
        )  # fmt: skip
