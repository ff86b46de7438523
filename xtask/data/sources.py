"""Where task data comes from: the bundled mini copy, XTREME's download folder, the Hub, or files
a mapping names (``data=files``). One function, :func:`read`, serves every task on every source:
the task's spec says which file (or Hub dataset) holds a split and which parser reads it, the
:class:`DataContext` says which source is in use. Readers never branch on the source themselves.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Mapping, Optional, Tuple

from xtask.config import DataSource
from xtask.data import canonical, parsers
from xtask.data.canonical import Bitext
from xtask.data.errors import MissingDataError
from xtask.data.languages import ISO3
from xtask.data.readers import MalformedDataError

if TYPE_CHECKING:
    import datasets

log = logging.getLogger(__name__)

BUNDLED_MINI_ROOT = Path(__file__).resolve().parents[1] / "resources" / "mini"
# Languages the bundled mini data covers (six scripts: Latin, Cyrillic, Arabic, Devanagari, CJK, Thai).
MINI_LANGUAGES = ("en", "de", "es", "fr", "ru", "ar", "hi", "zh", "th")

HOW_TO_GET = {
    DataSource.mini: (
        "data=mini reads the copy bundled in xtask/resources/mini (regenerate it with "
        "`python tests/mini/generate.py`), or point data.root at another copy."
    ),
    DataSource.xtreme_dir: (
        "data=xtreme_dir reads the folder written by XTREME's `bash scripts/download_data.sh` "
        "(github.com/google-research/xtreme); set data.root=/path/to/xtreme/download."
    ),
    DataSource.hub: (
        "data=hub downloads from the Hugging Face Hub: check the network and HF_HUB_OFFLINE, the "
        "dataset id (the task's spec, or data.hub.TASK.path), or point data.hub_mirror at a local copy "
        "of the Hub's dataset repos."
    ),
    DataSource.files: (
        "data=files reads the files its mapping (data.files) names: add this task/split/language "
        "to the mapping (see sweeps/files/example.yaml)."
    ),
}




class SplitUnavailable(MissingDataError):
    """The benchmark itself has no such split for this language (UDPOS has no dev set for kk,
    th, tl, yo): not an error of the data folder, the language is reported and skipped."""


# What remembered() computed, by key (files found or not, data contexts, data locations), while
# remembering_files() is on; None otherwise.
_FOUND: Optional[Dict[Tuple[Any, ...], Any]] = None


@contextlib.contextmanager
def remembering_files() -> Iterator[None]:
    """Within, :meth:`DataContext.local_file` looks for each file once: for planning thousands of
    cells that ask for the same few files (xtask plan), while the files do not change."""
    global _FOUND
    outer = _FOUND
    _FOUND = {} if outer is None else outer
    try:
        yield
    finally:
        _FOUND = outer


def remembered(key: Tuple[Any, ...], compute: Any, missing: bool = False) -> Any:
    """``compute()``, once per ``key`` while :func:`remembering_files` is on (every time otherwise).
    ``missing``: a MissingDataError is remembered too, and raised again (only for keys made of
    values: a key holding an object's id is safe only while the remembered result keeps it alive)."""
    if _FOUND is None:
        return compute()
    if key not in _FOUND:
        try:
            _FOUND[key] = compute()
        except MissingDataError as err:
            if not missing:
                raise
            _FOUND[key] = err
    found = _FOUND[key]
    if isinstance(found, MissingDataError):
        raise found.with_traceback(None)
    return found


def remembered_for(obj: Any, what: Tuple[Any, ...], compute: Any) -> Any:
    """``compute()``, once per (``what``, read-only ``obj``) while :func:`remembering_files` is on.
    Keyed by the object's id, so the object is kept with its result (a freed object's id can
    be reused by another)."""
    return remembered((*what, id(obj)), lambda: (obj, compute()))[1]


@dataclass(frozen=True)
class DataContext:
    source: DataSource
    root: Optional[Path]
    # Per-task overrides of the Hub location in the task's spec (data.hub.TASK).
    hub: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # A local folder holding copies of Hub dataset repos as owner/name/ (an offline mirror).
    hub_mirror: Optional[Path] = None
    cache_dir: Optional[str] = None
    ccgbank: Optional[str] = None
    files: Optional[Any] = None  # xtask.data.files.FileMap under data=files

    @classmethod
    def from_config(cls, data_cfg: Any) -> "DataContext":
        from xtask.config import PlainConfig

        if isinstance(data_cfg, PlainConfig):  # read-only: the same object gives the same context
            return remembered_for(data_cfg, ("context",), lambda: cls._from_config(data_cfg))
        return cls._from_config(data_cfg)

    @classmethod
    def _from_config(cls, data_cfg: Any) -> "DataContext":
        source = DataSource(str(getattr(data_cfg.source, "value", data_cfg.source)))
        root = data_cfg.root
        if root is None and source == DataSource.mini:
            root = BUNDLED_MINI_ROOT
        if root is None and source == DataSource.xtreme_dir:
            raise MissingDataError("data=xtreme_dir needs data.root. " + HOW_TO_GET[DataSource.xtreme_dir])
        files = None
        if source == DataSource.files:
            from xtask.data.files import FileMap

            if not data_cfg.get("files"):
                raise MissingDataError("data=files needs data.files, the mapping file. " + HOW_TO_GET[DataSource.files])
            files = FileMap.load(Path(os.path.expanduser(str(data_cfg.files))))
        mirror = data_cfg.get("hub_mirror")
        return cls(
            source=source,
            root=Path(os.path.expanduser(str(root))).resolve() if root is not None else None,
            hub={k: dict(v) for k, v in (data_cfg.hub or {}).items()},
            hub_mirror=Path(os.path.expanduser(str(mirror))).resolve() if mirror else None,
            cache_dir=data_cfg.cache_dir,
            ccgbank=data_cfg.ccgbank,
            files=files,
        )

    # ------------------------------------------------------------------ where a split lives

    def local_file(self, task: Any, split: str, lang: str) -> Tuple[Path, parsers.Options, str]:
        """(path, options, parser name) of a split under ``root`` in the source's layout."""
        return remembered((self.source, self.root, self.ccgbank, task.name, split, lang),
                          lambda: self._local_file(task, split, lang), missing=True)

    def _local_file(self, task: Any, split: str, lang: str) -> Tuple[Path, parsers.Options, str]:
        root = task.local_root(self) if task.local_root is not None else self.root
        assert root is not None
        layout = (task.xtreme_dir if self.source == DataSource.xtreme_dir and task.xtreme_dir is not None
                  else task.local)
        if split not in layout:
            raise MissingDataError(f"{task.name} has no {split} file in the {self.source.value} layout. "
                                   + HOW_TO_GET[self.source])
        entries = layout[split] if isinstance(layout[split], tuple) else (layout[split],)
        tried = []
        for entry in entries:
            path = Path(root) / entry.path.format(lang=lang, split=split, iso3=ISO3.get(lang, lang))
            if parsers.exists(path):
                return path, entry.options, entry.parser
            tried.append(str(path))
        raise MissingDataError(f"{task.name} {split} {lang}: file not found: {' or '.join(tried)}\n{HOW_TO_GET[self.source]}")

    def hub_location(self, task: Any) -> Any:
        """The task's Hub location, with ``data.hub.TASK`` overrides applied."""
        import dataclasses

        base = task.hub
        override = dict(self.hub.get(task.name) or {})
        if base is None and not override.get("path"):
            raise MissingDataError(f"{task.name} has no Hub dataset; use another data source, or set data.hub.{task.name}.path")
        if base is None:
            from xtask.tasks.spec import Hub

            base = Hub(path=override["path"])
        changes = {k: v for k, v in {"path": override.get("path"), "config": override.get("name"),
                                      "splits": override.get("splits") or None,
                                      "revision": override.get("revision"),
                                      "data_dir": override.get("data_dir")}.items() if v}
        return dataclasses.replace(base, **changes) if changes else base

    def load_hub(self, path: str, config: Optional[str], split: str, revision: Optional[str], task: str,
                 data_dir: Optional[str] = None) -> datasets.Dataset:
        """One split of a Hub dataset (or of its copy under ``hub_mirror``); any failure of the
        loader becomes a :class:`MissingDataError` that says what and how to get it."""
        where = path
        if self.hub_mirror is not None:
            where = str(self.hub_mirror / path)
            if not Path(where).is_dir():
                raise MissingDataError(f"cannot load {path} for task {task!r}: the Hub mirror {self.hub_mirror} "
                                       f"has no folder {path}\n{HOW_TO_GET[DataSource.hub]}")
        import datasets

        try:
            # keep_in_memory: the readers' filters and the formats' tokenization then stay in this
            # process's memory instead of writing cache-*.arrow files into the shared HF cache,
            # where a hundred jobs starting together would race on them. The download and
            # preparation itself is shared, under datasets' own lock.
            return datasets.load_dataset(where, config, split=split, data_dir=data_dir, cache_dir=self.cache_dir,
                                         revision=None if self.hub_mirror is not None else revision,  # a copy of that revision
                                         keep_in_memory=True)
        except Exception as err:  # datasets raises many kinds (scripts, network, missing config/split)
            reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            hint = HOW_TO_GET[DataSource.hub]
            if any(words in f"{type(err).__name__}: {err}" for words in ("Couldn't reach", "OfflineModeIsEnabled",
                                                                        "ConnectionError")):
                hint = (f"{path} is not downloaded here and the Hub cannot be reached (no network, or HF_HUB_OFFLINE=1): "
                        "run once where there is network with the same HF_HOME (the download is cached there and "
                        "shared by every job), or point data.hub_mirror at a local copy; a plain relaunch retries the "
                        "cell (an environment failure)")
            if "scripts are no longer supported" in str(err):
                hint = ("this Hub repo holds a loading script, which datasets >= 4 does not run: point "
                        f"data.hub.{task}.path at a script-free (parquet) copy, or data.hub.{task}.revision at "
                        "refs/convert/parquet")
            raise MissingDataError(f"cannot load {path} (config {config!r}, split {split!r}) for task {task!r}: "
                                   f"{type(err).__name__}: {reason}\n{hint}") from err


# ISO 639-3 codes of LASER's Tatoeba file names and google/xtreme's tatoeba configs.


def _features(kind: str) -> datasets.Features:
    return {"classification": canonical.CLASSIFICATION, "tagging": canonical.TAGGING, "qa": canonical.QA,
            "multiple_choice": canonical.MULTIPLE_CHOICE}[kind]


def _dataset(task: Any, parsed: Any, where: str) -> Any:
    if isinstance(parsed, Bitext):
        return parsed
    rows, _ = parsed
    return canonical.build(rows, _features(task.kind.value), where)


def owner(task: Any, ctx: DataContext, split: str, lang: str) -> Any:
    """The task whose data serves ``task``'s split: its ``train_task`` for an English training
    set it borrows (xnli -> mnli), unless a ``data=files`` mapping names its own file."""
    from xtask.tasks import get_task

    if split == "train" and task.train_task and not (ctx.files is not None and ctx.files.has(task.name, split, lang)):
        return get_task(task.train_task)
    return task


_READ_CACHE: "OrderedDict[Tuple[Any, ...], Any]" = OrderedDict()
READ_CACHE_SIZE = 16


def read_split(task: Any, ctx: DataContext, split: str, lang: str = "en") -> Any:
    """``split`` of ``task`` in ``lang``: canonical rows (a ``datasets.Dataset``) or a Bitext.
    The last few reads are kept in this process: a split several parts of a cell need (the
    English dev set that selects checkpoints and is evaluated; MNLI inside ANLI+ and on its own)
    is read once."""
    key = (task.name, task.labels, split, lang, ctx.source, str(ctx.root), repr(sorted(ctx.hub.items())),
           str(ctx.hub_mirror), str(ctx.files.source) if ctx.files is not None else None, ctx.ccgbank,
           _stamp(task, ctx, split, lang))
    if key in _READ_CACHE:
        _READ_CACHE.move_to_end(key)
        return _READ_CACHE[key]
    data = _read(task, ctx, split, lang)
    _READ_CACHE[key] = data
    while len(_READ_CACHE) > READ_CACHE_SIZE:
        _READ_CACHE.popitem(last=False)
    return data


def _stamp(task: Any, ctx: DataContext, split: str, lang: str) -> Any:
    """The local file's size and modification time (a file rewritten in place is read anew)."""
    try:
        if ctx.source == DataSource.files and task.local_root is None:
            path = ctx.files.locate(task, task.split_aliases.get(split, split), lang)[0]
        elif ctx.source == DataSource.hub and task.local_root is None:
            return None
        else:
            path = ctx.local_file(task, task.split_aliases.get(split, split), lang)[0]
        stat = Path(str(path).split("!", 1)[0]).stat()
        return stat.st_size, stat.st_mtime_ns
    except (MissingDataError, MalformedDataError, OSError, KeyError):
        return None


def _read(task: Any, ctx: DataContext, split: str, lang: str) -> Any:
    from xtask.tasks import get_task

    if split not in task.splits:
        raise ValueError(f"task {task.name!r} has no split {split!r}; its splits are {list(task.splits)}")
    source_task = owner(task, ctx, split, lang)
    if source_task is not task:
        return read_split(source_task, ctx, split, lang)
    split = task.split_aliases.get(split, split)
    if lang in task.lacks_split.get(split, ()):
        raise SplitUnavailable(f"{task.name} has no {split} split for {lang} in its benchmark's release "
                               f"(languages without one: {', '.join(task.lacks_split[split])})")
    if task.parts:
        import datasets

        return datasets.concatenate_datasets([read_split(get_task(part), ctx, split, lang) for part in task.parts])
    if task.local_root is None and ctx.source == DataSource.hub:
        return _read_hub(task, ctx, split, lang)
    if task.local_root is None and ctx.source == DataSource.files:
        path, options, parser_name = ctx.files.locate(task, split, lang)
    else:
        path, options, parser_name = ctx.local_file(task, split, lang)
    try:
        parsed = parsers.parse(parser_name, task.kind.value, path, task, options)
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as err:
        if isinstance(err, (MalformedDataError, MissingDataError)):
            raise
        # A layout the parser did not expect (a field of another type, a list too short): one
        # line naming the file and the format, not a traceback from inside the parser.
        raise MalformedDataError(f"{path}: cannot be read as {parser_name} ({type(err).__name__}: {err}); "
                                 f"is it in that format? (formats: xtask/data/parsers.py)") from err
    return _dataset(task, parsed, str(path))


def _read_hub(task: Any, ctx: DataContext, split: str, lang: str) -> Any:
    hub = ctx.hub_location(task)
    if hub.refuse:
        raise MissingDataError(f"{task.name} cannot be read from the Hub: {hub.refuse}")
    if split not in hub.splits:
        raise MissingDataError(f"{hub.path} has no {split!r} split for {task.name} (it has: {sorted(hub.splits)})")
    config = hub.config.format(lang=hub.lang_names.get(lang, lang)) if hub.config else None
    raw = ctx.load_hub(hub.path, config, hub.splits[split], hub.revision, task.name, hub.data_dir)
    where = f"{hub.path} ({config or 'default'}, {hub.splits[split]})"
    return _dataset(task, hub.convert(raw, HubRead(task, split, lang, where)), where)


@dataclass(frozen=True)
class HubRead:
    """What a Hub converter may need besides the rows: which task/split/language, and where
    (to name rows in errors: ``where row N``)."""

    task: Any
    split: str
    lang: str
    where: str


def read_selection(task: Any, ctx: DataContext) -> Optional[Any]:
    """The English dev set that selects ``task``'s checkpoints: its own, or its
    ``selection_task``'s (XQuAD selects on SQuAD v1.1 dev). Under ``data=files`` a mapping
    without that file means no selection (the last checkpoint is kept), said in the log."""
    from xtask.tasks import get_task

    if not task.has_selection_set:
        return None
    selector = get_task(task.selection_task) if task.selection_task else task
    if ctx.files is not None and not ctx.files.has(selector.name, "dev", "en"):
        log.info("%s: the data=files mapping has no %s dev en: no checkpoint selection, the last one is kept",
                 task.name, selector.name)
        return None
    return read_split(selector, ctx, "dev", "en")


def evaluation_languages(task: Any, requested: Any, ctx: DataContext, split: str) -> Tuple[List[str], Dict[str, str]]:
    """The languages a cell evaluates, and those it leaves out with the reason.

    ``requested``: null = the task's benchmark languages (with ``data=mini``: those the mini copy
    has); ``auto`` = those the data source has for ``split``; a list = exactly those (each must be
    one of the task's languages: checked with the config's other values by
    :mod:`xtask.plan.validate`, before this runs). Languages the benchmark itself has no
    ``split`` for are left out with that reason (UDPOS dev: kk, th, tl, yo), never fail the cell."""
    skipped: Dict[str, str] = {}
    if requested in (None, "auto"):
        if requested is None and ctx.source != DataSource.mini:
            candidates = list(task.languages)
        else:
            candidates, absent = available_languages(task, ctx, split)
            skipped.update({lang: "not in the data" for lang in absent})
    else:
        candidates = list(requested)
        skipped.update({lang: "not requested (target.languages)" for lang in task.languages if lang not in candidates})
    aliased = task.split_aliases.get(split, split)
    languages = []
    for lang in candidates:
        if lang in task.lacks_split.get(aliased, ()):
            skipped[lang] = f"no {split} split in the benchmark (evaluate it with target.eval_split=test)"
        else:
            languages.append(lang)
    return languages, skipped


def available_languages(task: Any, ctx: DataContext, split: str) -> Tuple[List[str], List[str]]:
    """(languages the source has for ``split``, the task's languages it lacks), without reading
    the data: files that exist (local sources, a data=files mapping); the Hub is taken to have all."""
    if ctx.source == DataSource.hub:
        return list(task.languages), []
    have = []
    for lang in task.languages:
        try:
            if ctx.source == DataSource.files:
                ctx.files.locate(task, task.split_aliases.get(split, split), lang)
            else:
                ctx.local_file(task, task.split_aliases.get(split, split), lang)
        except (MissingDataError, MalformedDataError):
            continue
        have.append(lang)
    return have, [lang for lang in task.languages if lang not in have]
