"""``icsim explore [CONFIG]``: start the interactive explorer (``viz/app.py``) on a Solara server."""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import sys
from pathlib import Path

from rich.console import Console

import viz
from icsim.commands.common import EXIT_BAD_INPUT, load
from viz.cache import CACHE_ENV, BaselineCache


def _loopback(host: str) -> bool:
    """Is ``host`` this machine only (127.0.0.0/8, ::1, localhost)?"""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(args, out: Console, err: Console) -> int:
    """Start the interactive explorer (``viz/app.py``) on a Solara server, in place of this process
    (or, with ``--clear-cache``, delete the baselines it keeps on disk)."""
    cache = BaselineCache(args.cache)
    if args.clear_cache:
        n = cache.clear()
        out.print(f"icsim explorer: {n} cached baseline file{'s' if n != 1 else ''} deleted from {cache.folder}",
                  highlight=False)
        return 0
    if not 1 <= args.port <= 65535:
        err.print("error: --port: must be between 1 and 65535")
        return EXIT_BAD_INPUT
    cfg = load(args.config, err)
    if cfg is None:
        return EXIT_BAD_INPUT
    try:
        socket.getaddrinfo(args.host, args.port)
    except socket.gaierror as exc:
        err.print(f"error: --host: {args.host} is not a known host name or address ({exc.strerror})")
        return EXIT_BAD_INPUT
    try:
        with socket.create_server((args.host, args.port)):
            pass
    except OSError as exc:
        field = "--host" if exc.errno == errno.EADDRNOTAVAIL else "--port"
        err.print(f"error: {field}: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        return EXIT_BAD_INPUT
    if not _loopback(args.host):
        err.print(f"warning: --host {args.host}: the explorer has no authentication; anyone who can reach this "
                  f"machine on port {args.port} can use it and run simulations on it. Use it only on a network "
                  "you trust (the default, 127.0.0.1, serves this machine only).", highlight=False)
    app = Path(viz.__file__).resolve().parent / "app.py"
    env = {**os.environ, "ICSIM_EXPLORE_CONFIG": str(Path(args.config).resolve()), CACHE_ENV: str(cache.folder),
           "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}
    out.print(f"icsim explorer: {cfg.name} on http://{args.host}:{args.port}/ (Ctrl+C stops it)", highlight=False)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "solara", "run", str(app), "--host", args.host,
                               "--port", str(args.port), "--production", "--no-open", "--no-check-version"], env)
    return 0  # not reached: the server replaces this process
