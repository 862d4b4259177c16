"""The API's response models (pydantic): what the OpenAPI document at /api/openapi.json states."""
