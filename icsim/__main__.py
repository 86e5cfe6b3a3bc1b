"""``python -m icsim`` is the ``icsim`` command."""

import sys

from icsim.entry import run

sys.exit(run())
