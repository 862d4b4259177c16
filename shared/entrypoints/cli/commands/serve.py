"""`serve [--port N]`: the HTTP API on 127.0.0.1, over the stores of the settings."""

from __future__ import annotations

import argparse

from shared.bootstrap import Container
from shared.entrypoints.cli.arguments import Subparsers, examples
from shared.entrypoints.cli.composition import container, views

DEFAULT_PORT = 8080
# Seconds uvicorn keeps an idle connection open (its default is 5). A server that closes an idle
# keep-alive connection races the client's next request on it, which then fails with a transport
# error (httpx: ReadError); clients must give up idle connections first (httpx after 5 s).
KEEP_ALIVE_SECONDS = 75


def add(subparsers: Subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "serve",
        help="serve the HTTP API on 127.0.0.1",
        epilog=examples("serve", "serve --port 8081"),
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"the port (default {DEFAULT_PORT})"
    )
    return parser


def run(args: argparse.Namespace) -> int:
    parts = container()
    views(parts)  # the stores first: an outage is one line, before the server starts
    serve_api(parts, args.port)
    return 0


def serve_api(parts: Container, port: int) -> None:
    """Serve the whole API over the container's services on 127.0.0.1:`port` (loopback only)
    until Ctrl-C (or SIGTERM)."""
    import uvicorn

    from shared.entrypoints.http.app import create_api
    from shared.entrypoints.http.parts import from_container

    app = create_api(from_container(lambda: parts))
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )
