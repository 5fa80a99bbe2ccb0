"""Atomic writes: a reader sees the old file or the complete new one, never half of one.

Folders a run works in (a staging folder beside ``--out``, a private temporary folder) are
*held* by the process while it works: it keeps a lock (``flock``) on the folder, which the
operating system releases when the process ends, however it ends (even ``kill -9``). Any run
that starts removes the folders of its kind whose lock is free: what a killed run left.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from kit.exceptions import OutputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: folders of killed runs stay
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "atomic_dir",
    "atomic_path",
    "check_apart",
    "check_target",
    "held_tempdir",
    "private_tempdir",
    "remove_abandoned",
    "remove_held",
    "staging_dir",
    "write_bytes",
    "write_text",
]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _hold(folder: Path) -> int | None:
    """Lock ``folder`` for as long as this process lives (or until :func:`_release`).

    Returns the descriptor holding the lock, or ``None`` where locks are unavailable.
    Raises :class:`BlockingIOError` if another process holds it (a cleaner took it first).
    """
    if fcntl is None:  # pragma: no cover - Windows
        return None
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise
    return fd


def _release(fd: int | None) -> None:
    if fd is not None:
        os.close(fd)  # closing the last descriptor releases the lock


def _held_folder(parent: Path, prefix: str, suffix: str) -> tuple[Path, int | None]:
    """Create a new folder in ``parent`` and hold it (see :func:`_hold`)."""
    while True:
        folder = Path(tempfile.mkdtemp(prefix=prefix, suffix=suffix, dir=parent))
        try:
            return folder, _hold(folder)
        except (BlockingIOError, FileNotFoundError):  # a cleaner took it first: make another
            continue
        except OSError:  # no locks on this file system: the folder is not held
            return folder, None


def remove_abandoned(parent: str | os.PathLike[str], prefix: str, suffix: str = "") -> list[Path]:
    """Remove the folders ``parent/<prefix>*<suffix>`` that no running process holds.

    Only folders of this user are touched; a folder some process still holds is left alone.
    Returns the folders removed.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / ".out.abc.partial").mkdir()
    >>> [p.name for p in remove_abandoned(d, ".out.", ".partial")], list(d.iterdir())
    (['.out.abc.partial'], [])
    """
    removed: list[Path] = []
    if fcntl is None:  # pragma: no cover - Windows
        return removed
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    uid = os.getuid()
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(suffix)):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or entry.stat().st_uid != uid:
                continue
            fd = _hold(Path(entry.path))
        except OSError:  # held by a running process, or gone
            continue
        try:
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
        finally:
            _release(fd)
    return removed


#: Folders this process holds, with the descriptor holding each.
_HELD: dict[Path, int | None] = {}


def held_tempdir(prefix: str) -> Path:
    """A new folder ``<prefix>*`` in the system's temp folder, held until :func:`remove_held`
    (or the end of the process); folders of that prefix no process holds are removed first.

    For a folder that lives as long as a process (a worker's kernel sockets); a folder for
    one block of code is :func:`private_tempdir`.
    """
    parent = Path(tempfile.gettempdir())
    remove_abandoned(parent, prefix)
    folder, fd = _held_folder(parent, prefix, "")
    _HELD[folder] = fd
    return folder


def remove_held(folder: Path) -> None:
    """Remove a folder made by :func:`held_tempdir` and let go of it."""
    shutil.rmtree(folder, ignore_errors=True)
    _release(_HELD.pop(folder, None))


@contextlib.contextmanager
def private_tempdir(prefix: str) -> Iterator[Path]:
    """A new folder ``<prefix>*`` in the system's temp folder, removed when the block ends.

    Unlike :class:`tempfile.TemporaryDirectory`, a folder a killed run left behind does not
    stay: the folder is held while the block runs, and entering the block first removes every
    ``<prefix>*`` folder no running process holds.

    >>> with private_tempdir("kit-doctest-") as d:
    ...     d.is_dir()
    True
    >>> d.exists()
    False
    """
    folder = held_tempdir(prefix)
    try:
        yield folder
    finally:
        remove_held(folder)


@contextlib.contextmanager
def staging_dir(parent: str | os.PathLike[str], prefix: str) -> Iterator[Path]:
    """A new folder ``parent/.<prefix>.*.partial``, held while the block runs and removed
    when it ends; the ones a killed run left behind there are removed first.

    For files made one by one and then moved into a folder that already exists (a team
    report added to a report folder): a reader of the folder never sees half of one.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with staging_dir(d, "render") as stage:
    ...     stage.name.startswith(".render.") and stage.parent == d
    True
    >>> list(d.iterdir())
    []
    """
    parent = Path(parent)
    try:
        remove_abandoned(parent, f".{prefix}.", ".partial")
        folder, held = _held_folder(parent, f".{prefix}.", ".partial")
    except OSError as exc:
        raise _explain(exc, parent / prefix) from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        _release(held)


def check_target(target: str | os.PathLike[str], *, replace: bool) -> None:
    """Refuse early what :func:`atomic_dir` would refuse after the work: a ``target`` that is
    a file, or a folder that exists when ``replace`` is false.
    """
    target = Path(target)
    if (target.exists() or target.is_symlink()) and not target.is_dir():
        raise OutputError(
            f"--out {target} is a file, not a folder; choose a folder to write to (a file is "
            "never replaced, even with --force)."
        )
    if target.exists() and not replace:
        raise OutputError(f"{target} already exists; remove it or use --force.")


def check_apart(source: str | os.PathLike[str], out: str | os.PathLike[str]) -> None:
    """Refuse an output folder inside the input folder, or an input inside the output folder.

    Output written into a client's export folder would change the export and be read as
    input by the next run (every table twice); an input inside ``--out`` would be deleted
    when ``--force`` replaces the folder.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> check_apart(d / "export", d / "reports")
    >>> check_apart(d, d / "reports")
    Traceback (most recent call last):
    ...
    kit.exceptions.OutputError: --out ... is inside the input folder ...

    Raises
    ------
    OutputError
        Naming both paths and the fix.
    """
    export, target = Path(source).resolve(), Path(out).resolve()
    if export.is_dir() and target.is_relative_to(export):
        raise OutputError(
            f"--out {out} is inside the input folder {source}: the kit never writes into a "
            "client's export (the next run would read its own output as input). Choose a "
            "folder outside the export."
        )
    if export.is_relative_to(target):
        raise OutputError(
            f"the input {source} is inside --out {out}: replacing that folder would delete "
            "it. Choose another --out folder."
        )


def _explain(exc: OSError, target: Path) -> OutputError:
    if exc.errno == errno.ENOSPC:
        return OutputError(f"the disk is full: could not write {target}. Free space and rerun.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(
            f"cannot write to {target}: permission denied or read-only. "
            "Choose a writable folder with --out."
        )
    return OutputError(f"could not write {target}: {exc.strerror or exc}")


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it into place only on success.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "a.txt") as tmp:
    ...     _ = tmp.write_text("hello")
    >>> (d / "a.txt").read_text()
    'hello'
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise _explain(exc, target) from None
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600: give the usual permissions
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _explain(exc, target) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically and return the path."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` to ``target`` atomically and return the path."""
    return write_bytes(target, text.encode("utf-8"))


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike[str], *, replace: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; rename it to ``target`` on success.

    On any failure the temporary folder is removed and ``target`` is left as it was. With
    ``replace=True`` an existing ``target`` folder is swapped out only after the new one is
    complete; a ``target`` that is a file is refused (:func:`check_target`). Staging folders
    of ``target`` that killed runs left behind (``.<target>.*.partial``) are removed first.
    """
    target = Path(target)
    check_target(target, replace=replace)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_abandoned(target.parent, f".{target.name}.", ".partial")
        tmp, held = _held_folder(target.parent, f".{target.name}.", ".partial")
    except OSError as exc:
        raise _explain(exc, target) from None
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp creates 0700: give the usual permissions
        check_target(target, replace=replace)
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _explain(exc, target) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _release(held)
