"""``python -m kit`` runs the ``adoption-kit`` command line."""

import sys

from kit.cli import main

sys.exit(main())
