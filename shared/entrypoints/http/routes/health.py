"""GET /api/health: the app is up (no storage call)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from shared.entrypoints.http.schemas.health import Health
from shared.services.views import ViewService


def register(app: FastAPI, views: Callable[[], ViewService]) -> None:
    del views  # health reads nothing

    @app.get(
        "/api/health",
        response_model=Health,
        response_class=JSONResponse,
        tags=["Health"],
        summary="The app is up",
        description="Always `ok` while the app serves; it reads no storage.",
    )
    def health() -> Health:
        return Health(status="ok")
