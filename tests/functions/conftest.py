"""Functions fixtures: the sample tenant served by the HTTPS Azure double, settings set for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from functions import composition
from shared.demo.sample_tenant import SampleTenant
from tests.doubles.azure import AzureDouble
from tests.doubles.fixtures import RunningDouble
from tests.live_tenant import serve_tenant


@pytest.fixture
def live(
    tmp_path: Path,
    serve_azure: Callable[[AzureDouble], RunningDouble],
    monkeypatch: pytest.MonkeyPatch,
    storage_env: dict[str, str],
) -> Iterator[SampleTenant]:
    """The sample tenant behind the double; the triggers' cached builders start afresh."""
    tenant, _running = serve_tenant(tmp_path, serve_azure, monkeypatch)
    monkeypatch.setenv("LOOKBACK_DAYS", "70")  # today is after the sample month
    composition.reset()
    yield tenant
    composition.reset()
