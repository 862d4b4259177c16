"""The HTTP API (FastAPI, served by the Functions host through AsgiFunctionApp)."""
