"""docs/deployment.md lets a person deploy without reading the Bicep, and is its one home: the
README links it (and the other docs) instead of copying them, and every such link resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bicep_query import INFRA, REPO_ROOT, load

from shared import settings

DOCS = REPO_ROOT / "docs"
DOC = DOCS / "deployment.md"
README = REPO_ROOT / "README.md"


def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_the_doc_starts_with_its_heading() -> None:
    assert doc().startswith("# Deploy to Azure\n")


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


def _normalized(text: str) -> str:
    return " ".join(text.split())


def readme() -> str:
    return README.read_text(encoding="utf-8")


LINK = re.compile(r"\]\(([^)\s]+)\)")


def _links(path: Path) -> list[str]:
    """The relative (not http) link targets of a Markdown file, anchors included."""
    text = path.read_text(encoding="utf-8")
    return [t for t in LINK.findall(text) if not t.startswith(("http://", "https://", "mailto:"))]


def _anchors(path: Path) -> set[str]:
    """GitHub's heading anchors of a Markdown file (headings inside code fences do not count)."""
    anchors, fenced = set(), False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


def test_the_readme_links_the_deployment_doc_and_does_not_copy_it() -> None:
    text = readme()
    assert "](docs/deployment.md" in text
    assert "<!-- deploy:" not in text
    for command in ("azd down --purge", "az deployment sub create", "az role assignment create"):
        assert command not in text, f"deployment steps belong in docs/deployment.md: {command}"


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {t.split("#")[0] for t in _links(README)}
    pages = {f"docs/{p.name}" for p in DOCS.glob("*.md")}
    assert pages and pages <= linked, sorted(pages - linked)


@pytest.mark.parametrize(
    "source",
    [README, *sorted(DOCS.glob("*.md"))],
    ids=lambda p: p.relative_to(REPO_ROOT).as_posix(),
)
def test_every_relative_link_resolves_to_a_file_and_heading(source: Path) -> None:
    links = _links(source)
    if source == README:
        assert any(t.startswith("docs/") for t in links)
    for target in links:
        name, _, anchor = target.partition("#")
        path = (source.parent / name).resolve() if name else source
        assert path.is_file(), f"{source.name}: {target} does not exist"
        if anchor and path.suffix == ".md":
            assert anchor in _anchors(path), f"{source.name}: {target} names no heading"


def _runs_per_day(schedule: str) -> int:
    """Runs a day of a six-field NCRONTAB that fires every day (`*` day, month and weekday)."""
    second, minute, hour, *days = schedule.split()
    assert days == ["*", "*", "*"], schedule
    sizes = {0: 60, 1: 60, 2: 24}
    runs = 1
    for position, field in enumerate((second, minute, hour)):
        if field == "*":
            runs *= sizes[position]
        elif field.startswith("*/"):
            runs *= sizes[position] // int(field[2:])
        else:
            runs *= len(field.split(","))
    return runs


@pytest.mark.parametrize(
    ("function", "parameter"),
    [
        ("collect_costs", "costsSchedule"),
        ("collect_usage", "usageSchedule"),
        ("collect_inventory", "inventorySchedule"),
        ("refresh_prices", "pricesSchedule"),
    ],
)
def test_the_cost_estimate_counts_the_runs_of_each_default_schedule(
    function: str, parameter: str
) -> None:
    per_day = _runs_per_day(load("main.bicep").params()[parameter].default)
    assert f"`{function}` {per_day}/day = {per_day * 30:,}" in _normalized(doc())


def test_the_section_lists_every_timer_and_where_it_reaches_outbound() -> None:
    text = _normalized(doc())
    for function in ("collect_costs", "collect_usage", "collect_inventory", "refresh_prices"):
        assert text.count(f"`{function}`") >= 3, function
    assert "https://prices.azure.com" in text and "`RETAIL_PRICES_ENDPOINT`" in text


def test_the_section_explains_the_metrics_publisher_role_with_its_source() -> None:
    text = _normalized(doc())
    assert "Monitoring Metrics Publisher is the one role beyond" in text
    assert "https://learn.microsoft.com/azure/azure-monitor/app/azure-ad-authentication" in text


def test_the_section_says_what_to_do_at_a_billing_scope_and_warns_of_double_counting() -> None:
    text = _normalized(doc())
    assert "gives costs with an empty inventory" in text
    assert "Do not combine a billing scope with subscriptions under it" in text


@pytest.mark.parametrize("name", settings.SETTING_NAMES)
def test_the_app_settings_table_names_every_setting_the_code_reads(name: str) -> None:
    start = doc().index("| app setting | value |")
    table = doc()[start : doc().index("\n\n", start)]
    # The storage connection string is the identity-based family in Azure.
    shown = "`AzureWebJobsStorage__tableServiceUri`" if name == settings.STORAGE else f"`{name}`"
    assert shown in table, name


def test_the_roles_table_gives_log_analytics_reader_on_each_workspace_and_nothing_wider() -> None:
    rows = [line for line in doc().splitlines() if line.startswith("| Log Analytics Reader |")]
    scopes = [row.split(" | ")[1] for row in rows]
    assert len(scopes) == 3
    for scope, parameter in zip(
        scopes,
        (
            "apimWorkspaceResourceId",
            "appInsightsWorkspaceResourceId",
            "outcomeWorkspaceResourceIds",
        ),
        strict=True,
    ):
        assert f"`{parameter}`" in scope and "workspace" in scope, scope
    text = _normalized(doc())
    assert "each on one workspace resource, never on its resource group or subscription" in text


def test_the_section_says_each_outcome_workspace_needs_log_analytics_reader() -> None:
    text = _normalized(doc())
    assert "`outcome.source`" in text and "`workspaceId`" in text
    assert "The identity needs **Log Analytics Reader** on each workspace so named" in text
    assert '--role "Log Analytics Reader"' in text
    assert "`OUTCOME_WORKSPACE_RESOURCE_IDS`" in text


def test_the_section_gives_the_sovereign_log_analytics_endpoints() -> None:
    text = _normalized(doc())
    default = load("main.bicep").params()["logsEndpoint"].default
    assert f"| `logsEndpoint` | `{default}` |" in text
    assert "https://api.loganalytics.us" in text and "https://api.loganalytics.azure.cn" in text
