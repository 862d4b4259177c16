"""Functions fixtures: the sample tenant served by the HTTPS Azure double, settings set for it."""

from __future__ import annotations

import pytest

from functions import composition
from tests.live_tenant import serve_tenant


@pytest.fixture
def live(tmp_path, serve_azure, monkeypatch, storage_env):
    """The sample tenant behind the double; the triggers' cached builders start afresh."""
    tenant, _running = serve_tenant(tmp_path, serve_azure, monkeypatch)
    monkeypatch.setenv("LOOKBACK_DAYS", "70")  # today is after the sample month
    composition.reset()
    yield tenant
    composition.reset()
