"""Queue trigger: allocate one billing period (`{"period": "YYYY-MM"}` on `allocation-requests`),
or one shard of it (`{"period": ..., "shard": {...}}`, docs/sharding.md)."""

from __future__ import annotations

import azure.functions as func

from functions.composition import container

bp = func.Blueprint()


@bp.queue_trigger(arg_name="msg", queue_name="%ALLOCATION_QUEUE%", connection="AzureWebJobsStorage")
def allocate_period(msg: func.QueueMessage) -> None:
    """A message that can never succeed is poisoned at once, with its reason, and the function
    returns normally (the host deletes it); a transient error raises, so the host retries
    (shared/services/allocation_requests.py)."""
    container().allocation_requests.handle(msg.get_body(), msg.id, msg.dequeue_count)
