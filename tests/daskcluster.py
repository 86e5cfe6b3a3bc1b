"""A real Dask cluster on loopback for tests: a scheduler and worker processes started as
separate programs (as on a cluster), each worker with one thread and no nanny, so that killing
one loses it for good."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackCluster:
    def __init__(self, workers: int = 2, allowed_failures: int = 3):
        """``allowed_failures``: how many workers may die running a task before the scheduler
        gives up on it (Dask's default is 3)."""
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        self.scheduler = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port",
             str(self.port), "--no-dashboard"], **quiet,
            env={**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": str(allowed_failures)})
        self.workers = [subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", self.address, "--nthreads", "1", "--no-nanny",
             "--name", f"worker{i}", "--host", "127.0.0.1", "--no-dashboard", "--death-timeout", "60"], **quiet)
            for i in range(workers)]
        from distributed import Client

        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(self.address, timeout="2s") as client:
                    client.wait_for_workers(workers, timeout=60)
                break
            except OSError:
                if time.monotonic() > deadline or self.scheduler.poll() is not None:
                    self.close()
                    raise

    def client(self):
        from distributed import Client

        return Client(self.address, timeout="10s")

    def kill_busy_worker(self, client) -> int:
        """SIGKILL a worker that is running a task right now; return its pid."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            busy = [addr for addr, keys in client.processing().items() if keys]
            if busy:
                pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                return pid
            time.sleep(0.01)
        raise TimeoutError("no worker was busy")

    def close(self, grace: float = 3.0) -> None:
        """Ask every process to stop, and kill any still running ``grace`` seconds later (a worker
        sometimes sits out a shutdown for its whole connection timeout, and the tests are done
        with it)."""
        for p in [*self.workers, self.scheduler]:
            if p.poll() is None:
                p.terminate()
        deadline = time.monotonic() + grace
        for p in [*self.workers, self.scheduler]:
            try:
                p.wait(timeout=max(deadline - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
