"""What the commands share about arguments: the sub-parsers' type and the argument types."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TypeAlias

from shared.core.period import BillingPeriod
from shared.errors import FinOpsError

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def day(text: str) -> date:
    """`YYYY-MM-DD`, or argparse's one-line usage error."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from None


def period(text: str) -> BillingPeriod:
    """`YYYY-MM`, or argparse's one-line usage error."""
    try:
        return BillingPeriod.parse(text)
    except FinOpsError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
