"""Atomic file output: write to a temporary file in the target folder, then rename over the target."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` atomically.

    On any exception the temporary file is removed and ``target`` is left as it was, so a failed
    run never leaves a half-written file. The temporary name starts with ``.~kimrecon-<pid>-`` so
    that the next run can remove what a killed process left (``pipeline._clean_stale``).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".~kimrecon-{os.getpid()}-", suffix=suffix or target.suffix, dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual permissions
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(target: Path, produce: Callable[[Path], object]) -> Path:
    """Call ``produce(tmp_path)`` and move the result to ``target`` atomically."""
    with atomic_path(target) as tmp:
        produce(tmp)
    return Path(target)


def write_text_atomic(target: Path, text: str) -> Path:
    """Write UTF-8 text to ``target`` atomically."""
    return write_atomic(target, lambda p: p.write_text(text, encoding="utf-8"))
