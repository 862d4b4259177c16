"""GET /api/health: the app is up, and which collection sources are stale (one read of the run
records, off the event loop on threads of its own, so a probe never queues behind the slow
routes on the shared threadpool; the app answers `ok` even when they cannot be read)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from shared.core.run_records import HealthReport
from shared.entrypoints.http.schemas.health import Health, SourceHealth
from shared.errors import FinOpsError, one_line
from shared.services.health import HealthService


def register(app: FastAPI, service: Callable[[], HealthService] | None) -> None:
    """`/api/health`; without a service (read-only test apps) it names no source."""

    @app.get(
        "/api/health",
        response_model=Health,
        response_class=JSONResponse,
        tags=["Health"],
        summary="The app is up; which collection sources are stale",
        description=(
            "Always `ok` while the app serves. `sources` is each collection task's latest run "
            "(`costs`, `usage`, `inventory`, `telemetry`); `stale` names those that never "
            "succeeded or whose last success is older than `staleAfterHours` (the "
            "`STALE_AFTER_HOURS` setting). When the run records cannot be read, `note` says why."
        ),
    )
    async def health() -> Health:
        if service is None:
            return Health(status="ok")

        def read() -> tuple[HealthReport, int]:
            built = service()  # a cold start builds the stores: off the event loop too
            return built.report(), int(built.stale_after.total_seconds() // 3600)

        try:
            report, hours = await asyncio.get_running_loop().run_in_executor(_probes(), read)
        except FinOpsError as error:
            return Health(status="ok", note=one_line(f"run records unavailable: {error}"))
        return present(report, hours)


@cache
def _probes() -> ThreadPoolExecutor:
    """The health route's own threads (made on the first probe)."""
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="health")


def present(report: HealthReport, stale_after_hours: int) -> Health:
    return Health(
        status="ok",
        stale=list(report.stale),
        sources=[
            SourceHealth(
                source=s.task,
                stale=s.stale,
                status=s.status.value if s.status else None,
                last_success=s.last_success,
                last_run=s.last_run,
                failure=s.failure,
            )
            for s in report.sources
        ],
        stale_after_hours=stale_after_hours,
    )
