"""File formats -> canonical rows (see :mod:`xtask.data.canonical`), one parser per upstream format.

A parser reads one file (plain, ``.gz``, ``.bz2``, or a member of a zip archive named
``archive.zip!member``) and returns the rows of its task kind, or a :class:`Bitext` for the
retrieval formats. It takes the task's spec (labels, label aliases) and the *options* a
``data=files`` mapping may give (column names, a header, a labels file, ...). Every error names
the file and the line. The local layouts of the bundled mini copy and of XTREME's download are
nothing but default (file, parser) choices, so every source shares these parsers.

Formats, by kind:

* classification: ``pair_tsv`` (XTREME's processed ``s1<TAB>s2[<TAB>label]``), ``tsv`` (any
  tab-separated file: ``columns`` maps text_a/text_b/label to header names or 0-based indices),
  ``pawsx_tsv`` (PAWS-X's own ``id sentence1 sentence2 label`` with header, or ``pair_tsv``),
  ``multinli_jsonl``, ``snli_jsonl``, ``anli_jsonl``;
* tagging: ``word_tag`` (XTREME's ``word<TAB>tag``), ``conllu`` (words and UPOS), ``ccg_auto``;
* qa: ``squad_json`` (SQuAD v1.1/2.0, TyDiQA-GoldP and MLQA files; ``articles: [start, stop]``
  keeps those articles, e.g. to train on part of a parallel set and evaluate on the rest);
* multiple_choice: ``hellaswag_jsonl``, ``hellaswag_txt`` (6 lines per item), ``cosmosqa_csv``,
  ``csqa_jsonl`` (original or Hub layout), ``siqa_jsonl`` (+ ``labels``: the ``*-labels.lst``
  file; default beside it), ``copa_jsonl`` (COPA / XCOPA);
* retrieval: ``tatoeba_pair`` (two line-aligned files; ``target``: the English side),
  ``bucc`` (``id<TAB>sentence`` files + ``.gold``).

Every format but the retrieval ones also takes ``rows: [start, stop]``: it keeps the rows
``start <= i < stop`` of what the format read, in file order (after ``articles``), e.g. to cut
one file into a training and a dev set (:func:`parse`, the one place that applies it).
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import re
import zipfile
import zlib
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple

from xtask.data.canonical import UNLABELLED, Bitext, LabelCheck
from xtask.data.readers import MalformedDataError

Rows = List[Dict[str, Any]]
Options = Mapping[str, Any]


# --------------------------------------------------------------------------- opening


@contextmanager
def open_text(path: Path) -> Iterator[io.TextIOBase]:
    """Text of ``path``: plain, gzip (``.gz``), bzip2 (``.bz2``), or ``archive.zip!member``.
    A damaged archive or text that is not UTF-8, found while the caller reads, is a
    :class:`MalformedDataError` naming the file and what is wrong (see :mod:`xtask.data.damage`)."""
    from xtask.data.damage import unreadable

    try:
        with _open_text(path) as handle:
            yield handle
    except (UnicodeDecodeError, EOFError, zlib.error, gzip.BadGzipFile, zipfile.BadZipFile) as err:
        raise unreadable(path, err) from None
    except OSError as err:  # bz2 reports bad data as a plain OSError ("Invalid data stream")
        if isinstance(err, (FileNotFoundError, PermissionError, IsADirectoryError)) or not _compressed(path):
            raise
        raise unreadable(path, err) from None


def _compressed(path: Path) -> bool:
    text = str(path)
    return ".zip!" in text or text.endswith((".gz", ".bz2"))


@contextmanager
def _open_text(path: Path) -> Iterator[io.TextIOBase]:
    text = str(path)
    if ".zip!" in text:
        archive, member = text.split("!", 1)
        with zipfile.ZipFile(archive) as zf:
            try:
                raw = zf.open(member)
            except KeyError:
                names = [n for n in zf.namelist() if not n.endswith("/")]
                raise MalformedDataError(f"{archive} has no member {member!r}; it has: {', '.join(names[:20])}") from None
            with raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as handle:
                yield handle
        return
    opener: Callable[..., Any] = open
    if text.endswith(".gz"):
        opener = gzip.open
    elif text.endswith(".bz2"):
        opener = bz2.open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:  # a BOM is not text
        yield handle


def exists(path: Path) -> bool:
    text = str(path)
    if ".zip!" in text:
        archive, member = text.split("!", 1)
        if not Path(archive).is_file():
            return False
        with zipfile.ZipFile(archive) as zf:
            return member in zf.namelist()
    return Path(path).exists()


def _lines(path: Path) -> List[str]:
    with open_text(path) as handle:
        return [line.rstrip("\r\n") for line in handle]


def _tsv_rows(path: Path) -> List[Tuple[int, List[str]]]:
    """(line, fields) of the non-blank lines of a TSV file. Parsed with the csv module (tab
    delimiter, minimal quoting), because XTREME wrote its files with ``csv.writer``."""
    out = []
    with open_text(path) as handle:
        reader = csv.reader(handle, delimiter="\t")
        try:
            for row in reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                out.append((reader.line_num, row))
        except csv.Error as err:
            raise MalformedDataError(f"{path}:{reader.line_num}: {err}") from err
    return out


def _consistent_columns(path: Path, rows: List[Tuple[int, List[str]]], allowed: Tuple[int, ...]) -> int:
    """The column count of the file's lines (the most common one); the first line with another
    count is reported, whichever line it is."""
    if not rows:
        return allowed[0]
    counts = Counter(len(fields) for _, fields in rows)
    expected = counts.most_common(1)[0][0]
    if expected not in allowed:
        line, fields = next((ln, f) for ln, f in rows if len(f) == expected)
        raise MalformedDataError(f"{path}:{line}: expected {' or '.join(map(str, allowed))} tab-separated columns, "
                                 f"got {expected}: {fields!r:.200}")
    for line, fields in rows:
        if len(fields) != expected:
            raise MalformedDataError(f"{path}:{line}: expected {expected} tab-separated columns "
                                     f"(as the file's other lines have), got {len(fields)}: {fields!r:.200}")
    return expected


def _jsonl(path: Path) -> Iterator[Tuple[int, Dict[str, Any]]]:
    with open_text(path) as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as err:
                raise MalformedDataError(f"{path}:{line}: not valid JSON ({err.msg})") from err
            if not isinstance(obj, dict):
                raise MalformedDataError(f"{path}:{line}: expected a JSON object, got {type(obj).__name__}")
            yield line, obj


def _require(path: Path, line: int, obj: Mapping[str, Any], keys: Tuple[str, ...]) -> None:
    missing = [k for k in keys if k not in obj]
    if missing:
        raise MalformedDataError(f"{path}:{line}: missing field(s) {missing}")


class Labels:
    """A task's label set with its aliases: raw label text -> index, errors naming the line."""

    def __init__(self, labels: Tuple[str, ...], aliases: Mapping[str, str], extra: Optional[Mapping[str, str]] = None) -> None:
        self.labels, self.aliases = labels, {**aliases, **(extra or {})}
        self.index = {label: i for i, label in enumerate(labels)}

    def __call__(self, raw: Any, where: str) -> int:
        text = str(raw).strip()
        text = self.aliases.get(text, text)
        if text not in self.index:
            hint = ""
            if where.endswith(":1") and text.lower() in ("label", "gold_label", "labels", "class", "y"):
                hint = (" (line 1 looks like a header: this format has none; use format tsv with "
                        "columns: {text_a: NAME, text_b: NAME, label: NAME})")
            raise MalformedDataError(f"{where}: unknown label {raw!r}; valid labels: {', '.join(self.labels)}{hint}")
        return self.index[text]


def _labels(spec: Any, options: Options) -> Labels:
    return Labels(tuple(spec.labels), dict(spec.label_aliases), options.get("label_map"))


# --------------------------------------------------------------------------- classification


def _pair_rows(path: Path, items: List[Tuple[int, str, Optional[str], Any]], labels: Labels, prefix: str) -> Tuple[Rows, bool]:
    check = LabelCheck()
    rows = []
    for line, a, b, raw in items:
        labelled = raw is not None and str(raw).strip() != ""
        check.see(f"{path}:{line}", labelled)
        row = {"id": f"{prefix}-{line}", "text_a": a, "label": labels(raw, f"{path}:{line}") if labelled else UNLABELLED}
        if b is not None:
            row["text_b"] = b
        rows.append(row)
    return rows, check.verdict()


def pair_tsv(path: Path, spec: Any, options: Options) -> Tuple[Rows, bool]:
    """XTREME's processed ``s1<TAB>s2<TAB>label`` (dev) or ``s1<TAB>s2`` (its unlabelled test files)."""
    rows = _tsv_rows(path)
    columns = _consistent_columns(path, rows, (2, 3))
    items = [(line, f[0], f[1], f[2] if columns == 3 else None) for line, f in rows]
    return _pair_rows(path, items, _labels(spec, options), spec.name)


def tsv(path: Path, spec: Any, options: Options) -> Tuple[Rows, bool]:
    """Any TSV: ``columns`` = {text_a: NAME|INDEX, text_b: ..., label: ...} (header names need
    ``header: true``, the default when names are given); a missing ``label`` = unlabelled."""
    columns: Mapping[str, Any] = options.get("columns") or {"text_a": 0, "text_b": 1, "label": 2}
    by_name = any(isinstance(v, str) for v in columns.values())
    header = bool(options.get("header", by_name))
    rows = _tsv_rows(path)
    index: Dict[str, int] = {}
    if header:
        if not rows:
            raise MalformedDataError(f"{path}: empty file (expected a header line)")
        names = rows[0][1]
        rows = rows[1:]
    for role, ref in columns.items():
        if isinstance(ref, str):
            if not header or ref not in names:
                raise MalformedDataError(f"{path}:1: no column {ref!r} for {role}; the header has {names if header else 'none'}")
            index[role] = names.index(ref)
        else:
            index[role] = int(ref)
    if "text_a" not in index:
        raise MalformedDataError(f"{path}: the column mapping {dict(columns)} has no text_a")
    if header:
        for line, fields in rows:
            if len(fields) != len(names):
                raise MalformedDataError(f"{path}:{line}: expected {len(names)} tab-separated columns "
                                         f"(as the header has), got {len(fields)}: {fields!r:.200}")
    else:
        width = _consistent_columns(path, rows, tuple(range(1, 256)))
        if width <= max(index.values()):
            raise MalformedDataError(f"{path}: the column mapping {dict(columns)} needs {max(index.values()) + 1} "
                                     f"columns, the file has {width}")
    items = [(line, f[index["text_a"]], f[index["text_b"]] if "text_b" in index else None,
              f[index["label"]] if "label" in index else None) for line, f in rows]
    return _pair_rows(path, items, _labels(spec, options), spec.name)


_PAWSX_HEADER = ["id", "sentence1", "sentence2", "label"]


def pawsx_tsv(path: Path, spec: Any, options: Options) -> Tuple[Rows, bool]:
    """PAWS-X's own files (header ``id sentence1 sentence2 label``) or XTREME's processed ones."""
    with open_text(path) as handle:
        first = handle.readline().rstrip("\r\n").split("\t")
    if first == _PAWSX_HEADER:
        return tsv(path, spec, {**options, "columns": {"text_a": "sentence1", "text_b": "sentence2", "label": "label"}})
    return pair_tsv(path, spec, options)


def multinli_jsonl(path: Path, spec: Any, options: Options) -> Tuple[Rows, bool]:
    """MultiNLI 1.0 (and SNLI 1.0) jsonl: ``gold_label`` "-" (no annotator consensus) is dropped."""
    labels = _labels(spec, options)
    items = []
    for line, obj in _jsonl(path):
        _require(path, line, obj, ("sentence1", "sentence2", "gold_label"))
        if obj["gold_label"] == "-":
            continue
        items.append((line, obj["sentence1"], obj["sentence2"], obj["gold_label"]))
    return _pair_rows(path, items, labels, spec.name)


_ANLI_LABELS = {"e": "entailment", "n": "neutral", "c": "contradiction"}


def anli_jsonl(path: Path, spec: Any, options: Options) -> Tuple[Rows, bool]:
    """ANLI v1.0 jsonl: ``context``, ``hypothesis``, ``label`` e|n|c."""
    labels = _labels(spec, {"label_map": _ANLI_LABELS, **options})
    items = []
    for line, obj in _jsonl(path):
        _require(path, line, obj, ("context", "hypothesis", "label"))
        items.append((line, obj["context"], obj["hypothesis"], obj["label"]))
    return _pair_rows(path, items, labels, spec.name)


# --------------------------------------------------------------------------- tagging


def _tag_rows(sentences: List[Tuple[int, List[str], List[str]]], path: Path, spec: Any, check_tags: bool) -> Tuple[Rows, bool]:
    check = LabelCheck()
    valid = set(spec.labels)
    rows = []
    for line, tokens, tags in sentences:
        check.see(f"{path}:{line}", bool(tags))
        if check_tags and valid:
            for offset, tag in enumerate(tags):
                if tag not in valid:
                    raise MalformedDataError(f"{path}:{line + offset}: unknown tag {tag!r}; valid tags: {', '.join(spec.labels)}")
        rows.append({"id": f"{spec.name}-{line}", "tokens": tokens, "tags": tags})
    return rows, check.verdict()


def word_tag(path: Path, spec: Any, options: Options) -> Tuple[Rows, bool]:
    """XTREME's ``word<TAB>tag`` (``word`` alone in its unlabelled test files), a blank line
    between sentences. A word without a tag in a labelled sentence is reported by its line."""
    sentences: List[Tuple[int, List[str], List[str]]] = []
    tokens: List[str] = []
    tags: List[str] = []
    start = 0
    with open_text(path) as handle:
        for line_no, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                if tokens:
                    sentences.append((start, tokens, tags))
                tokens, tags = [], []
                continue
            fields = line.split("\t")
            if len(fields) > 2:
                raise MalformedDataError(f"{path}:{line_no}: expected 'word<TAB>tag', got {len(fields)} columns")
            if not tokens:
                start = line_no
            if tokens and (len(fields) == 2) != bool(tags):
                raise MalformedDataError(f"{path}:{line_no}: this word {'has' if len(fields) == 2 else 'lacks'} a tag "
                                         f"but the words before it in the sentence (from line {start}) "
                                         f"{'do not' if len(fields) == 2 else 'do'}")
            tokens.append(fields[0])
            if len(fields) == 2:
                tags.append(fields[1])
    if tokens:
        sentences.append((start, tokens, tags))
    return _tag_rows(sentences, path, spec, check_tags=True)


def conllu(path: Path, spec: Any, options: Options) -> Tuple[Rows, bool]:
    """CoNLL-U (plain or gzipped): syntactic words and their UPOS (``column``: 3 = UPOS by default).
    Multi-word token ranges (``3-4``) and empty nodes (``5.1``) are skipped, as XTREME does.
    Checked as it is read: ten columns, word ids that count 1, 2, 3 ... within a sentence, and a
    sentence either tagged on every word or on none ('_'); tags against the task's tag set."""
    column = options.get("column", 3)
    if not isinstance(column, int) or isinstance(column, bool) or not 1 <= column <= 9:
        raise MalformedDataError(f"{path}: option column must be a 0-based CoNLL-U column from 1 to 9 "
                                 f"(3 = UPOS, 4 = XPOS), got {column!r}")
    valid = set(spec.labels)
    sentences: List[Tuple[int, List[str], List[str]]] = []
    tokens: List[str] = []
    tags: List[str] = []
    start = 0
    with open_text(path) as handle:
        for line_no, line in enumerate(handle, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                if tokens:
                    sentences.append((start, tokens, tags))
                tokens, tags = [], []
                continue
            if line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) != 10:
                raise MalformedDataError(f"{path}:{line_no}: expected 10 tab-separated CoNLL-U columns, got {len(fields)}")
            ident = fields[0]
            if re.fullmatch(r"[1-9]\d*-[1-9]\d*|\d+\.[1-9]\d*", ident):
                continue  # a multi-word token's range, or an empty node
            if not ident.isdigit() or int(ident) != len(tokens) + 1:
                expected = len(tokens) + 1
                raise MalformedDataError(f"{path}:{line_no}: word id {ident!r} where {expected} was expected (CoNLL-U "
                                         "ids count 1, 2, 3 ... in each sentence; ranges 1-2 and empty nodes 1.1 are "
                                         "skipped; a blank line ends a sentence)")
            if not tokens:
                start = line_no
            tagged = fields[column] != "_"
            if tokens and tagged != bool(tags):
                untagged, other = (start, line_no) if tagged else (line_no, start)
                raise MalformedDataError(
                    f"{path}:{untagged}: no tag ('_') in column {column + 1}, but the same sentence has tags "
                    f"(line {other}): a sentence is tagged on every word or on none")
            if tagged and valid and fields[column] not in valid:
                raise MalformedDataError(f"{path}:{line_no}: unknown tag {fields[column]!r} in column {column + 1}; "
                                         f"valid tags: {', '.join(spec.labels)}")
            tokens.append(fields[1])
            if tagged:
                tags.append(fields[column])
    if tokens:
        sentences.append((start, tokens, tags))
    return _tag_rows(sentences, path, spec, check_tags=True)


_CCG_LEAF = re.compile(r"<L (\S+) \S+ \S+ (\S+) \S+>")


def ccg_auto(path: Path, spec: Any, options: Options) -> Tuple[Rows, bool]:
    """A CCGbank ``.auto`` file: (words, lexical categories) from each derivation's leaves.
    Categories are not checked against a label set (the inventory comes from the training data)."""
    sentences = []
    with open_text(path) as handle:
        for line_no, line in enumerate(handle, start=1):
            if line.startswith("ID=") or not line.strip():
                continue
            leaves = _CCG_LEAF.findall(line)
            if not leaves:
                raise MalformedDataError(f"{path}:{line_no}: no CCG leaves (<L CAT POS POS WORD CAT>) in this derivation")
            sentences.append((line_no, [word for _, word in leaves], [cat for cat, _ in leaves]))
    return _tag_rows(sentences, path, spec, check_tags=False)


def ccg_sections(path: Path, spec: Any, options: Options) -> Tuple[Rows, bool]:
    """The ``.auto`` files of CCGbank ``sections`` (e.g. 02..21 for training) under ``path``."""
    files = [f for section in options["sections"] for f in sorted((Path(path) / section).glob("*.auto"))]
    if not files:
        raise MalformedDataError(f"no CCGbank files in sections {list(options['sections'])} under {path}")
    rows: Rows = []
    for file in files:
        rows.extend(ccg_auto(file, spec, options)[0])
    return rows, True


# --------------------------------------------------------------------------- qa


def squad_json(path: Path, spec: Any, options: Options) -> Tuple[Rows, bool]:
    """SQuAD-format JSON (``{"data": [...]}`` or a bare list of articles). Every answer offset is
    checked against its context. XTREME blanks the answers of its test files (whole-file
    unlabelled); a question without answers is unlabelled unless the task has unanswerable
    questions (SQuAD 2.0), where it means "no answer". ``articles: [start, stop]`` keeps the
    articles ``start <= i < stop`` (see :func:`select_articles`)."""
    with open_text(path) as handle:
        try:
            data = json.load(handle)
        except json.JSONDecodeError as err:
            raise MalformedDataError(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from err
    articles = data["data"] if isinstance(data, dict) and "data" in data else data
    if not isinstance(articles, list):
        raise MalformedDataError(f"{path}: not SQuAD-format (expected a 'data' list of articles)")
    if options.get("articles") is not None:
        articles = select_articles(articles, options["articles"], str(path))
    check = LabelCheck()
    rows: Rows = []
    for article in articles:
        for paragraph in article.get("paragraphs", []):
            context = paragraph["context"]
            for qa in paragraph["qas"]:
                texts, starts = [], []
                for answer in qa.get("answers", []):
                    start, text = int(answer["answer_start"]), answer["text"]
                    if not text:  # XTREME blanks the answers of its test files
                        continue
                    if context[start : start + len(text)] != text:
                        raise MalformedDataError(
                            f"{path}: question {qa['id']!r}: answer {text!r} is not at offset {start} of its context"
                        )
                    texts.append(text)
                    starts.append(start)
                if not spec.unanswerable:
                    check.see(f"{path}: question {qa['id']!r}", bool(texts))
                rows.append({"id": str(qa["id"]), "title": article.get("title", ""), "context": context,
                             "question": qa["question"], "answers": {"text": texts, "answer_start": starts}})
    labelled = True if spec.unanswerable else check.verdict()
    return rows, labelled


def index_range(option: str, value: Any, where: str) -> Tuple[int, int]:
    """``[start, stop]`` of a selection option (``articles``, ``rows``), checked: two integers,
    ``0 <= start < stop``."""
    ints = isinstance(value, (list, tuple)) and len(value) == 2 and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value)
    if not ints or not 0 <= value[0] < value[1]:
        noun = option.rstrip("s")
        raise MalformedDataError(f"{where}: {option} must be [start, stop], {noun} indices with "
                                 f"0 <= start < stop (stop excluded), got {value!r}")
    return int(value[0]), int(value[1])


def article_range(value: Any, where: str) -> Tuple[int, int]:
    """``[start, stop]`` of the ``articles`` option, checked."""
    return index_range("articles", value, where)


def select_articles(articles: List[Any], value: Any, where: str) -> List[Any]:
    """The articles whose index is in ``[start, stop)``, in file order. Entries with the same
    title count as one article (TyDiQA-GoldP gives each question an entry of its own, and some
    passages serve several questions): a range never splits an article's questions."""
    start, stop = article_range(value, where)
    keys = [str(a.get("title") or f"#{i}") if isinstance(a, dict) else f"#{i}" for i, a in enumerate(articles)]
    order = list(dict.fromkeys(keys))
    if stop > len(order):
        raise MalformedDataError(f"{where}: articles [{start}, {stop}] goes past the file's {len(order)} articles")
    kept = set(order[start:stop])
    return [article for article, key in zip(articles, keys) if key in kept]


# --------------------------------------------------------------------------- multiple choice


def _choice_rows(items: List[Tuple[str, str, str, str, List[str], Any]], spec: Any, convert: Callable[[Any, str], int]) -> Tuple[Rows, bool]:
    """items: (location, id, context, question, choices, raw label or None)."""
    check = LabelCheck()
    rows = []
    for where, ident, context, question, choices, raw in items:
        labelled = raw is not None and str(raw).strip() != ""
        check.see(where, labelled)
        rows.append({"id": ident, "context": context, "question": question, "choices": list(choices),
                     "label": convert(raw, where) if labelled else UNLABELLED})
    return rows, check.verdict()


def _index_label(count: int, base: int = 0) -> Callable[[Any, str], int]:
    def convert(raw: Any, where: str) -> int:
        try:
            value = int(str(raw).strip()) - base
        except ValueError:
            value = -1
        if not 0 <= value < count:
            raise MalformedDataError(f"{where}: label must be one of {list(range(base, base + count))}, got {raw!r}")
        return value

    return convert


def hellaswag_jsonl(path: Path, spec: Any, options: Options) -> Tuple[Rows, bool]:
    items = []
    for line, obj in _jsonl(path):
        _require(path, line, obj, ("ctx", "endings"))
        items.append((f"{path}:{line}", str(obj.get("ind", line)), obj["ctx"], "", list(obj["endings"]), obj.get("label")))
    return _choice_rows(items, spec, _index_label(4))


def hellaswag_txt(path: Path, spec: Any, options: Options) -> Tuple[Rows, bool]:
    """HellaSwag as text, 6 lines per item: ``activity_label: ctx``, the gold index, 4 endings."""
    lines = _lines(path)
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) % 6:
        raise MalformedDataError(f"{path}:{len(lines)}: {len(lines)} lines is not a multiple of 6 (context, label, 4 endings per item)")
    items = []
    for start in range(0, len(lines), 6):
        context, label, *endings = lines[start : start + 6]
        items.append((f"{path}:{start + 2}", f"hellaswag-{start // 6}", context, "", endings, label))
    return _choice_rows(items, spec, _index_label(4))


def cosmosqa_csv(path: Path, spec: Any, options: Options) -> Tuple[Rows, bool]:
    with open_text(path) as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("context", "question", "answer0", "answer1", "answer2", "answer3") if c not in (reader.fieldnames or [])]
        if missing:
            raise MalformedDataError(f"{path}:1: header lacks column(s) {missing}; it has {reader.fieldnames}")
        items = [(f"{path}:{reader.line_num}", str(rec.get("id") or reader.line_num), rec["context"], rec["question"],
                  [rec[f"answer{i}"] for i in range(4)], rec.get("label")) for rec in reader]
    return _choice_rows(items, spec, _index_label(4))


def csqa_jsonl(path: Path, spec: Any, options: Options) -> Tuple[Rows, bool]:
    """CommonsenseQA: the original release (``question: {stem, choices}``) or the Hub layout."""
    items = []
    for line, obj in _jsonl(path):
        if isinstance(obj.get("question"), dict):
            stem, choices = obj["question"]["stem"], obj["question"]["choices"]
            keys, texts = [c["label"] for c in choices], [c["text"] for c in choices]
        else:
            _require(path, line, obj, ("question", "choices"))
            stem, keys, texts = obj["question"], obj["choices"]["label"], obj["choices"]["text"]

        def convert(raw: Any, where: str, keys: List[str] = keys) -> int:
            if raw not in keys:
                raise MalformedDataError(f"{where}: answerKey {raw!r} is not one of the choices {keys}")
            return keys.index(raw)

        items.append((f"{path}:{line}", str(obj.get("id", line)), "", stem, texts, obj.get("answerKey") or None, convert))
    check = LabelCheck()
    rows = []
    for where, ident, context, question, choices, raw, convert in items:
        check.see(where, raw is not None)
        rows.append({"id": ident, "context": context, "question": question, "choices": choices,
                     "label": convert(raw, where) if raw is not None else UNLABELLED})
    return rows, check.verdict()


def siqa_jsonl(path: Path, spec: Any, options: Options) -> Tuple[Rows, bool]:
    """Social IQa: ``{split}.jsonl`` + ``{split}-labels.lst`` (1-based), the file ``labels``
    names (default: beside the questions, ``X.jsonl`` -> ``X-labels.lst``); no such file = unlabelled."""
    records = list(_jsonl(path))
    labels_path = options.get("labels") or re.sub(r"\.jsonl$", "-labels.lst", str(path))
    labels: List[Optional[str]] = [None] * len(records)
    if exists(Path(labels_path)):
        found = [line.strip() for line in _lines(Path(labels_path)) if line.strip()]
        if len(found) != len(records):
            raise MalformedDataError(f"{labels_path} has {len(found)} labels for {len(records)} questions in {path}")
        labels = list(found)
    items = []
    for (line, obj), label in zip(records, labels):
        _require(path, line, obj, ("context", "question", "answerA", "answerB", "answerC"))
        items.append((f"{path}:{line}", f"socialiqa-{line}", obj["context"], obj["question"],
                      [obj["answerA"], obj["answerB"], obj["answerC"]], label))
    return _choice_rows(items, spec, _index_label(3, base=1))


_COPA_QUESTIONS = {"cause": "What was the cause?", "effect": "What happened as a result?"}


def copa_jsonl(path: Path, spec: Any, options: Options) -> Tuple[Rows, bool]:
    """COPA / XCOPA jsonl: ``premise``, ``choice1``, ``choice2``, ``question`` (cause|effect),
    ``label`` (0|1, absent in unlabelled test files), ``idx``. The question becomes XTREME-R's
    English prompt ("What was the cause?" / "What happened as a result?")."""
    items = []
    for line, obj in _jsonl(path):
        _require(path, line, obj, ("premise", "choice1", "choice2", "question"))
        if obj["question"] not in _COPA_QUESTIONS:
            raise MalformedDataError(f"{path}:{line}: question must be 'cause' or 'effect', got {obj['question']!r}")
        items.append((f"{path}:{line}", str(obj.get("idx", line)), obj["premise"], _COPA_QUESTIONS[obj["question"]],
                      [obj["choice1"], obj["choice2"]], obj.get("label")))
    return _choice_rows(items, spec, _index_label(2))


# --------------------------------------------------------------------------- retrieval


def tatoeba_pair(path: Path, spec: Any, options: Options) -> Bitext:
    """Line-aligned xx/en files: ``target`` names the English side (default: ``path`` with its
    last suffix replaced by ``.eng``, LASER's naming, or ``.en``, XTREME's). XTREME's download
    sorts the English side to hide the gold alignment: such a split is unlabelled."""
    target = options.get("target")
    if target is None:
        candidates = [Path(str(path).rsplit(".", 1)[0] + suffix) for suffix in (".eng", ".en")]
        target = next((c for c in candidates if exists(c)), candidates[0])
    src, tgt = _lines(path), _lines(Path(target))
    while src and not src[-1] and tgt and not tgt[-1]:
        src.pop()
        tgt.pop()
    if len(src) != len(tgt):
        raise MalformedDataError(f"{path} has {len(src)} lines but {target} has {len(tgt)}; they must be line-aligned")
    if not src:
        raise MalformedDataError(f"{path}: no sentences")
    ids = [str(i) for i in range(len(src))]
    aligned = len(tgt) < 2 or tgt != sorted(tgt)
    return Bitext(ids, src, ids, tgt, [(i, i) for i in ids] if aligned else None)


def bucc(path: Path, spec: Any, options: Options) -> Bitext:
    """BUCC 2018 as XTREME lays it out: ``xx-en.SPLIT.xx`` (``path``), ``xx-en.SPLIT.en`` and
    ``xx-en.SPLIT.gold`` (``src_id<TAB>tgt_id``; absent for XTREME's test split)."""
    stem = str(path).rsplit(".", 1)[0]
    target = Path(options.get("target") or stem + ".en")
    gold_path = Path(options.get("gold") or stem + ".gold")

    def id_sentences(file: Path) -> Tuple[List[str], List[str]]:
        rows = _tsv_rows(file)
        _consistent_columns(file, rows, (2,))
        return [f[0] for _, f in rows], [f[1] for _, f in rows]

    src_ids, src = id_sentences(Path(path))
    if not exists(target):
        raise MalformedDataError(f"{path}: its English side {target} is missing")
    tgt_ids, tgt = id_sentences(target)
    gold = None
    if exists(gold_path):
        rows = _tsv_rows(gold_path)
        _consistent_columns(gold_path, rows, (2,))
        gold = [(f[0], f[1]) for _, f in rows]
        known_src, known_tgt = set(src_ids), set(tgt_ids)
        for line, (a, b) in zip((ln for ln, _ in rows), gold):
            if a not in known_src or b not in known_tgt:
                raise MalformedDataError(f"{gold_path}:{line}: gold pair ({a}, {b}) names an id missing from the sentence files")
    return Bitext(src_ids, src, tgt_ids, tgt, gold)


PARSERS: Dict[str, Callable[[Path, Any, Options], Any]] = {
    "pair_tsv": pair_tsv, "tsv": tsv, "pawsx_tsv": pawsx_tsv, "multinli_jsonl": multinli_jsonl,
    "snli_jsonl": multinli_jsonl, "anli_jsonl": anli_jsonl,
    "word_tag": word_tag, "conllu": conllu, "ccg_auto": ccg_auto, "ccg_sections": ccg_sections,
    "squad_json": squad_json,
    "hellaswag_jsonl": hellaswag_jsonl, "hellaswag_txt": hellaswag_txt, "cosmosqa_csv": cosmosqa_csv,
    "csqa_jsonl": csqa_jsonl, "siqa_jsonl": siqa_jsonl, "copa_jsonl": copa_jsonl,
    "tatoeba_pair": tatoeba_pair, "bucc": bucc,
}
KIND_OF_PARSER: Dict[str, str] = {
    **dict.fromkeys(("pair_tsv", "tsv", "pawsx_tsv", "multinli_jsonl", "snli_jsonl", "anli_jsonl"), "classification"),
    **dict.fromkeys(("word_tag", "conllu", "ccg_auto", "ccg_sections"), "tagging"),
    "squad_json": "qa",
    **dict.fromkeys(("hellaswag_jsonl", "hellaswag_txt", "cosmosqa_csv", "csqa_jsonl", "siqa_jsonl", "copa_jsonl"),
                    "multiple_choice"),
    **dict.fromkeys(("tatoeba_pair", "bucc"), "retrieval"),
}

# The options each format reads; a data=files entry giving another one is refused (a misspelt
# option would otherwise be ignored without a word).
OPTIONS: Dict[str, Tuple[str, ...]] = {
    "pair_tsv": ("label_map",), "tsv": ("columns", "header", "label_map"), "pawsx_tsv": ("label_map",),
    "multinli_jsonl": ("label_map",), "snli_jsonl": ("label_map",), "anli_jsonl": ("label_map",),
    "conllu": ("column",), "ccg_sections": ("sections",), "squad_json": ("articles",),
    "siqa_jsonl": ("labels",), "tatoeba_pair": ("target",), "bucc": ("target", "gold"),
}


# Options every format that gives rows takes (not the retrieval ones, which give a Bitext).
ROW_OPTIONS: Tuple[str, ...] = ("rows",)


def options_of(name: str) -> Tuple[str, ...]:
    """The options format ``name`` reads: its own, and ``rows`` unless it is a retrieval format."""
    generic = ROW_OPTIONS if KIND_OF_PARSER.get(name) not in (None, "retrieval") else ()
    return (*OPTIONS.get(name, ()), *generic)


def check_options(name: str, options: Mapping[str, Any], where: str) -> None:
    """Refuse options format ``name`` does not read, listing those it does; check the
    ``articles`` and ``rows`` ranges."""
    valid = options_of(name)
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise MalformedDataError(f"{where}: format {name!r} has no option(s) {', '.join(unknown)}; "
                                 f"its options: {', '.join(valid) or 'none'}")
    for option in ("articles", "rows"):
        if option in options:
            index_range(option, options[option], where)


def parse(name: str, kind: str, path: Path, spec: Any, options: Options) -> Any:
    """Read ``path`` with format ``name`` (which must give ``kind`` data), then keep the rows
    ``rows: [start, stop]`` selects, when given: the one place every source applies it."""
    read = parser(name, kind, str(path))
    selection = options.get("rows")
    parsed = read(path, spec, {k: v for k, v in options.items() if k != "rows"})
    if selection is None:
        return parsed
    rows, labelled = parsed
    return select_rows(rows, selection, str(path)), labelled


def select_rows(rows: Rows, value: Any, where: str) -> Rows:
    """The rows whose index is in ``[start, stop)``, in file order; a range past the file's end
    is an error naming the file, the range and the number of rows it has."""
    start, stop = index_range("rows", value, where)
    if stop > len(rows):
        raise MalformedDataError(f"{where}: rows [{start}, {stop}] goes past the file's {len(rows)} rows "
                                 f"(rows as its format reads them: items, sentences or questions)")
    return rows[start:stop]


def parser(name: str, kind: str, where: str) -> Callable[[Path, Any, Options], Any]:
    """The parser called ``name``, which must produce ``kind`` rows; a clear error otherwise."""
    if name not in PARSERS:
        raise MalformedDataError(f"{where}: unknown format {name!r}; formats for {kind}: "
                                 f"{', '.join(n for n, k in KIND_OF_PARSER.items() if k == kind)}")
    if KIND_OF_PARSER[name] != kind:
        raise MalformedDataError(f"{where}: format {name!r} gives {KIND_OF_PARSER[name]} data, but this task is {kind}; "
                                 f"formats for {kind}: {', '.join(n for n, k in KIND_OF_PARSER.items() if k == kind)}")
    return PARSERS[name]
