"""The commands, one module each with `add(subparsers)` and `run(args)` (listed in cli/main.py)."""
