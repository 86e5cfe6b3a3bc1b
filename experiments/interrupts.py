"""Worker processes that leave Ctrl-C to the command that started them.

A Ctrl-C in a terminal goes to every process of the command: to an experiment's worker processes
and a local Dask cluster's workers as well as to ``icsim`` itself, and each of them would stop
with a traceback of its own. The command stops its workers itself when it is interrupted, so the
workers ignore Ctrl-C:

- an experiment's pool is started inside ``ctrl_c_held``: SIGINT is blocked in this thread while
  its processes start, and a new process inherits the block for good (they never see a Ctrl-C,
  not even while they load); here the block is lifted afterwards, so a Ctrl-C pressed meanwhile
  is not lost but arrives then;
- a local Dask cluster's workers (started from Dask's own threads, which do not inherit the block)
  load this module as a preload (``dask_setup``) and ignore SIGINT from then on, a second or so
  after they start; the cluster itself is started inside ``ctrl_c_held`` too, so that a Ctrl-C
  does not leave it half-started.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def ignore_ctrl_c() -> None:
    """Ignore SIGINT in this process (an initializer for worker processes)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def dask_setup(worker) -> None:
    """Dask's preload hook, run in each worker process of a local cluster as it starts."""
    if threading.current_thread() is threading.main_thread():
        ignore_ctrl_c()


@contextmanager
def ctrl_c_held() -> Iterator[None]:
    """Hold Ctrl-C while the block runs: SIGINT is blocked in this thread (and in the processes it
    starts, for good), then unblocked, when a Ctrl-C pressed meanwhile raises ``KeyboardInterrupt``."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
