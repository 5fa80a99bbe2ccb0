"""Every error the kit raises on purpose derives from :class:`KitError`.

The command line turns a ``KitError`` into a short message and an exit code, never a
traceback. Errors carry the context a user needs to fix their input (file, column, example
rows, the fix), so the message is complete on its own.
"""

from __future__ import annotations

__all__ = [
    "AssessmentError",
    "InputError",
    "KitError",
    "MappingError",
    "OutputError",
    "ParameterError",
    "SchemaError",
    "StandardsError",
]


class KitError(Exception):
    """Base class of every error the kit raises on purpose.

    ``exit_code`` is what the command line exits with.
    """

    exit_code: int = 1

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        self.message = message
        self.problems: list[str] = list(problems or [])
        super().__init__(self.__str__())

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class SchemaError(KitError):
    """A table does not match the canonical data model."""

    exit_code = 2


class InputError(KitError):
    """An export cannot be read into the canonical model (blocking intake problems)."""

    exit_code = 2


class MappingError(KitError):
    """A mapping file is malformed or refers to things that do not exist."""

    exit_code = 2


class StandardsError(KitError):
    """An operating-standards file is malformed."""

    exit_code = 2


class ParameterError(KitError):
    """A run parameter (date, team, worker count, ...) is invalid."""

    exit_code = 2


class OutputError(KitError):
    """The output folder cannot be written (exists, read-only, disk full)."""

    exit_code = 3


class AssessmentError(KitError):
    """One or more team reports failed; the others were written."""

    exit_code = 4
