"""Why a cell failed, in two kinds, and what a plain relaunch does with each.

* **input**: the cell's own inputs are wrong (a bad value, a malformed data file, a bug the
  inputs trigger). Running it again gives the same failure, so a relaunch skips it (saying so,
  and exiting non-zero) until its inputs change — which changes its key, hence its folder — or
  ``retry_failed=true`` asks for it.
* **environment**: the cell was fine, the place it ran was not (a full disk or quota, an I/O
  error, no network for a model or dataset that is not downloaded yet, a killed node). A plain
  relaunch retries it, resuming from its last complete checkpoint.

The kind is recorded in ``status.json`` (``failure``); records written before it existed are
classified from their error text (:func:`kind_of_record`).
"""

from __future__ import annotations

import errno
from typing import Optional

INPUT = "input"
ENVIRONMENT = "environment"

# Words of the errors libraries raise for an environment problem, when only the text is left
# (torch reports a full disk as "iostream error"; transformers an unreachable Hub as
# "We couldn't connect to 'https://huggingface.co'").
_ENVIRONMENT_TEXT = ("is full", "No space left", "Disk quota exceeded", "couldn't connect", "could not connect",
                     "Connection refused", "Connection reset", "Network is unreachable", "Temporary failure in name "
                     "resolution", "Read timed out", "HF_HUB_OFFLINE", "offline mode is enabled", "Input/output error",
                     "Couldn't reach", "couldn't reach", "ConnectionError", "LocalEntryNotFoundError",
                     "OfflineModeIsEnabled")
_ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.ENETUNREACH, errno.ECONNREFUSED, errno.ECONNRESET,
                       errno.ETIMEDOUT, errno.EHOSTUNREACH, errno.ESTALE}


class EnvironmentFailure(RuntimeError):
    """A failure of the place a cell runs, not of the cell: retried by a plain relaunch. The
    message is one line: what could not be done, and what to do."""


class ModelUnavailable(EnvironmentFailure):
    """A model or dataset that cannot be fetched here (offline, Hub unreachable) and is not downloaded."""


def kind_of(err: BaseException, note: str = "") -> str:
    """``environment`` or ``input`` for an exception a cell raised (``note``: the store's disk
    note, non-empty when the disk is full)."""
    if note:
        return ENVIRONMENT
    seen = set()
    current: Optional[BaseException] = err
    while current is not None and id(current) not in seen:  # the error and what caused it
        seen.add(id(current))
        if isinstance(current, (EnvironmentFailure, ConnectionError, TimeoutError)):
            return ENVIRONMENT
        if isinstance(current, OSError) and current.errno in _ENVIRONMENT_ERRNOS:
            return ENVIRONMENT
        if _environment_text(f"{type(current).__name__}: {current}"):
            return ENVIRONMENT
        current = current.__cause__ or current.__context__
    return INPUT


def _environment_text(text: str) -> bool:
    return any(words in text for words in _ENVIRONMENT_TEXT) or _is_connection_error_name(text)


def _is_connection_error_name(text: str) -> bool:
    name = text.split(":", 1)[0]
    return name in ("ConnectionError", "ConnectTimeout", "ReadTimeout", "LocalEntryNotFoundError",
                    "OfflineModeIsEnabled", "ProtocolError", "MaxRetryError")


def kind_of_record(failure: Optional[str], error: Optional[str]) -> str:
    """The kind of a recorded failure: the recorded one, or (records of older xtask) the kind
    its error text says."""
    if failure in (INPUT, ENVIRONMENT):
        return failure
    return ENVIRONMENT if error and _environment_text(error) else INPUT


def retried_by_relaunch(failure: Optional[str], error: Optional[str]) -> bool:
    return kind_of_record(failure, error) == ENVIRONMENT


def where_stopped(folder: "Optional[object]") -> str:
    """One line for an interrupted cell: which cell, where it stopped, and what a rerun does."""
    from pathlib import Path

    if folder is None:
        return "stopped before any cell started: nothing was written"
    folder = Path(str(folder))
    steps = []
    for checkpoint in folder.glob("*/trainer/checkpoint-*"):
        step = checkpoint.name.rsplit("-", 1)[-1]
        if step.isdigit() and (checkpoint / "trainer_state.json").is_file():
            steps.append((int(step), checkpoint.parent.parent.name))
    if steps:
        step, phase = max(steps)
        return (f"cell {folder.name} stopped in its {phase} phase; its last complete checkpoint is step {step}: "
                "rerun the same command to resume from it")
    return (f"cell {folder.name} stopped before its first checkpoint: rerun the same command to run it "
            "(train.target.save_steps=N checkpoints every N steps)")


def environment_line(cell: str, error: str, model: Optional[str] = None) -> str:
    """One line for a cell stopped by its environment: what happened, and that a plain relaunch
    retries it; for a model that could not be fetched, how to run without network."""
    import re

    first = next((line.strip() for line in (error or "").splitlines() if line.strip()), "unknown error")
    full = re.search(r"the disk holding (.+?) is full: (\d+) bytes free", error or "")
    if full or "No space left" in (error or ""):
        where = f"the disk holding {full.group(1)} is full ({full.group(2)} bytes free)" if full else "the disk is full"
        first = f"{where}: make room there, or point paths.outputs (XTASK_OUTPUTS) at a roomier disk"
    hint = ""
    network = any(words in (error or "") for words in ("connect", "reach", "resolution", "timed out", "HF_HUB_OFFLINE"))
    if network and model:
        hint = (f"; to run without network, download {model} first where there is one (`hf download {model}`, into "
                "the same HF_HOME) and set HF_HUB_OFFLINE=1")
    return (f"cell {cell} failed because of where it ran, not because of its inputs: {first}{hint}; "
            "a plain relaunch retries it from its last complete checkpoint (status.json keeps the traceback)")
