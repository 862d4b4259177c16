"""`apply --file` end to end on Azurite, over the sample tenant's inventory collected from files:
a good file is stored (and again writes nothing, ETags kept), a smaller one deletes what it
omits, and every bad file is refused naming each bad field on its own line, storing nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared import cli
from shared.demo.sample_tenant import SampleTenant, generate
from tests.builders import use_case_body
from tests.e2e.test_refused_collections import tables, window_args

pytestmark = pytest.mark.azurite


@pytest.fixture
def tenant(tmp_path: Path, storage_env: dict[str, str]) -> SampleTenant:
    found = generate(tmp_path / "tenant")
    folder = str(tmp_path / "tenant")
    assert cli.main(["collect", *window_args(found), "--from-files", folder]) == 0
    return found


def write(path: Path, use_cases: list[dict[str, Any]]) -> str:
    path.write_text(json.dumps({"useCases": use_cases}), encoding="utf-8")
    return str(path)


def test_apply_stores_replaces_and_refuses_whole_files(
    tenant: SampleTenant,
    tmp_path: Path,
    storage_env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    conn = storage_env["AzureWebJobsStorage"]
    first, second, *_ = tenant.deployments
    good = write(tmp_path / "good.json", [
        use_case_body("support-bot", {"deployment": first.deployment_id.lower()}),
        use_case_body("billing", {"deployment": second.key,
                                  "callers": {"apimSubscriptions": ["billing"]}}),
    ])  # fmt: skip
    assert cli.main(["apply", "--file", good]) == 0
    assert "2 created" in capsys.readouterr().out
    stored = tables(conn)["usecases"]
    assert sorted(rk for _pk, rk in stored) == ["billing", "support-bot"]
    assert cli.main(["apply", "--file", good]) == 0
    assert "nothing written" in capsys.readouterr().out
    assert tables(conn)["usecases"] == stored  # same bytes and ETags

    before = tables(conn)
    unknown = f"{first.account_id[:-1]}zz/deployments/{first.name}"  # an account never seen
    bad_files = {
        "two problems": [
            use_case_body("support-bot", {"deployment": first.key}),
            use_case_body("Billing", {"deployment": unknown}),
        ],
        "overlap": [
            use_case_body("support-bot", {"deployment": first.key}),
            use_case_body("other", {"deployment": first.deployment_id}),
        ],
    }
    expected = {
        "two problems": [
            "error: useCases[1].name: must be a slug",
            "error: useCases[1].deployments[0].deployment: no deployment of the inventory has "
            "this id or key",
        ],
        "overlap": [
            "error: useCases[1].deployments[0].deployment: this deployment is already taken "
            "whole at useCases[0].deployments[0] (support-bot)"
        ],
    }
    for name, use_cases in bad_files.items():
        assert cli.main(["apply", "--file", write(tmp_path / "bad.json", use_cases)]) == 2
        lines = capsys.readouterr().err.splitlines()
        assert len(lines) == len(expected[name])
        assert all(line.startswith(want) for line, want in zip(lines, expected[name], strict=True))
        assert tables(conn) == before
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    for path in (tmp_path / "broken.json", tmp_path / "missing.json"):
        assert cli.main(["apply", "--file", str(path)]) == 2
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and err[0].startswith("error: --file: ")
    assert tables(conn) == before

    smaller = write(
        tmp_path / "smaller.json", [use_case_body("billing", {"deployment": second.key})]
    )
    assert cli.main(["apply", "--file", smaller]) == 0
    assert "1 updated, 1 deleted" in capsys.readouterr().out
    assert [rk for _pk, rk in tables(conn)["usecases"]] == ["billing"]


def test_apply_help_says_the_file_replaces_the_stored_set(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["apply", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "replaces the stored sets exactly" in text and "writes nothing" in text
