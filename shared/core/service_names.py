"""The Azure service names Azure OpenAI is billed and priced under.

Cost Management (`ServiceName`, `MeterCategory`), cost exports and the Retail Prices API
(`serviceName`) listed Azure OpenAI under `Cognitive Services` until 2025 and list it under
`Foundry Models` from 2026: every query asks for both, and every filter keeps both.
"""

from __future__ import annotations

COGNITIVE_SERVICES = "Cognitive Services"
FOUNDRY_MODELS = "Foundry Models"
AI_SERVICE_NAMES: tuple[str, ...] = (COGNITIVE_SERVICES, FOUNDRY_MODELS)

_NORMALISED = frozenset(name.lower() for name in AI_SERVICE_NAMES)


def is_ai_service(name: str) -> bool:
    """True for either service name, in any casing, blanks around it ignored."""
    return name.strip().lower() in _NORMALISED
