"""GET /api/targets, GET/PUT/DELETE /api/targets/{id} and GET /api/targets/{id}/status: the
unit-cost targets and their evaluations (docs/targets.md)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from shared.core.target_views import evaluation_json, target_head_json, transition_json
from shared.core.targets import target_json
from shared.entrypoints.http.routes.use_cases import json_body
from shared.services.targets import TargetService, TargetStatus


def register(app: FastAPI, targets: Callable[[], TargetService]) -> None:
    @app.get("/api/targets")
    def list_targets() -> JSONResponse:
        return JSONResponse({"targets": [target_json(t) for t in targets().list()]})

    @app.get("/api/targets/{target_id}")
    def get_target(target_id: str) -> JSONResponse:
        return JSONResponse(target_json(targets().get(target_id)))

    @app.put("/api/targets/{target_id}")
    async def put_target(target_id: str, request: Request) -> JSONResponse:
        body = await json_body(request, exact=True)  # thresholds read exactly from their text
        stored, created = await run_in_threadpool(targets().put, target_id, body)
        return JSONResponse(target_json(stored), status_code=201 if created else 200)

    @app.delete("/api/targets/{target_id}", status_code=204)
    def delete_target(target_id: str) -> Response:
        targets().delete(target_id)
        return Response(status_code=204)

    @app.get("/api/targets/{target_id}/status")
    def target_status(target_id: str) -> JSONResponse:
        return JSONResponse(status_json(targets().status(target_id)))


def status_json(status: TargetStatus) -> dict[str, object]:
    """The target, each period's latest evaluation (newest period first), its transitions."""
    periods = sorted(status.evaluations, key=lambda s: s.evaluation.period, reverse=True)
    return {
        **target_head_json(status.target),
        "periods": [
            {**evaluation_json(s.evaluation), "evaluatedAt": _time(s.evaluated_at)} for s in periods
        ],
        "transitions": [transition_json(t) for t in status.history],
    }


def _time(at: object) -> str:
    text = at.isoformat() if hasattr(at, "isoformat") else str(at)
    return text.replace("+00:00", "Z")
