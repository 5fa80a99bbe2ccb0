"""``python -m kit`` runs the ``adoption-kit`` command line."""

import sys

from kit.cli import main

if __name__ == "__main__":
    sys.exit(main())
