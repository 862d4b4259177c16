"""What every command is built from: one Container of the settings (shared/bootstrap.py) per
command, and the read side over its stores."""

from __future__ import annotations

from collections.abc import Mapping

from shared.bootstrap import Container
from shared.services.views import ViewService
from shared.settings import Settings


def container(env: Mapping[str, str] | None = None) -> Container:
    """The container of the settings in `env` (default: the process environment)."""
    return Container(Settings.from_env(env))


def views(parts: Container) -> ViewService:
    """The views of the allocations published in the container's stores (builds the stores)."""
    return parts.views
