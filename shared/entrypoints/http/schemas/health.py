"""GET /api/health's response model: the app is up (it reads nothing)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict

from shared.entrypoints.http.schemas.base import ApiModel


class Health(ApiModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})

    status: Literal["ok"]
