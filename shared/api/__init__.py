"""The HTTP API (one ASGI app) served by Azure Functions and, locally, by uvicorn."""
