"""The README deployment section lets a person deploy without reading the Bicep."""

from __future__ import annotations

import re

import pytest
from bicep_query import INFRA, REPO_ROOT, load

DOC = REPO_ROOT / "docs" / "deployment.md"


def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_the_section_starts_with_its_readme_heading() -> None:
    assert doc().startswith("## Deploy to Azure\n")


@pytest.mark.parametrize(
    "command",
    [
        "azd up",
        "az deployment sub create",
        "--parameters infra/main.bicepparam",
        "azd down --purge",
        "az group delete",
        "/api/health",
        "az role assignment create",
    ],
)
def test_the_section_gives_the_commands_to_deploy_verify_and_tear_down(command: str) -> None:
    assert command in doc()


@pytest.mark.parametrize("name", sorted(load("main.bicep").params()))
def test_every_parameter_of_main_is_documented(name: str) -> None:
    assert f"`{name}`" in doc()


def test_every_environment_variable_of_the_parameters_file_is_documented() -> None:
    text = (INFRA / "main.bicepparam").read_text(encoding="utf-8")
    variables = set(re.findall(r"readEnvironmentVariable\('(\w+)'", text))
    assert variables
    for variable in variables:
        assert f"`{variable}`" in doc(), variable


def test_every_output_the_section_reads_exists() -> None:
    outputs = set(re.findall(r"^output (\w+) ", (INFRA / "main.bicep").read_text(), re.MULTILINE))
    read = set(re.findall(r"azd env get-value (\w+)", doc()))
    named = {n for n in re.findall(r"`([A-Z][A-Z0-9_]+)`", doc()) if n.startswith("COST_SCOPES_")}
    assert read and named
    assert read | named <= outputs


def test_the_cost_estimate_covers_10_100_and_1000_deployments_with_stated_prices() -> None:
    text = doc()
    assert "| D = deployments | 10 | 100 | 1,000 |" in text
    for price in ("$0.000026 per GB-s", "$0.40 per million", "$2.30 per GB"):
        assert price in text
    assert "GB-s" in text and "transactions" in text and "Log Analytics ingestion" in text
