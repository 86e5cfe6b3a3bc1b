"""Where the explorer's runs are made: in the page's thread, or in worker processes in parallel,
with the baseline kept in the cache.

A run has ``views`` (``views[k]``: its ``RunView`` after ``k`` months), ``want(n)`` (start on the
months up to ``n`` if it runs elsewhere) and ``wait_for(n)`` (return when ``n`` months are done;
a run made here runs them now, in the caller's thread). ``Session.step`` asks both the scenario
and the baseline for the next month, then waits for both: when each runs in a process of its own,
they run at the same time, on two cores.

- ``Run``: the model stepped in the caller's thread (``LocalRunner``: the two runs one after the
  other; the tests use it to reach the models).
- ``RemoteRun``: the model stepped in a worker process. A model cannot be pickled mid-run, so the
  process builds and steps its own and sends back each month's tables (``viz.monthly``); a thread
  here turns them into views. Processes are started with ``spawn`` (``import mesa`` asks for it),
  so the worker's code is this module's ``_serve``, which imports the model itself. Spare
  processes, their imports done, wait for the next runs, so a new scenario starts without waiting
  for Python to import pandas, SimPy and Mesa.
- ``CachedRun``: a baseline read from the cache, every month done.

``ProcessRunner`` is the server's: one per server, shared by every browser session. The baseline
of a footprint, seed and months is one run whichever sessions show it: read from the cache, or
computed once in a worker process that runs to the last month in the background while any session
shows it (whether or not anyone waits), and is then saved to the cache. When no session shows it
any more (the user chose another footprint) it pauses after the month under way, leaving both
cores to what is on the page, and goes on when a session shows it again (one still in its first
month, the warm-up, is stopped instead, and started again when needed). A scenario's worker runs the months asked for and
``lookahead`` more (one by default), so that the next "Step a month" finds its month ready or
under way.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import traceback
import weakref

from sim.config import Config
from viz.cache import BaselineCache, entry_key
from viz.monthly import Recorder, Views

IDLE_SECONDS = 3600  # a worker waiting this long for a command (its page gone) ends
SPARE_AFTER = 5  # seconds between looks for a moment with no run computing, to make up the spares


class RunError(RuntimeError):
    pass


class Run:
    """A model stepped in the caller's thread."""

    source = "run here"

    def __init__(self, name: str, config: Config, seed: int, months: int):
        self.name, self.config, self.seed, self.months = name, config, seed, months
        self._views = Views(name, config, months)
        self._recorder: Recorder | None = None  # the model is built on the first month (a second or two)
        self.error: str | None = None
        self.note = ""  # what became of it (saved to the cache, or why not)

    @property
    def model(self):
        return self._recorder.model if self._recorder else None

    @property
    def views(self):
        return self._views.views

    @property
    def months_done(self) -> int:
        return len(self.views) - 1

    @property
    def complete(self) -> bool:
        return self.months_done >= self.months

    def want(self, n: int) -> None:
        pass

    def wait_for(self, n: int, timeout: float | None = None, ask: bool = True) -> bool:
        while self.months_done < min(n, self.months):
            self.step()
        return True

    def hold(self) -> None:
        """A session shows this run (a baseline computed in the background runs on meanwhile)."""

    def release(self) -> None:
        """A session that showed this run is gone."""

    def step(self) -> None:
        """Run the next month, then publish its view."""
        if self._recorder is None:
            self._recorder = Recorder(self.config, self.seed, self.months)
        self._views.add(self._recorder.step())

    def close(self) -> None:
        pass


class CachedRun(Run):
    """A baseline read from the cache: every month done."""

    source = "cache"

    def __init__(self, name: str, config: Config, seed: int, months: int, tables: list[dict]):
        super().__init__(name, config, seed, months)
        for month in tables:
            self._views.add(month)

    def step(self) -> None:
        raise RunError("a cached run has every month already")


# --- worker processes -------------------------------------------------------------------------


def _serve(conn) -> None:
    """A worker process: import the model, wait for a run, then step it month by month up to the
    month asked for (``("target", n)``), sending each month's tables back."""
    try:
        if not conn.poll(IDLE_SECONDS):
            return  # a spare nobody took
        _, config, seed, months = conn.recv()
        recorder = Recorder(config, seed, months)
        done = target = 0
        while done < months:
            while conn.poll(0) or done >= target:
                if done >= target and not conn.poll(IDLE_SECONDS):
                    conn.send(("error", f"it waited {IDLE_SECONDS // 60} minutes unused and was ended: press Apply "
                               "levers to run it again", ""))
                    return
                message = conn.recv()
                if message[0] == "stop":
                    return
                target = message[1]  # lower to pause: no session wants more for now
            tables = recorder.step()
            done += 1
            conn.send(("month", done, tables))
        conn.send(("done",))
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        return  # the server is gone
    except Exception as exc:  # noqa: BLE001 - the page says what stopped the run
        try:
            conn.send(("error", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
        except (OSError, ValueError):
            pass


class Workers:
    """Worker processes, ``spares`` of them kept started (their imports under way or done): two,
    for a footprint's first screen, which needs one for its baseline and one for a scenario.
    Spares taken are replaced when no run is computing (``busy``), not to slow the runs under way
    with Python's imports."""

    def __init__(self, spares: int = 2, busy=None):
        self._context = multiprocessing.get_context("spawn")
        self.spares = spares
        self.busy = busy or self.computing
        self._spare: list = []
        self._lock = threading.Lock()
        self.runs: weakref.WeakSet = weakref.WeakSet()  # the runs its processes are making

    def computing(self) -> bool:
        """Whether any of its runs is computing a month."""
        return any(run.computing for run in list(self.runs))

    def _start(self):
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child,), daemon=True, name="icsim-explorer-run")
        process.start()
        child.close()
        return process, parent

    def warm(self) -> None:
        """Start spares now, up to ``spares``."""
        with self._lock:
            self._spare = [w for w in self._spare if w[0].is_alive()]
            while len(self._spare) < self.spares:
                self._spare.append(self._start())

    def take(self):
        """A started process and its end of the pipe; the spares are made up later."""
        with self._lock:
            while self._spare and not self._spare[0][0].is_alive():
                self._spare.pop(0)
            spare = self._spare.pop(0) if self._spare else self._start()
        self._later()
        return spare

    def _later(self) -> None:
        timer = threading.Timer(SPARE_AFTER, self._replenish)
        timer.daemon = True
        timer.start()

    def _replenish(self) -> None:
        if self.busy():
            self._later()
        else:
            self.warm()


class RemoteRun(Run):
    """A model stepped in a worker process; its months arrive here as views."""

    source = "worker process"

    def __init__(self, name: str, config: Config, seed: int, months: int, workers: Workers, lookahead: int = 0,
                 on_complete=None, background: bool = False):
        """``background``: run to the last month while any session holds the run (``hold``),
        paused after the month under way when none does."""
        super().__init__(name, config, seed, months)
        self.lookahead, self._on_complete, self._background = lookahead, on_complete, background
        self._holders = 0
        self._changed = threading.Condition()
        self._send_lock = threading.Lock()
        self._target = 0
        workers.runs.add(self)
        self.settled = threading.Event()  # set when the run is over: done (and saved) or stopped
        self.process, self._conn = workers.take()
        self._conn.send(("run", config, seed, months))
        # the process ends with the run: when every month is done, or when the run is dropped
        self._finalizer = weakref.finalize(self, _stop, self.process, self._conn)
        threading.Thread(target=self._receive, daemon=True, name=f"icsim-{name}-receiver").start()

    def _receive(self) -> None:
        try:
            while True:
                message = self._conn.recv()
                if message[0] == "month":
                    with self._changed:
                        self._views.add(message[2])
                        self._changed.notify_all()
                elif message[0] == "error":
                    self._fail(message[1])
                    return
                else:  # done
                    break
        except (EOFError, OSError):
            if not self.complete:
                self._fail("its worker process ended unexpectedly")
            return
        finally:
            if not self.complete:
                self.settled.set()
        try:
            if self._on_complete is not None:
                self._on_complete(self)
        finally:
            self.settled.set()

    def _fail(self, why: str) -> None:
        with self._changed:
            if self.error is None:
                self.error = why
            self._changed.notify_all()

    @property
    def computing(self) -> bool:
        return self.error is None and self.months_done < min(self._target, self.months)

    def _send_target(self, n: int) -> None:
        """Under ``_send_lock``."""
        if n != self._target and self.error is None:
            self._target = n
            try:
                self._conn.send(("target", n))
            except OSError:
                pass  # the receiver says why

    def want(self, n: int) -> None:
        n = min(n + self.lookahead, self.months)
        with self._send_lock:
            if n > self._target:
                self._send_target(n)

    def hold(self) -> None:
        with self._send_lock:
            self._holders += 1
        if self._background:
            self.want(self.months)

    def release(self) -> None:
        """When no session holds a background run any more: stopped if it has no month yet (its
        first month, with the warm-up, is the longest, and little is lost), else paused after the
        month under way. Either way it no longer slows what is on the page."""
        with self._send_lock:
            self._holders -= 1
            idle = self._holders <= 0 and self._background and not self.complete
            if idle and self.months_done > 0:
                self._send_target(min(self._target, self.months_done + 1))
        if idle and self.months_done == 0:
            self.close()  # the runner starts it again when a session shows it

    def wait_for(self, n: int, timeout: float | None = None, ask: bool = True) -> bool:
        """True once ``n`` months are done (asked for, unless not ``ask``); False after ``timeout``
        seconds. ``RunError`` if the run stopped."""
        n = min(n, self.months)
        if ask:
            self.want(n)
        with self._changed:
            self._changed.wait_for(lambda: self.months_done >= n or self.error is not None, timeout)
            if self.months_done >= n:
                return True
            if self.error is not None:
                raise RunError(f"the {self.name} run stopped: {self.error}")
            return False

    def step(self) -> None:
        self.want(self.months_done + 1)
        self.wait_for(self.months_done + 1)

    def close(self) -> None:
        """End the worker process; a caller still waiting gets ``RunError``."""
        self._fail("it was closed")
        self._finalizer()


def _stop(process, conn) -> None:
    """End a worker at once (it may be in the middle of a month), without waiting for it: the
    page goes on; a thread collects the process when it has ended."""
    conn.close()
    if process.is_alive():
        process.terminate()
    threading.Thread(target=process.join, args=(30,), daemon=True).start()


# --- runners --------------------------------------------------------------------------------


class LocalRunner:
    """Both runs in the caller's thread, nothing cached (the tests' runner)."""

    def baseline(self, config: Config, seed: int, months: int) -> Run:
        return Run("baseline", config, seed, months)

    def scenario(self, config: Config, seed: int, months: int) -> Run:
        return Run("scenario", config, seed, months)


class ProcessRunner:
    """Runs in worker processes; baselines shared by every session, and kept in ``cache``."""

    def __init__(self, cache: BaselineCache | None = None, lookahead: int = 1):
        self.cache, self.lookahead = cache, lookahead
        self.workers = Workers()
        self._baselines: dict[str, Run] = {}
        self._lock = threading.Lock()

    def baseline(self, config: Config, seed: int, months: int) -> Run:
        """The baseline run: the one already made or under way, else the cache's, else a new one
        running to its last month in a worker process."""
        key = entry_key(config, seed, months)
        with self._lock:
            run = self._baselines.get(key)
            if run is not None and run.error is None:
                return run
            tables = self.cache.read(config, seed, months) if self.cache is not None else None
            if tables is not None:
                run = CachedRun("baseline", config, seed, months, tables)
            else:
                run = RemoteRun("baseline", config, seed, months, self.workers, on_complete=self._save,
                                background=True)
                if self.cache is not None and self.cache.why_not:
                    run.note = f"the cached entry could not be used ({self.cache.why_not})"
            run.key = key
            self._baselines[key] = run
            return run

    def _save(self, run: Run) -> None:
        if self.cache is None:
            return
        try:
            self.cache.write(run.config, run.seed, run.months, run._views.tables)
            run.note = "saved to the cache"
        except OSError as exc:
            run.note = f"not saved to the cache: {exc.strerror or exc}"

    def scenario(self, config: Config, seed: int, months: int) -> Run:
        return RemoteRun("scenario", config, seed, months, self.workers, lookahead=self.lookahead)


_shared: ProcessRunner | None = None
_shared_lock = threading.Lock()


def shared_runner() -> ProcessRunner:
    """The server's runner (one per process, whichever page asks), its cache the default folder
    (``viz.cache.default_folder``)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ProcessRunner(BaselineCache(), lookahead=int(os.environ.get("ICSIM_EXPLORER_LOOKAHEAD", "1")))
        return _shared
