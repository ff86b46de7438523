"""What identifies the data of one (task, split) for cell and encoder keys.

* data=mini: the bundled files' content (a hash of the task's files), so regenerated mini data
  re-keys exactly the tasks it changed;
* data=xtreme_dir (and CCGbank): the content of each file read;
* data=files: the content of the files the mapping names, with their formats and options;
* data=hub: the dataset id, config, split and revision (a local mirror of the same repos is the
  same data, so ``hub_mirror`` is not part of it).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any, Dict, Tuple

from xtask.config import DataSource
from xtask.data.digest import content_digest


def location(ctx: Any, task_name: str, split: str, languages: Tuple[str, ...]) -> Any:
    from xtask.data.sources import owner
    from xtask.tasks import get_task

    task = get_task(task_name)
    if split == "train":
        task = owner(task, ctx, split, "en")
    split = task.split_aliases.get(split, split)
    if task.parts:
        return {part: location(ctx, part, split, languages) for part in task.parts}
    languages = tuple(lang for lang in languages if lang not in task.lacks_split.get(split, ()))
    if task.local_root is not None or ctx.source in (DataSource.mini, DataSource.xtreme_dir):
        from xtask.data.sources import remembered

        key = ("location", ctx.source, ctx.root, ctx.ccgbank, task.name, split, tuple(languages))
        found = remembered(key, lambda: _local(ctx, task, split, languages))
        return {kind: dict(value) if isinstance(value, dict) else value for kind, value in found.items()}
    if ctx.source == DataSource.files:
        return {lang: ctx.files.identity(task.name, split, lang) for lang in languages}
    hub = ctx.hub_location(task)
    return {"hub": hub.path, "config": hub.config, "split": hub.splits.get(split), "revision": hub.revision,
            "data_dir": getattr(hub, "data_dir", None)}


def _local(ctx: Any, task: Any, split: str, languages: Tuple[str, ...]) -> Any:
    from xtask.data.sources import MissingDataError

    paths: Dict[str, str] = {}
    for lang in languages:
        try:
            path, options, parser = ctx.local_file(task, split, lang)
        except MissingDataError:
            paths[lang] = "missing"
            continue
        paths[lang] = str(path)
    from xtask.data.sources import BUNDLED_MINI_ROOT

    if all(str(p).startswith(str(BUNDLED_MINI_ROOT)) or p == "missing" for p in paths.values()):
        return {"mini": _content(tuple(sorted(paths.values())))}  # the bundled copy: by content
    # Any other local copy: by each file's content, so an edited file re-keys what reads it and a
    # copy elsewhere is the same data.
    return {"files": {lang: path if path == "missing" else content_digest(Path(path)) for lang, path in paths.items()}}


@functools.lru_cache(maxsize=None)
def _content(paths: Tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for text in paths:
        path = Path(text)
        digest.update(path.name.encode())
        if path.is_file():
            digest.update(path.read_bytes())
        elif path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                digest.update(child.read_bytes())
    return digest.hexdigest()[:16]
