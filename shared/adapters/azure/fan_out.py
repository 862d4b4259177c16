"""Bounded concurrency for the live sources: one call per scope, account or batch, at most
`concurrency` at a time (the `COLLECTION_CONCURRENCY` setting).

`fan_out` keeps a source all-or-nothing: it returns every result, in the order of the items, or
raises. When a call fails, the calls not yet started are cancelled, the running ones are waited
for (nothing is left running behind the caller), and the failure of the first failed item, in
item order, is raised: the same error a serial loop would have raised first among those that ran.
Throttling and pacing stay the SDK pipelines' (shared/adapters/azure/calls.py) and the shared
pacers' (shared/adapters/azure/qpu_pacing.py), which are thread-safe.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TypeVar

from shared.errors import ConfigurationError

DEFAULT_CONCURRENCY = (
    4  # the COLLECTION_CONCURRENCY default; a source built alone runs serially (1)
)
MAX_CONCURRENCY = 64  # as COLLECTION_CONCURRENCY at most (shared/settings.py)

Item = TypeVar("Item")
Result = TypeVar("Result")


def check_concurrency(value: int, name: str = "COLLECTION_CONCURRENCY") -> int:
    """`value` if it is a whole number of calls from 1 to MAX_CONCURRENCY, else
    ConfigurationError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CONCURRENCY:
        raise ConfigurationError(
            name, f"must be a whole number from 1 to {MAX_CONCURRENCY}, not {value!r}"
        )
    return value


def fan_out(
    call: Callable[[Item], Result], items: Sequence[Item], concurrency: int
) -> list[Result]:
    """`call` on every item, at most `concurrency` at once; the results in item order, or the
    first failure in item order (the calls not started yet are not made)."""
    check_concurrency(concurrency, "concurrency")
    if concurrency == 1 or len(items) <= 1:
        return [call(item) for item in items]
    with ThreadPoolExecutor(
        max_workers=min(concurrency, len(items)), thread_name_prefix="collect"
    ) as pool:
        futures: list[Future[Result]] = [pool.submit(call, item) for item in items]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        if any(f.exception() is not None for f in done):
            for future in futures:
                future.cancel()  # only those not started; the running ones finish
        wait(futures)
    for future in futures:
        if not future.cancelled() and (error := future.exception()) is not None:
            raise error
    return [future.result() for future in futures]
