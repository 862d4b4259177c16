"""The Functions app: composition only (the HTTP API, then the trigger blueprints)."""

import logging

import azure.functions as func

from functions import allocate, collect, export_ingestion, prices
from functions.composition import container
from shared.entrypoints.http.app import create_api
from shared.entrypoints.http.authentication import RequireCredential
from shared.entrypoints.http.parts import from_container

logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(logging.WARNING)

api = create_api(from_container(container))
# The host checks function keys (AuthLevel.FUNCTION); the app refuses any request without a
# credential too (shared/entrypoints/http/authentication.py).
app = func.AsgiFunctionApp(app=RequireCredential(api), http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(collect.bp)
app.register_functions(allocate.bp)
app.register_functions(prices.bp)
app.register_functions(export_ingestion.bp)
