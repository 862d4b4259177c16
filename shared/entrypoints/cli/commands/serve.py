"""`serve [--port N]`: the HTTP API on 127.0.0.1, over the stores of the settings."""

from __future__ import annotations

import argparse

from shared.entrypoints.cli.arguments import Subparsers
from shared.entrypoints.cli.composition import container, views
from shared.services.use_cases import UseCaseService
from shared.services.views import ViewService

DEFAULT_PORT = 8080


def add(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("serve", help="serve the HTTP API on 127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    return parser


def run(args: argparse.Namespace) -> int:
    parts = container()
    serve_api(views(parts), args.port, parts.use_cases)  # the stores first: an outage is one line
    return 0


def serve_api(read_side: ViewService, port: int, definitions: UseCaseService | None = None) -> None:
    """Serve the API over `read_side` (and the use cases of `definitions`) on
    127.0.0.1:`port` until Ctrl-C (or SIGTERM)."""
    import uvicorn

    from shared.entrypoints.http.app import create_api

    use_cases = (lambda: definitions) if definitions else None
    app = create_api(lambda: read_side, use_cases)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
