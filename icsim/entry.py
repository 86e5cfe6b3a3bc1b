"""The ``icsim`` program's entry point, which makes Ctrl-C work before anything else is loaded.

Loading the libraries behind the command line (pydantic, pandas, SimPy, Mesa, Dask...) takes a
second or two, and a Ctrl-C in that time must exit 130 without a traceback too. So this module
uses only the standard library: it makes Ctrl-C raise ``KeyboardInterrupt`` whatever the process
inherited, then loads the command line (``icsim.cli``), catching a Ctrl-C while it loads.
"""

from __future__ import annotations

import signal
import sys
import threading

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a program stopped by Ctrl-C


def ctrl_c_interrupts() -> None:
    """Make Ctrl-C (SIGINT) raise ``KeyboardInterrupt`` whatever this process inherited.

    Python installs that handler only if SIGINT was not ignored when it started, and a job
    started in the background by a non-interactive shell (``nohup icsim sweep ... &``, many CI
    runners and batch systems) starts with SIGINT ignored: the command would then never stop
    cleanly on SIGINT. A handler someone else installed (an embedding program) is left alone."""
    if threading.current_thread() is threading.main_thread() and \
            signal.getsignal(signal.SIGINT) in (signal.SIG_IGN, signal.SIG_DFL):
        signal.signal(signal.SIGINT, signal.default_int_handler)


def run() -> int:
    """The ``icsim`` command (``[project.scripts]`` and ``python -m icsim``): its exit code. Ctrl-C
    raises ``KeyboardInterrupt`` from here on, whatever the process inherited (see
    ``ctrl_c_interrupts``); one pressed while the command line loads exits 130."""
    pressed = []

    def while_loading(signum, frame):
        pressed.append(signum)  # noted: a KeyboardInterrupt raised inside an import callback is lost
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, while_loading)
    try:
        from icsim.cli import main  # loaded here so that a Ctrl-C while it loads is caught
    except KeyboardInterrupt:
        pressed.append(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if pressed:
        sys.stderr.write("interrupted (Ctrl-C) while starting: nothing was done.\n")
        return EXIT_INTERRUPTED
    return main()
