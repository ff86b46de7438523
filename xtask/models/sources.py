"""Is the pretrained model a cell starts from there? Checked before anything runs.

* :func:`check_model_source` (an input check, at resolve time): ``model.pretrained`` names a
  folder that does not exist, a folder that holds no model, or something that is neither a
  folder nor a valid Hub id. Refused with :class:`ModelSourceError` (a ``ConfigError``: shown
  as one line, a sweep with such a cell launches nothing), naming the value and the fix.
* :func:`check_model_available` (an environment check, before a cell's job starts): a Hub id
  that is not downloaded while ``HF_HUB_OFFLINE`` is set cannot be loaded here; refused with
  :class:`xtask.failures.ModelUnavailable` (one line: the id, ``HF_HUB_OFFLINE``, how to
  pre-download it). No cell is marked failed for it, and a relaunch once it is downloaded runs.

Both are cheap (a few file-system lookups, remembered per process): ``xtask plan`` resolves
thousands of cells.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any, Optional

from xtask.config import ConfigError
from xtask.failures import ModelUnavailable


class ModelSourceError(ConfigError):
    """``model.pretrained`` cannot be a model: the message names the value and what to do."""


def _looks_like_path(value: str) -> bool:
    return (value.startswith(("/", "./", "../", "~")) or value in (".", "..") or "\\" in value
            or value.count("/") > 1)


def check_model_source(pretrained: Optional[str], revision: Optional[str] = None, build: Any = None) -> None:
    """Refuse a ``model.pretrained`` that cannot be a model (see the module's docstring)."""
    if build is not None or not pretrained:
        return  # a model xtask builds itself (tiny, e5_small_q4)
    _check_source(str(pretrained))


@functools.lru_cache(maxsize=256)
def _check_source(pretrained: str) -> None:
    folder = Path(pretrained).expanduser()
    if folder.is_dir():
        if not (folder / "config.json").is_file():
            raise ModelSourceError(f"model.pretrained={pretrained}: the folder holds no model (no config.json); "
                                   "give a folder written by save_pretrained (config.json, weights, tokenizer) "
                                   "or a Hub id such as FacebookAI/xlm-roberta-base")
        return
    if folder.exists():
        raise ModelSourceError(f"model.pretrained={pretrained}: is a file, not a model folder; give the folder that "
                               "holds config.json and the weights, or a Hub id")
    if _looks_like_path(pretrained):
        raise ModelSourceError(f"model.pretrained={pretrained}: no such folder; give an existing model folder "
                               "(config.json, weights, tokenizer) or a Hub id such as FacebookAI/xlm-roberta-base")
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(pretrained)
    except HFValidationError:
        raise ModelSourceError(f"model.pretrained={pretrained}: neither an existing folder nor a valid Hub id "
                               "('name' or 'namespace/name', e.g. FacebookAI/xlm-roberta-base)") from None


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def check_model_available(pretrained: Optional[str], revision: Optional[str] = None, build: Any = None) -> None:
    """Refuse a Hub model that is not downloaded when ``HF_HUB_OFFLINE`` is set (online, a
    missing model is downloaded by the job; an unreachable Hub fails the cell as an environment
    failure, which a plain relaunch retries)."""
    if build is not None or not pretrained or Path(str(pretrained)).expanduser().exists() or not offline():
        return
    _check_cached(str(pretrained), str(revision) if revision else None)


@functools.lru_cache(maxsize=256)
def _check_cached(repo: str, revision: Optional[str]) -> None:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo, "config.json", revision=revision)
    if isinstance(found, str):
        return
    at = f" --revision {revision}" if revision else ""
    raise ModelUnavailable(f"model {repo}{f' (revision {revision})' if revision else ''} is not downloaded and "
                           f"HF_HUB_OFFLINE=1 forbids fetching it: download it first where there is network "
                           f"(`hf download {repo}{at}`, into the same HF_HOME), or unset HF_HUB_OFFLINE")
