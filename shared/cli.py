"""`python -m shared.cli`: the command line (shared/entrypoints/cli/)."""

from shared.entrypoints.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
