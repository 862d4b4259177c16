"""GET /api/health's response model: the app is up, and which collection sources are stale."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from shared.entrypoints.http.schemas.base import ApiModel

RunStatusName = Literal["running", "succeeded", "failed"]


class SourceHealth(ApiModel):
    """One collection task (`costs`, `usage`, `inventory`, `telemetry`) as its run record says."""

    source: str
    stale: bool = Field(description="never succeeded, or its last success is too old")
    status: RunStatusName | None = Field(description="of its latest run; null: it never ran")
    last_success: datetime | None
    last_run: datetime | None = Field(description="when its latest run started")
    failure: str | None = Field(default=None, description="why its latest run failed")


class Health(ApiModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "ok",
                    "staleAfterHours": 24,
                    "stale": ["telemetry"],
                    "sources": [
                        {
                            "source": "costs",
                            "stale": False,
                            "status": "succeeded",
                            "lastSuccess": "2026-11-20T04:15:09Z",
                            "lastRun": "2026-11-20T04:15:01Z",
                            "failure": None,
                        },
                        {
                            "source": "telemetry",
                            "stale": True,
                            "status": None,
                            "lastSuccess": None,
                            "lastRun": None,
                            "failure": None,
                        },
                    ],
                    "note": None,
                }
            ]
        }
    )

    status: Literal["ok"]
    stale: list[str] = Field(
        default_factory=list, description="the names of the stale sources, sorted"
    )
    sources: list[SourceHealth] = Field(default_factory=list)
    stale_after_hours: int | None = Field(
        default=None, description="a source not collected whole for longer is stale"
    )
    note: str | None = Field(
        default=None, description="why the sources could not be read (the app still serves)"
    )
