"""The ``icsim`` commands, one module each, loaded by ``icsim.cli`` only when that command runs (so
that ``icsim validate`` does not pay for loading Dask, matplotlib and the explorer). Each has
``main(args, out, err) -> exit code``."""
