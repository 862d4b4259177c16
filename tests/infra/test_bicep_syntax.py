"""The templates parse, the modules are pinned, and azd, the parameters file and Bicep agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bicep_query import INFRA, REPO_ROOT, BicepFile, Ref, bicep_files, load

AVM_PIN = re.compile(r"^br/public:avm/(res|ptn|utl)/[a-z0-9-]+(/[a-z0-9-]+)*:\d+\.\d+\.\d+$")


def test_the_infra_folder_holds_main_and_the_app_modules() -> None:
    names = {path.relative_to(INFRA).as_posix() for path in bicep_files()}
    assert {"main.bicep", "app/api.bicep", "app/rbac.bicep"} <= names


@pytest.mark.parametrize("path", bicep_files(), ids=lambda p: p.relative_to(INFRA).as_posix())
def test_every_bicep_file_parses_without_error_or_missing_nodes(path: Path) -> None:
    problems = BicepFile.parse(path).problems()
    assert not problems, "\n".join(str(problem) for problem in problems)


def test_main_deploys_at_subscription_scope_and_the_app_at_resource_group_scope() -> None:
    assert load("main.bicep").target_scope() == "subscription"
    assert load("app/api.bicep").target_scope() == "resourceGroup"
    assert load("app/rbac.bicep").target_scope() == "subscription"


def test_every_registry_module_is_an_azure_verified_module_pinned_to_an_exact_version() -> None:
    registry = [
        (path.name, module.source)
        for path in bicep_files()
        for module in BicepFile.parse(path).modules()
        if not module.source.endswith(".bicep")
    ]
    assert registry, "expected Azure Verified Modules"
    unpinned = [(name, source) for name, source in registry if not AVM_PIN.match(source)]
    assert not unpinned


def test_every_local_module_path_exists() -> None:
    for path in bicep_files():
        for module in BicepFile.parse(path).modules():
            if module.source.endswith(".bicep"):
                assert (path.parent / module.source).is_file(), f"{path.name}: {module.source}"


def test_every_parameter_of_every_template_has_a_description() -> None:
    for path in bicep_files():
        for param in BicepFile.parse(path).params().values():
            described = any(d.startswith("@description(") for d in param.decorators)
            assert described, f"{path.name}: param {param.name} has no @description"


def test_main_passes_only_parameters_that_each_local_module_declares() -> None:
    main = load("main.bicep")
    for module in main.modules():
        if module.source.endswith(".bicep"):
            declared = load(module.source).params()
            unknown = set(module.params) - set(declared)
            required = {name for name, p in declared.items() if not p.has_default}
            assert not unknown, f"{module.symbol}: {sorted(unknown)}"
            assert required <= set(module.params), f"{module.symbol}: {sorted(required)}"


def _bicepparam_assignments() -> dict[str, str]:
    text = (INFRA / "main.bicepparam").read_text(encoding="utf-8")
    assert re.search(r"^using '\./main\.bicep'$", text, re.MULTILINE)
    return dict(re.findall(r"^param (\w+) = (.+)$", text, re.MULTILINE))


def test_the_parameters_file_sets_only_declared_parameters_and_every_required_one() -> None:
    declared = load("main.bicep").params()
    assigned = _bicepparam_assignments()
    required = {name for name, param in declared.items() if not param.has_default}
    assert set(assigned) <= set(declared)
    assert required <= set(assigned)


def test_the_parameters_file_reads_the_azd_environment_name_and_location() -> None:
    assigned = _bicepparam_assignments()
    assert "readEnvironmentVariable('AZURE_ENV_NAME'" in assigned["environmentName"]
    assert "readEnvironmentVariable('AZURE_LOCATION'" in assigned["location"]


def _azure_yaml() -> dict[str, str]:
    """`key: value` pairs of azure.yaml flattened to dotted paths (enough for this small file)."""
    pairs: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in (REPO_ROOT / "azure.yaml").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        key, _, rest = line.strip().partition(":")
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = ".".join([*(k for _, k in stack), key])
        if rest.strip():
            pairs[path] = rest.strip()
        else:
            stack.append((indent, key))
    return pairs


def test_azure_yaml_deploys_the_repository_root_as_the_python_function_tagged_in_bicep() -> None:
    config = _azure_yaml()
    assert config["infra.provider"] == "bicep"
    assert config["infra.path"] == "infra"
    assert config["infra.module"] == "main"
    services = {key.split(".")[1] for key in config if key.startswith("services.")}
    assert services == {"api"}
    assert config["services.api.project"] == "."
    assert config["services.api.language"] == "python"
    assert config["services.api.host"] == "function"
    site = load("app/api.bicep").module("functionApp")
    tags = site.params["tags"]
    assert tags.name == "union" and tags.args[0] == Ref("tags")
    assert tags.args[1] == {"azd-service-name": "api"}


def test_the_function_app_runs_python_3_11_on_flex_consumption() -> None:
    plan = load("main.bicep").module("plan").params
    assert plan["sku"] == {"name": "FC1", "tier": "FlexConsumption"}
    assert plan["reserved"] is True
    site = load("app/api.bicep").module("functionApp").params
    assert site["kind"] == "functionapp,linux"
    assert site["functionAppConfig"]["runtime"] == {"name": "python", "version": "3.11"}
