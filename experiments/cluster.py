"""Connect to the Dask cluster a sweep runs on.

With no scheduler address, a local cluster of worker processes (one thread each: a run is pure
Python, so threads would only share one interpreter lock) on the loopback interface (its status pages on a free port), closed with
the client. With an address, the scheduler already running there, whatever started its workers
(``dask worker``, dask-jobqueue on SLURM, Kubernetes): see docs/sweeps.md.
"""

from __future__ import annotations

import logging
import os

from distributed import Client

from experiments.interrupts import ctrl_c_held


def connect(scheduler: str | None = None, workers: int | None = None, timeout: str = "20s"):
    """A ``distributed.Client``: to ``scheduler`` if given, else to a new local cluster of
    ``workers`` processes (default: one per core). Raises ``OSError`` if the scheduler cannot be
    reached."""
    if scheduler:
        return Client(scheduler, timeout=timeout)
    n = workers or os.cpu_count() or 1
    client = None
    try:
        with ctrl_c_held():  # a Ctrl-C while the cluster starts arrives once it has started, to close it
            # the workers leave Ctrl-C to icsim (experiments.interrupts); their logs are quiet, since
            # a run's failure is reported with the run, and closing the cluster makes them complain
            client = Client(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                            dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL,
                            preload=["experiments.interrupts"])
    except KeyboardInterrupt:
        if client is not None:
            client.close()
            client.cluster.close()
        raise
    return client
