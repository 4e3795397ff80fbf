"""``python -m optad ...`` is the ``optad`` command (see optad/cli.py)."""
import sys

from .cli import main

sys.exit(main())
