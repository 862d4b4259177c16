"""Azure OpenAI model versions with a retirement date, and their successors: data, one table,
for RETIRING_VERSION (shared/core/detectors_lifecycle.py).

Sources (each row names its own):

- CURRENT: MicrosoftDocs/azure-ai-docs `articles/foundry/openai/includes/retirement/models.md`
  at commit 01850fbb85959cfdc0dd37e7e905db549e1469d3 (the table included by "Azure OpenAI model
  deprecations and retirements", ms.date 12/16/2025, rows up to gpt-5.5 2026-04-24), "Text
  generation" tab: model, version, retirement date, replacement model. The replacement's version
  is the one GA version that table lists for it. Where the source gives a date per deployment
  type (gpt-4o 2024-05-13 and 2024-08-06, gpt-4o-mini 2024-07-18: "Standard deployment type
  retires on 2026-03-31 ... For other deployment types, including ALL Provisioned, Global
  Standard, and Data Zone Standard, the retirement date has been moved to 2026-10-01"), the
  Standard (Regional) date is `regional_standard_retires_on`.
- LEGACY: MicrosoftDocs/azure-ai-docs `articles/ai-foundry/openai/concepts/legacy-models.md` at
  commit 056828331f2512497a798d6d5da73cc2d3d5aef5 (ms.date 02/12/2026), "Retired models": these
  versions are already retired (a deployment of one returns errors).

Left out: rows whose date is only "No earlier than" (not a date), preview models, audio, image
and embedding models, and versions neither page dates (gpt-35-turbo 0125 and 1106, gpt-4
turbo-2024-04-09: older revisions of the page gave moving dates). Fine-tuned deployments retire
on their own schedule (the same page's "Fine-tuned models" table) and are not in this table.
Retirement dates move (the 2024-05-13 gpt-4o date moved twice): refresh from the source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from shared.core.meters import DeploymentType, Mode

CURRENT = (
    "MicrosoftDocs/azure-ai-docs articles/foundry/openai/includes/retirement/models.md "
    "@01850fbb (ms.date 2025-12-16), Text generation"
)
LEGACY = (
    "MicrosoftDocs/azure-ai-docs articles/ai-foundry/openai/concepts/legacy-models.md "
    "@05682833 (ms.date 2026-02-12), Retired models"
)


@dataclass(frozen=True)
class Retirement:
    """A model version's retirement date, the successor the source names (None: it names
    none; a None version: any version of it), and the source of the row."""

    model: str
    version: str
    retires_on: date
    successor_model: str | None
    successor_version: str | None
    source: str
    regional_standard_retires_on: date | None = None  # the "Standard deployment type" date

    def date_for(self, sku: tuple[DeploymentType, Mode] | None) -> date:
        """The retirement date of a deployment of this SKU (deployment type and mode)."""
        regional = sku == (DeploymentType.REGIONAL, Mode.STANDARD)
        if regional and self.regional_standard_retires_on is not None:
            return self.regional_standard_retires_on
        return self.retires_on


def _row(model: str, version: str, retires: str, successor: str | None = None,
         successor_version: str | None = None, source: str = CURRENT,
         regional: str | None = None) -> Retirement:  # fmt: skip
    return Retirement(
        model=model,
        version=version,
        retires_on=date.fromisoformat(retires),
        successor_model=successor,
        successor_version=successor_version,
        source=source,
        regional_standard_retires_on=date.fromisoformat(regional) if regional else None,
    )


# fmt: off
ROWS: tuple[Retirement, ...] = (
    _row("gpt-4o",           "2024-05-13", "2026-10-01", "gpt-5.1", "2025-11-13",
         regional="2026-03-31"),
    _row("gpt-4o",           "2024-08-06", "2026-10-01", "gpt-5.1", "2025-11-13",
         regional="2026-03-31"),
    _row("gpt-4o",           "2024-11-20", "2026-10-01", "gpt-5.1", "2025-11-13"),
    _row("gpt-4o-mini",      "2024-07-18", "2026-10-01", "gpt-4.1-mini", "2025-04-14",
         regional="2026-03-31"),
    _row("gpt-4.1",          "2025-04-14", "2026-10-14", "gpt-5", "2025-08-07"),
    _row("gpt-4.1-mini",     "2025-04-14", "2026-10-14", "gpt-5-mini", "2025-08-07"),
    _row("gpt-4.1-nano",     "2025-04-14", "2026-10-14", "gpt-5-nano", "2025-08-07"),
    _row("o1",               "2024-12-17", "2026-07-15", "o3", "2025-04-16"),
    _row("o3-mini",          "2025-01-31", "2026-08-02", "o4-mini", "2025-04-16"),
    _row("o3",               "2025-04-16", "2026-10-16"),
    _row("o4-mini",          "2025-04-16", "2026-10-16"),
    _row("gpt-5",            "2025-08-07", "2027-02-06"),
    _row("gpt-5-mini",       "2025-08-07", "2027-02-06"),
    _row("gpt-5-nano",       "2025-08-07", "2027-02-06"),
    _row("gpt-35-turbo",     "0301",       "2025-02-13", "gpt-4o-mini", None, LEGACY),
    _row("gpt-35-turbo",     "0613",       "2025-02-13", "gpt-4o-mini", None, LEGACY),
    _row("gpt-35-turbo-16k", "0613",       "2025-04-30", "gpt-4.1-mini", "2025-04-14", LEGACY),
    _row("gpt-4",            "0314",       "2025-06-06", "gpt-4o", "2024-11-20", LEGACY),
    _row("gpt-4",            "0613",       "2025-06-06", "gpt-4o", "2024-11-20", LEGACY),
    _row("gpt-4-32k",        "0314",       "2025-06-06", "gpt-4o", "2024-11-20", LEGACY),
    _row("gpt-4-32k",        "0613",       "2025-06-06", "gpt-4o", "2024-11-20", LEGACY),
)
# fmt: on

RETIREMENTS: Mapping[tuple[str, str], Retirement] = MappingProxyType(
    {(row.model.lower(), row.version.lower()): row for row in ROWS}
)


def retirement(model: str, version: str) -> Retirement | None:
    """The row of an ARM model name and version (any case), or None when the table has none."""
    return RETIREMENTS.get((model.strip().lower(), version.strip().lower()))
