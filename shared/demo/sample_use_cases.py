"""The demo's use-case definitions (docs/use-cases.md), written as `use-cases.json` in the sample
tenant's folder and applied as `apply --file` would:

- `support-bot` (owner support-platform, cost center CC-1042): its APIM subscription's slice of
  the shared chat deployment (`chat-prod`, `apimSubscriptions: ["support-bot"]`) and the whole
  `assistant-mini` deployment (its intent triage); outcomes counted by its Log Analytics query
  (resolved queries in its Application Insights workspace);
- `summarizer` (owner content-platform, cost center CC-2077): its slice of `chat-prod` and the
  whole `docs-summarizer` deployment; outcomes (generated summaries) pushed by the application.

Plans (the virtual cost layer, docs/use-cases.md#planned-use-cases), priced in eastus2:

- `contract-review` (owner legal-platform, cost center CC-3310) is `planned`: no deployments
  yet, 120 reviewed contracts a weekday and 30 a weekend day (weekday shape 1.2 x 5, 0.5 x 2:
  sum 7, so 480 / 200 contracts from outcomesPerDay 400), 4 requests a contract, 6,000 input
  tokens (1,500 cached) and 900 output tokens a request; five candidates: gpt-4o and
  gpt-4o-mini GlobalStandard, gpt-4.1 DataZoneStandard, gpt-4o on 15 Global PTUs reserved for a
  month, and gpt-4o DataZoneBatch, which the catalogue has no price for in eastus2: listed
  unpriced, with the reason;
- `support-bot` keeps the plan it was approved with (1,800 resolved queries a day, 25 requests
  each, 1,400 input (300 cached) and 250 output tokens a request; gpt-4o-mini, o4-mini and
  gpt-4o GlobalStandard), so the demo shows planned vs actual: the plan's pick, gpt-4o-mini, is
  far cheaper than the actual cost, since the bot's answers run on gpt-4o (chat-prod).

The `playground` subscription's slice of `chat-prod` belongs to no use case (showback shows it
as unclaimed callers), nor do the tenant's other deployments.

The same document holds three unit-cost targets (docs/targets.md), all on the amortized cost,
one per state. 2026-10 is closed when the demo runs, so each forecast is the observed value and
the state follows from the observed value alone; the thresholds were computed from the sample's
values (the demo's report) with a margin of at least 9 % on every side, so a state is right and
stays right:

- `support-bot-cost-per-query`: support-bot's costPerOutcome is 0.0362 USD per resolved query;
  threshold 0.05, at risk from 0.8 x 0.05 = 0.04 (10 % above the value): `ok`;
- `summarizer-cost-per-summary`: the summarizer's costPerOutcome is 0.0235 USD per generated
  summary; threshold 0.026 (11 % above the value), at risk from 0.8 x 0.026 = 0.0208 (the value
  is 13 % above it): `at-risk`;
- `chat-ptu-cost-per-1k`: chat-ptu's costPer1kTokens is 0.0125 USD (half its PTU hours idle);
  threshold 0.01 (the value is 25 % above it): `breached`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shared.core.arm_ids import deployment_id
from shared.demo.sample_tenant_catalogue import DEPLOYMENTS
from shared.demo.sample_tenant_telemetry import (
    RESOLVED_QUERY,
    SHARED_CHAT,
    SUMMARIZER_DEPLOYMENT,
    SUPPORT_WORKSPACE_ID,
)

USE_CASES_FILE = "use-cases.json"
SUPPORT_BOT = "support-bot"
SUMMARIZER = "summarizer"
CONTRACT_REVIEW = "contract-review"
PLAN_REGION = "eastus2"
SUPPORT_TRIAGE_DEPLOYMENT = "assistant-mini"
PTU_DEPLOYMENT = "chat-ptu"
OK_TARGET = "support-bot-cost-per-query"
AT_RISK_TARGET = "summarizer-cost-per-summary"
BREACHED_TARGET = "chat-ptu-cost-per-1k"


def arm_id(name: str) -> str:
    """The ARM id of the sample deployment `name`."""
    found = next(d for d in DEPLOYMENTS if d.name == name)
    return deployment_id(found.account.id, found.name)


def use_cases_document() -> dict[str, Any]:
    """The definitions file's content (`{"useCases": [...]}`)."""
    return {
        "useCases": [
            {
                "name": SUPPORT_BOT,
                "owner": "support-platform",
                "costCenter": "CC-1042",
                "description": "Customer support assistant: answers, triages and escalates",
                "outcome": {
                    "unit": "resolved query",
                    "source": {
                        "type": "logAnalytics",
                        "workspaceId": SUPPORT_WORKSPACE_ID,
                        "query": RESOLVED_QUERY,
                    },
                },
                "deployments": [
                    {
                        "deployment": arm_id(SHARED_CHAT),
                        "callers": {"apimSubscriptions": [SUPPORT_BOT]},
                    },
                    {"deployment": arm_id(SUPPORT_TRIAGE_DEPLOYMENT)},
                ],
                "plan": support_bot_plan(),
            },
            {
                "name": SUMMARIZER,
                "owner": "content-platform",
                "costCenter": "CC-2077",
                "description": "Document summaries for the content portal",
                "outcome": {"unit": "generated summary", "source": {"type": "push"}},
                "deployments": [
                    {
                        "deployment": arm_id(SHARED_CHAT),
                        "callers": {"apimSubscriptions": [SUMMARIZER]},
                    },
                    {"deployment": arm_id(SUMMARIZER_DEPLOYMENT)},
                ],
            },
            {
                "name": CONTRACT_REVIEW,
                "owner": "legal-platform",
                "costCenter": "CC-3310",
                "description": "Contract review assistant: clause extraction and risk notes",
                "status": "planned",
                "outcome": {"unit": "reviewed contract", "source": {"type": "push"}},
                "plan": contract_review_plan(),
            },
        ],
        "targets": targets_document(),
    }


def contract_review_plan() -> dict[str, Any]:
    """The planned contract-review assistant's plan (module docstring)."""
    return {
        "region": PLAN_REGION,
        "outcomesPerDay": 400,
        "requestsPerOutcome": 4,
        "inputTokensPerRequest": 6000,
        "cachedInputTokensPerRequest": 1500,
        "outputTokensPerRequest": 900,
        "weekdayShape": ["1.2", "1.2", "1.2", "1.2", "1.2", "0.5", "0.5"],
        "candidates": [
            {"model": "gpt-4o", "version": "2024-11-20", "sku": "GlobalStandard"},
            {"model": "gpt-4o-mini", "version": "2024-07-18", "sku": "GlobalStandard"},
            {"model": "gpt-4.1", "version": "2025-04-14", "sku": "DataZoneStandard"},
            {"model": "gpt-4o", "version": "2024-11-20", "sku": "GlobalProvisionedManaged",
             "ptu": 15, "reservation": "1m"},
            {"model": "gpt-4o", "version": "2024-11-20", "sku": "DataZoneBatch"},
        ],
    }  # fmt: skip


def support_bot_plan() -> dict[str, Any]:
    """The support bot's plan as approved before launch (module docstring)."""
    return {
        "region": PLAN_REGION,
        "outcomesPerDay": 1800,
        "requestsPerOutcome": 25,
        "inputTokensPerRequest": 1400,
        "cachedInputTokensPerRequest": 300,
        "outputTokensPerRequest": 250,
        "weekdayShape": ["1.1", "1.1", "1.1", "1.1", "1.1", "0.75", "0.75"],
        "candidates": [
            {"model": "gpt-4o", "version": "2024-11-20", "sku": "GlobalStandard"},
            {"model": "gpt-4o-mini", "version": "2024-07-18", "sku": "GlobalStandard"},
            {"model": "o4-mini", "version": "2025-04-16", "sku": "GlobalStandard"},
        ],
    }


def targets_document() -> list[dict[str, Any]]:
    """The demo's targets (module docstring): one ok, one at risk, one breached."""
    return [
        {
            "id": OK_TARGET,
            "scope": {"useCase": SUPPORT_BOT},
            "metric": "costPerOutcome",
            "threshold": "0.05",
            "warningRatio": "0.8",
            "costType": "amortized",
        },
        {
            "id": AT_RISK_TARGET,
            "scope": {"useCase": SUMMARIZER},
            "metric": "costPerOutcome",
            "threshold": "0.026",
            "warningRatio": "0.8",
            "costType": "amortized",
        },
        {
            "id": BREACHED_TARGET,
            "scope": {"deployment": arm_id(PTU_DEPLOYMENT)},
            "metric": "costPer1kTokens",
            "threshold": "0.01",
            "warningRatio": "0.8",
            "costType": "amortized",
        },
    ]


def use_case_names(document: object) -> list[str]:
    """The names of a definitions document's use cases, in its order (an applied document)."""
    items = document.get("useCases", []) if isinstance(document, dict) else []
    return [u["name"] for u in items if isinstance(u, dict) and isinstance(u.get("name"), str)]


def live_use_case_names(document: object) -> list[str]:
    """The names of the document's live use cases (not `planned`), in its order."""
    items = document.get("useCases", []) if isinstance(document, dict) else []
    live = [u for u in items if isinstance(u, dict) and u.get("status", "live") == "live"]
    return use_case_names({"useCases": live})


def planned_names(document: object) -> list[str]:
    """The names of the document's use cases that have a plan, in its order."""
    items = document.get("useCases", []) if isinstance(document, dict) else []
    return use_case_names({"useCases": [u for u in items if isinstance(u, dict) and "plan" in u]})


def target_ids(document: object) -> list[str]:
    """The ids of a definitions document's targets, in its order (an applied document)."""
    items = document.get("targets", []) if isinstance(document, dict) else []
    return [t["id"] for t in items if isinstance(t, dict) and isinstance(t.get("id"), str)]


def write_use_cases(out_dir: Path) -> Path:
    """Write `use-cases.json` into `out_dir`; its path."""
    path = Path(out_dir) / USE_CASES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(use_cases_document(), indent=2) + "\n", encoding="utf-8")
    return path
