"""GET /api/health: the app is up (no storage call)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from shared.services.views import ViewService


def register(app: FastAPI, views: Callable[[], ViewService]) -> None:
    del views  # health reads nothing

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}
