"""``python -m kit`` runs the ``adoption-kit`` command line."""

from kit.cli import run

if __name__ == "__main__":
    run()
