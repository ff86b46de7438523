"""Tokenise once: model features cached by content, shared by every cell and job.

An entry ``paths.cache/features/<task>-<purpose>-<key>/`` holds one encoded dataset
(``Dataset.save_to_disk``) and a ``COMPLETE.json`` marker. The key hashes everything the
features depend on: the tokenizer's content (its serialised vocabulary and rules, not its
path: every phase-1 encoder saved from one model shares its tokenizer), the canonical rows'
content (so the split, language and any cap are in it), the task and its label set, the
format, its :attr:`~xtask.pipeline.formats.base.TaskFormat.features_version` and the source of
its module (an edit to the encoding code never reuses older features), the
encoding settings (max_length, QA stride and question length, ...), and the tokenizers /
transformers / datasets versions. The same data with the same tokenizer is encoded once,
e.g. a target's English training set for all intermediate tasks of a grid.

Concurrency as :mod:`xtask.store.encoders`: a builder holds the entry's file lock (an OS lock,
released if it dies), writes into ``<entry>.partial-<pid>`` and renames it into place with the
marker inside, so a reader, locked or not, sees a complete entry or none.
``train.feature_cache=false`` encodes in memory every time (same features).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import json
import logging
import os
import shutil
import time
import weakref
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, Tuple

import datasets

from xtask.atomic import write_json_atomic

log = logging.getLogger(__name__)

# Bump when the layout of an entry, or what the key covers, changes.
CACHE_VERSION = 1
MARKER = "COMPLETE.json"
SUBDIR = "features"

_tokenizer_ids: Dict[int, Tuple[Any, str]] = {}  # id(tokenizer) -> (weak reference, fingerprint)


def cache_dir(run: Any) -> Optional[Path]:
    """``paths.cache/features`` when ``train.feature_cache`` is on, else None (no caching).
    ``run``: a cell's :class:`xtask.plan.cellplan.RunSettings`."""
    if not run.feature_cache:
        return None
    return Path(run.cache).resolve() / SUBDIR


def _sha(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def _without_call_state(backend: Any) -> bytes:
    """The serialised fast tokenizer without its truncation/padding state: the last encoding
    call left that there (every call sets its own), it is not a property of the tokenizer.
    Switched off for the serialisation and restored (parsing the JSON instead takes ~0.6 s for
    XLM-R's 250k vocabulary)."""
    truncation, padding = backend.truncation, backend.padding
    try:
        backend.no_truncation()
        backend.no_padding()
        return backend.to_str().encode()
    finally:
        if truncation:
            backend.enable_truncation(**truncation)
        if padding:
            backend.enable_padding(**padding)


def tokenizer_fingerprint(tokenizer: Any) -> str:
    """A hash of what decides how ``tokenizer`` encodes: its serialised fast tokenizer (vocabulary,
    normaliser, pre-tokeniser, post-processor), special tokens and sides; remembered per object."""
    memo = _tokenizer_ids.get(id(tokenizer))
    if memo is not None and memo[0]() is tokenizer:
        return memo[1]
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        content = _without_call_state(backend)
    else:  # a slow tokenizer: its vocabulary
        content = json.dumps(sorted(tokenizer.get_vocab().items())).encode()
    settings = {
        "class": type(tokenizer).__name__,
        "special": {k: str(v) for k, v in sorted(tokenizer.special_tokens_map.items())},
        "padding_side": tokenizer.padding_side,
        "truncation_side": getattr(tokenizer, "truncation_side", None),
        "add_prefix_space": getattr(tokenizer, "add_prefix_space", None),
    }
    fingerprint = _sha(content, json.dumps(settings, sort_keys=True).encode())
    try:
        _tokenizer_ids[id(tokenizer)] = (weakref.ref(tokenizer), fingerprint)
    except TypeError:  # not weak-referenceable: no memo
        pass
    return fingerprint


def rows_fingerprint(rows: datasets.Dataset) -> str:
    """A hash of the rows' content and schema (Arrow IPC of the rows in their order; an
    indices mapping from select/shuffle is applied first)."""
    import pyarrow as pa

    table = rows.with_format("arrow")[:] if len(rows) else rows.data.table.slice(0, 0)
    if isinstance(table, pa.Table):
        table = table.combine_chunks()
    digest = hashlib.sha256(str(rows.features).encode())
    digest.update(str(len(rows)).encode())
    for batch in table.to_batches():
        digest.update(batch.serialize())
    return digest.hexdigest()


def _versions() -> Dict[str, str]:
    import tokenizers
    import transformers

    return {"tokenizers": tokenizers.__version__, "transformers": transformers.__version__,
            "datasets": datasets.__version__}


@functools.lru_cache(maxsize=None)
def _source_hash(module: str) -> str:
    """The source of the module that defines a format: an edit to it (a forgotten
    ``features_version`` bump) never reuses features encoded by the old code."""
    import importlib

    path = getattr(importlib.import_module(module), "__file__", None)
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16] if path else ""


def feature_key(rows: datasets.Dataset, tokenizer: Any, task: Any, fmt: Any, purpose: str,
                params: Mapping[str, Any]) -> str:
    payload = {
        "cache": CACHE_VERSION, "format": type(fmt).__name__, "format_version": int(fmt.features_version),
        "source": _source_hash(type(fmt).__module__),
        "purpose": purpose, "task": task.name, "labels": list(task.labels or []), "params": dict(params),
        "tokenizer": tokenizer_fingerprint(tokenizer), "rows": rows_fingerprint(rows), "versions": _versions(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _load(entry: Path) -> Optional[datasets.Dataset]:
    if not (entry / MARKER).is_file():
        return None
    try:
        return datasets.load_from_disk(str(entry))
    except Exception as err:  # damaged in place: rebuilt by the caller
        log.warning("feature cache entry %s is unreadable (%s): rebuilding it", entry, err)
        return None


def _save_quietly(dataset: datasets.Dataset, folder: Path) -> None:
    shown = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        dataset.save_to_disk(str(folder))
    finally:
        if shown:
            datasets.enable_progress_bars()


# What the features being built are for, in the log's words ("training set", "dev de
# evaluation"): the cache's ``purpose`` only says how they are encoded (with labels or with the
# bookkeeping of prediction), and dev and evaluation sets are encoded like training ones.
_ROLE: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("feature_role", default=None)
_PURPOSE_WORDS = {"train": "encoded for training", "predict": "encoded for prediction"}


@contextlib.contextmanager
def role(words: str) -> Iterator[None]:
    """Features built inside are logged as being for ``words``."""
    token = _ROLE.set(words)
    try:
        yield
    finally:
        _ROLE.reset(token)


def encode(root: Optional[Path], rows: datasets.Dataset, tokenizer: Any, *, task: Any, fmt: Any, purpose: str,
           params: Mapping[str, Any], build: Callable[[], datasets.Dataset]) -> datasets.Dataset:
    """``build()``'s features, from the cache under ``root`` when an entry has them (``root``
    None: just ``build()``). ``purpose`` and ``params`` tell apart the encodings of one format
    (training features vs prediction features with bookkeeping; window settings)."""
    if root is None:
        return build()
    from filelock import FileLock

    entry = Path(root) / f"{task.name}-{purpose}-{feature_key(rows, tokenizer, task, fmt, purpose, params)}"
    found = _load(entry)
    if found is not None:
        return found
    entry.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(entry) + ".lock", thread_local=False):
        found = _load(entry)  # built by another job while this one waited
        if found is not None:
            return found
        started = time.time()
        features = build()
        staging = entry.with_name(f"{entry.name}.partial-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        _save_quietly(features, staging)
        write_json_atomic(staging / MARKER, {"rows": len(rows), "features": len(features), "seconds": time.time() - started,
                                             "task": task.name, "purpose": purpose, "params": dict(params)})
        shutil.rmtree(entry, ignore_errors=True)  # an unreadable entry found above
        staging.rename(entry)
        log.info("features of %s (%s, %d rows) cached in %s", task.name, _ROLE.get() or _PURPOSE_WORDS.get(purpose, purpose),
                 len(rows), entry)
    return datasets.load_from_disk(str(entry))
