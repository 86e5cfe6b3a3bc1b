"""``python -m icsim`` is the ``icsim`` command."""

import sys

from icsim.cli import main

sys.exit(main())
