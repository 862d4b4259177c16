"""The Functions app: composition only (the HTTP API, then the trigger blueprints)."""

import logging

import azure.functions as func

from functions import allocate, collect, prices
from functions.composition import (
    container,
    economics,
    insights,
    outcomes,
    targets,
    use_cases,
    views,
    what_if,
)
from shared.entrypoints.http.app import create_api

logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(logging.WARNING)

api = create_api(
    views,
    use_cases,
    outcomes,
    economics,
    targets,
    what_if,
    insights_service=insights,
    plan_service=lambda: container().plans,  # use cases' plans (GET /api/use-cases/{name}/plan)
)
app = func.AsgiFunctionApp(app=api, http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(collect.bp)
app.register_functions(allocate.bp)
app.register_functions(prices.bp)
