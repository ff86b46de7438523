"""Where the store is for the ``xtask`` commands that read it: the same ``paths.*`` a launch
uses (``conf/config.yaml``, ``conf/local/default.yaml``, ``XTASK_OUTPUTS``), so ``xtask cache``
run from any folder checks the entries the cells use."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Dict


@functools.lru_cache(maxsize=1)
def configured() -> Dict[str, Path]:
    """``{"outputs", "cache", "cells"}`` as a launch with no overrides would resolve them (one
    Hydra composition); from ``XTASK_OUTPUTS`` alone if the config cannot be composed."""
    outputs = os.environ.get("XTASK_OUTPUTS") or "outputs"
    fallback = {"outputs": Path(outputs), "cache": Path(outputs) / "cache", "cells": Path(outputs) / "cells"}
    try:
        from xtask.ops.plan import _compose

        cfg = _compose([])
        return {name: Path(str(cfg.paths[name])) for name in fallback}
    except Exception:  # a broken local config: launches report it; here the plain default serves
        return fallback


def outputs() -> Path:
    """The outputs tree the commands read by default (``XTASK_OUTPUTS``, or ``outputs``)."""
    return Path(os.environ.get("XTASK_OUTPUTS") or "outputs")
