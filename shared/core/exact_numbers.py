"""Numbers of definitions files read exactly from their text: what a threshold, a ratio or a
plan's figure may be, one reader for all.

A number is an int, a Decimal (JSON parsed with `parse_float=Decimal`), or a string in JSON's
number grammar; a float is not the number written (refused, or read from its shortest repr
where the caller accepts floats); a boolean is not a number. It must be finite, not negative
(greater than 0 when asked), at most MAX_AMOUNT and have at most MAX_PLACES decimal places.
Problems are recorded as (field path, detail); the reader answers None then.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from shared.core.money import MAX_AMOUNT

Problem = tuple[str, str]  # (field path, detail)

# JSON's number grammar (no blanks, no `+`, no `_`, no NaN or Infinity): what a string may hold.
NUMBER_TEXT = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
MAX_AMOUNT_TEXT = f"{MAX_AMOUNT:.0e}".replace("e+", "e")  # 1e15
MAX_PLACES = 28  # decimal places of a definition's number (a finer one is surely a mistake)
FLOAT_REFUSED = (
    "must be read exactly from its text: give it as a string, or parse the JSON with "
    "parse_float=Decimal (a float is not the number written)"
)


def exact_number(
    value: object,
    at: str,
    problems: list[Problem],
    *,
    positive: bool = False,
    floats: bool = False,
) -> Decimal | None:
    """`value` read exactly (module docstring), or None with a problem recorded at `at`."""
    found = _read(value, at, problems, floats)
    if found is None:
        return None
    exponent = found.as_tuple().exponent
    if not found.is_finite() or not isinstance(exponent, int):
        problems.append((at, "must be a finite number"))
        return None
    if found < 0 or (positive and found == 0):
        problems.append((at, "must be greater than 0" if positive else "must not be negative"))
        return None
    if found > MAX_AMOUNT:
        problems.append((at, f"must be at most {MAX_AMOUNT_TEXT}"))
        return None
    if exponent < -MAX_PLACES:
        problems.append((at, f"must have at most {MAX_PLACES} decimal places"))
        return None
    return found.copy_abs()  # -0 is 0


def _read(value: object, at: str, problems: list[Problem], floats: bool) -> Decimal | None:
    if value is None:
        problems.append((at, "required"))
    elif isinstance(value, bool):
        problems.append((at, "must be a number, not a boolean"))
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, float):
        if not floats:
            problems.append((at, FLOAT_REFUSED))
        elif NUMBER_TEXT.fullmatch(repr(value)):
            return Decimal(repr(value))
        else:
            problems.append((at, "must be a finite number"))
    elif isinstance(value, Decimal):
        return value
    elif isinstance(value, str):
        if NUMBER_TEXT.fullmatch(value):
            try:
                return Decimal(value)
            except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
                pass
        problems.append((at, "must be a decimal number"))
    else:
        problems.append((at, "must be a number or a string holding one"))
    return None
