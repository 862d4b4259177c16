"""Short, stable digests of text, for keys made from free text (meter names, ARM ids).

One function for every stored key: a table key written once must be computed the same way by
every later version, so changing how it is made (the separator, the hash, a length) orphans
every stored row. The length is the caller's: account and deployment keys use 10 hex digits
(`ARM_KEY_DIGITS`), row and partition keys 16 (`ROW_KEY_DIGITS`, the default).
"""

from __future__ import annotations

import hashlib

from shared.errors import InvalidInput

ROW_KEY_DIGITS = 16
ARM_KEY_DIGITS = 10
_SEPARATOR = "\x1f"  # ASCII unit separator: never in the parts' text


def digest(*parts: object, length: int = ROW_KEY_DIGITS) -> str:
    """The first `length` hex digits of the SHA-256 of the parts' text, joined by U+001F."""
    if not 1 <= length <= 64:
        raise InvalidInput("length", f"a SHA-256 digest has 1 to 64 hex digits, not {length}")
    text = _SEPARATOR.join(str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:length]
