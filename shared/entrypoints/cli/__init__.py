"""The command line: `python -m shared.cli`."""
