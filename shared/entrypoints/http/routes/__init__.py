"""The API's routes, one module each with `register(app, views)` (listed in http/app.py)."""
