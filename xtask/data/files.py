"""``data=files``: each (task, split, language) read from a file a mapping names.

Researchers keep their own copies of datasets (new languages, translated test sets, other
splits). The mapping (YAML) says which file feeds what, in the task's upstream format::

    root: ../../../shared/realdata  # paths below are relative to it; it, to this file's folder
    udpos:
      format: conllu                 # the task's default format for its entries
      train: {en: ud/en_ewt-ud-train.conllu.gz}
      dev:   {en: ud/en_ewt-ud-dev.conllu.gz, de: ud/de_gsd-ud-dev.conllu.gz}
    xnli:
      train:                         # XNLI's own English training set (else MNLI's is used)
        en: {path: xnli/en_my.myxnli.dev.tsv.gz, format: tsv,
             columns: {text_a: sentence1_en, text_b: sentence2_en, label: label}}
    socialiqa:
      format: siqa_jsonl
      train: {en: {path: "english/socialiqa/socialiqa-train-dev.zip!socialiqa-train-dev/train.jsonl",
                   labels: "english/socialiqa/socialiqa-train-dev.zip!socialiqa-train-dev/train-labels.lst"}}

An entry is a path (then the task's ``format``, or its layout's parser) or a mapping with
``path``, ``format`` and the format's options (:mod:`xtask.data.parsers`); option values that
name files (``labels``, ``target``, ``gold``) are relative to ``root`` too. Formats: see
:mod:`xtask.data.parsers`. The mapping is checked when it is loaded: unknown tasks, splits and
formats, languages, and options a format does not read are errors that list the valid ones.
A file (or an option's file) the mapping names but that is missing is reported with the
mapping's name when the split is read. The real-data kit's mapping: ``sweeps/files/real_cpu.yaml``;
a commented example: ``sweeps/files/example.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Tuple

import yaml

from xtask.data import parsers
from xtask.data.readers import MalformedDataError

FILE_OPTIONS = ("labels", "target", "gold")


@dataclass(frozen=True)
class Entry:
    path: Path
    parser: str
    options: Mapping[str, Any]


@dataclass(frozen=True)
class FileMap:
    source: Path  # the mapping file
    entries: Mapping[Tuple[str, str, str], Entry]  # (task, split, lang) -> file

    @classmethod
    def load(cls, path: Path) -> "FileMap":
        from xtask.data.errors import MissingDataError
        from xtask.tasks import TASKS, get_task

        path = Path(path).resolve()
        if not path.is_file():
            raise MissingDataError(f"data.files: mapping file not found: {path} (see sweeps/files/example.yaml)")
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as err:
            raise MalformedDataError(f"{path}: not valid YAML ({err})") from err
        if not isinstance(raw, dict):
            raise MalformedDataError(f"{path}: expected a mapping of task -> split -> language -> file")
        root = (path.parent / str(raw.pop("root", "."))).resolve()
        entries: Dict[Tuple[str, str, str], Entry] = {}
        for task_name, block in raw.items():
            if task_name not in TASKS:
                raise MalformedDataError(f"{path}: unknown task {task_name!r}; tasks: {', '.join(sorted(TASKS))}")
            task = get_task(task_name)
            if not isinstance(block, dict):
                raise MalformedDataError(f"{path}: {task_name}: expected split -> language -> file")
            block = dict(block)
            default_format = block.pop("format", None) or _layout_parser(task)
            for split, by_lang in block.items():
                if split not in task.splits:
                    raise MalformedDataError(f"{path}: {task_name}: unknown split {split!r}; its splits: {', '.join(task.splits)}")
                if task.split_aliases.get(split, split) != split:
                    read = task.split_aliases[split]
                    raise MalformedDataError(f"{path}: {task_name}.{split}: {task_name}'s {split} split reads its {read} "
                                             f"split; map the file under {read}")
                if not isinstance(by_lang, dict):
                    raise MalformedDataError(f"{path}: {task_name}.{split}: expected language -> file")
                for lang, spec in by_lang.items():
                    where = f"{path}: {task_name}.{split}.{lang}"
                    if lang not in task.languages:
                        raise MalformedDataError(f"{where}: {task_name} has no language {lang!r}; "
                                                 f"its languages: {', '.join(task.languages)}")
                    entries[(task_name, split, str(lang))] = _entry(spec, default_format, root, task, where)
        return cls(path, entries)

    def has(self, task: str, split: str, lang: str) -> bool:
        return (task, split, lang) in self.entries

    def locate(self, task: Any, split: str, lang: str) -> Tuple[Path, Mapping[str, Any], str]:
        from xtask.data.errors import MissingDataError

        entry = self.entries.get((task.name, split, lang))
        if entry is None:
            mapped = sorted(f"{s}.{lg}" for t, s, lg in self.entries if t == task.name)
            raise MissingDataError(f"{task.name} {split} {lang}: not in the data=files mapping {self.source} "
                                   f"(it maps for {task.name}: {', '.join(mapped) or 'nothing'})")
        if not parsers.exists(entry.path):
            raise MissingDataError(f"{task.name} {split} {lang}: file not found: {entry.path} "
                                   f"(named by the data=files mapping {self.source})")
        for option in FILE_OPTIONS:
            if option in entry.options and not parsers.exists(Path(entry.options[option])):
                raise MissingDataError(f"{task.name} {split} {lang}: its {option} file not found: "
                                       f"{entry.options[option]} (named by the data=files mapping {self.source})")
        return entry.path, entry.options, entry.parser

    def identity(self, task: str, split: str, lang: str) -> Any:
        """What identifies this file for cell keys: its content (and that of a labels file it
        names) and its reading options; not where it lies, so moving the data re-keys nothing
        and editing a file re-keys the cells that read it."""
        from xtask.data.digest import content_digest

        entry = self.entries.get((task, split, lang))
        if entry is None:
            return None
        options = {k: (content_digest(Path(v)) if k in FILE_OPTIONS else v) for k, v in entry.options.items()}
        return {"content": content_digest(entry.path), "format": entry.parser, **options}


def _layout_parser(task: Any) -> str:
    """The parser of the task's own local layout (e.g. udpos -> word_tag), as the default."""
    for entry in task.local.values():
        first = entry[0] if isinstance(entry, tuple) else entry
        return first.parser
    return ""


def _entry(spec: Any, default_format: str, root: Path, task: Any, where: str) -> Entry:
    if isinstance(spec, (str, Path)):
        spec = {"path": str(spec)}
    if not isinstance(spec, dict) or "path" not in spec:
        raise MalformedDataError(f"{where}: expected a path, or a mapping with 'path' (and 'format', options)")
    spec = dict(spec)
    fmt = spec.pop("format", None) or default_format
    parsers.parser(fmt, task.kind.value, where)  # an unknown or mismatched format fails here, listing valid ones
    options = {k: (str(_resolve(root, v)) if k in FILE_OPTIONS else v) for k, v in spec.items() if k != "path"}
    parsers.check_options(fmt, options, where)
    return Entry(_resolve(root, spec["path"]), fmt, options)


def _resolve(root: Path, path: str) -> Path:
    """``path`` under ``root`` (a zip member ``archive.zip!member`` keeps its member part)."""
    text = str(path)
    if "!" in text:
        archive, member = text.split("!", 1)
        return Path(f"{(root / archive).resolve()}!{member}")
    return (root / text).resolve()
