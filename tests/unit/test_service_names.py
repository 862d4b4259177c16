"""The two service names Azure OpenAI is billed and priced under (shared/core/service_names.py),
pinned to Azure's spelling: every query and filter uses this one pair."""

from __future__ import annotations

import pytest

from shared.adapters.formats.export_csv import ExportRow, is_ai_services_row
from shared.core.service_names import AI_SERVICE_NAMES, is_ai_service


def test_the_pair_is_spelled_as_azure_spells_it() -> None:
    assert AI_SERVICE_NAMES == ("Cognitive Services", "Foundry Models")


@pytest.mark.parametrize("name", ["Cognitive Services", "foundry models", " FOUNDRY MODELS "])
def test_either_name_in_any_casing_is_an_ai_service(name: str) -> None:
    assert is_ai_service(name)
    assert is_ai_services_row(ExportRow(name, "", "", "", ""))
    assert is_ai_services_row(ExportRow("", "", "", "", "", service_name=name))


@pytest.mark.parametrize("name", ["Cognitive Service", "Foundry", "Azure AI Speech", ""])
def test_other_names_are_not(name: str) -> None:
    assert not is_ai_service(name)
    assert not is_ai_services_row(ExportRow(name, "", "", "", ""))
