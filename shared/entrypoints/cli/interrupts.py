"""Ctrl-C in a command that works in steps (a backfill's periods): the first Ctrl-C asks it to
stop once the step at work is done, so no input is left half-written; a second stops it at once
(KeyboardInterrupt, exit 130). Off the main thread, where no signal handler can be set, Ctrl-C
stops at once as usual.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any


class StopRequest:
    """A context in which the first SIGINT is a request (`stop()` is then true) and the second a
    KeyboardInterrupt; `say` tells the operator which."""

    def __init__(self, say: Callable[[str], None], after: str = "the period at work") -> None:
        self._say = say
        self._after = after
        self._previous: Any = None
        self.requested = False

    def __call__(self) -> bool:
        return self.requested

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.getsignal(signal.SIGINT)
            signal.signal(signal.SIGINT, self._interrupt)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def _interrupt(self, signum: int, frame: FrameType | None) -> None:
        del signum, frame
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        self._say(f"stopping after {self._after} (Ctrl-C again to stop now)")
