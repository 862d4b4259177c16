"""Event Grid trigger: ingest a Cost Management export run when Azure writes its manifest.json
(the system topic of the export account, `Microsoft.Storage.BlobCreated`, subjects ending in
`manifest.json`: infra/app/exports.bicep; docs/exports.md)."""

from __future__ import annotations

import logging

import azure.functions as func

from functions.composition import container
from shared.core.export_runs import BlobCreated
from shared.errors import is_retryable

bp = func.Blueprint()
log = logging.getLogger(__name__)
BLOB_CREATED = "Microsoft.Storage.BlobCreated"


@bp.event_grid_trigger(arg_name="event")
def ingest_export(event: func.EventGridEvent) -> None:
    """A run that can never be ingested (a partition missing or unreadable, a malformed
    manifest) is logged as an error and the trigger returns: nothing was stored, and redelivery
    cannot help (the next run of the export restates the period). A transient error raises, so
    Event Grid delivers the event again; a replayed event is a no-op."""
    blob = BlobCreated.of_subject(event.subject or "")
    if event.event_type != BLOB_CREATED or blob is None or not blob.name.endswith("manifest.json"):
        log.info("ingest_export: ignored %s %s", event.event_type, event.subject)
        return
    try:
        report = container().export_ingestion(blob.container).ingest(blob.name)
    except Exception as exc:
        if is_retryable(exc):
            raise
        log.error("ingest_export: %s refused: %s", blob.name, exc)
        return
    for warning in report.warnings:
        log.warning("ingest_export: %s", warning)
    log.info(
        "ingest_export: run %s of %s: stored %s, ignored %s (a run at least as new is stored), "
        "%d cost lines, enqueued %s",
        report.manifest.run_id,
        report.manifest.export_name,
        [f"{p} {b.value}" for p, b in report.fresh],
        [f"{p} {b.value}" for (p, b), _ in report.ignored],
        report.cost_lines,
        sorted(map(str, report.changed_periods)),
    )
