"""icsim's application layer: the ``icsim`` command line and the writing of a run's results.

It sits above the simulation (``sim``), the organisations (``agents``), the experiments and
sweeps (``experiments``) and the explorer (``viz``), and nothing below imports it.
"""
