"""Absolute folders of the store, resolved once per process."""

from __future__ import annotations

import functools
import os
from pathlib import Path


def absolute(folder: Path) -> Path:
    """``folder`` resolved (symbolic links followed). Planning a grid asks for the same few folders
    thousands of times, and each resolution costs a system call per path component; a relative
    folder is resolved against the working directory of the moment."""
    folder = Path(folder)
    return _resolved(folder, "" if folder.is_absolute() else os.getcwd())


@functools.lru_cache(maxsize=256)
def _resolved(folder: Path, cwd: str) -> Path:
    return (Path(cwd) / folder).resolve() if cwd else folder.resolve()
