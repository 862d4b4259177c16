"""The Functions app: composition only (the HTTP API, then the trigger blueprints).

Importing it loads azure-functions and the thin trigger modules only: the HTTP API is built on
its first request (`LazyApp`), the container and the services on a function's first invocation
(functions/composition.py), so a cold start indexes the functions without importing FastAPI,
the storage SDKs or the services (benchmark e)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import azure.functions as func

from functions import allocate, collect, export_ingestion, prices
from functions.composition import container
from shared.entrypoints.http.lazy_app import LazyApp

if TYPE_CHECKING:
    from starlette.types import ASGIApp

logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(logging.WARNING)


def build_api() -> ASGIApp:
    """The HTTP API behind the credential check: the host checks function keys
    (AuthLevel.FUNCTION); the app refuses any request without a credential too
    (shared/entrypoints/http/authentication.py)."""
    from shared.entrypoints.http.app import create_api
    from shared.entrypoints.http.authentication import RequireCredential
    from shared.entrypoints.http.parts import from_container

    return RequireCredential(create_api(from_container(container)))


api = LazyApp(build_api)
app = func.AsgiFunctionApp(app=api, http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(collect.bp)
app.register_functions(allocate.bp)
app.register_functions(prices.bp)
app.register_functions(export_ingestion.bp)
