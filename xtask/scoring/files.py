"""Readers for XTREME's prediction and label files.

They read exactly what XTREME's ``evaluate.py`` reads (same line splitting, same stripping, same
sentence breaks), so that a file scores the same here and there; unlike XTREME they turn an
unreadable or malformed file into a :class:`ScoringError` that names the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List


class ScoringError(Exception):
    """Prediction or label files that cannot be scored; the message names the file and the fix."""


def _open_text(path: Path):
    # Text mode with universal newlines, as XTREME's plain ``open(file)``: "\n", "\r\n" and "\r"
    # end a line; other Unicode line separators (U+2028, ...) do not.
    try:
        return open(path, "r", encoding="utf-8")
    except OSError as err:
        raise ScoringError(f"cannot open {path}: {err.strerror or err}") from err


def _lines(path: Path) -> List[str]:
    with _open_text(path) as handle:
        try:
            return [line.strip() for line in handle]
        except UnicodeDecodeError as err:
            raise ScoringError(f"{path} is not UTF-8 text ({err.reason} at byte {err.start})") from err


def read_label_file(path: Path) -> List[str]:
    """One example per line, surrounding whitespace stripped (blank lines are examples too)."""
    return _lines(Path(path))


def read_tag_file(path: Path) -> List[List[str]]:
    """One tag per line, a blank line after each sentence.

    Every blank line closes the current sentence, even an empty one (two blank lines in a row
    give an empty sentence, as in XTREME); a last sentence without a blank line after it counts.
    """
    sentences: List[List[str]] = []
    current: List[str] = []
    for line in _lines(Path(path)):
        if line:
            current.append(line)
        else:
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return sentences


def _load_json(path: Path) -> Any:
    with _open_text(path) as handle:
        try:
            return json.load(handle)
        except json.JSONDecodeError as err:
            raise ScoringError(f"{path} is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}") from err
        except UnicodeDecodeError as err:
            raise ScoringError(f"{path} is not UTF-8 text ({err.reason} at byte {err.start})") from err


def _check_squad(path: Path, data: Any) -> None:
    """Fail with the position of the first entry that is not SQuAD-shaped."""

    def fail(where: str, what: str) -> None:
        raise ScoringError(f"{path} is not SQuAD-format: {where} {what}")

    if not isinstance(data, list):
        fail("the top level", "should be a list of articles (or an object whose 'data' is one)")
    for a, article in enumerate(data):
        if not isinstance(article, dict) or not isinstance(article.get("paragraphs"), list):
            fail(f"article {a}", "needs a 'paragraphs' list")
        for p, paragraph in enumerate(article["paragraphs"]):
            if not isinstance(paragraph, dict) or not isinstance(paragraph.get("qas"), list):
                fail(f"article {a} paragraph {p}", "needs a 'qas' list")
            for q, qa in enumerate(paragraph["qas"]):
                where = f"article {a} paragraph {p} question {q}"
                if not isinstance(qa, dict) or not isinstance(qa.get("id"), str):
                    fail(where, "needs a string 'id'")
                answers = qa.get("answers")
                if not isinstance(answers, list):
                    fail(f"{where} (id {qa['id']!r})", "needs an 'answers' list")
                if not all(isinstance(ans, dict) and isinstance(ans.get("text"), str) for ans in answers):
                    fail(f"{where} (id {qa['id']!r})", "has an answer without a string 'text'")


def read_squad_file(path: Path) -> List[Dict[str, Any]]:
    """A SQuAD-format label file: its ``data`` list if the object has one, else the object itself."""
    path = Path(path)
    obj = _load_json(path)
    data = obj["data"] if isinstance(obj, dict) and "data" in obj else obj
    _check_squad(path, data)
    return data


def read_qa_predictions(path: Path) -> Dict[str, str]:
    """A QA prediction file: one JSON object ``{question_id: answer_text}``."""
    path = Path(path)
    obj = _load_json(path)
    if not isinstance(obj, dict):
        raise ScoringError(f"{path} should hold a JSON object {{question_id: answer_text}}, not a {type(obj).__name__}")
    for qid, answer in obj.items():
        if not isinstance(answer, str):
            raise ScoringError(f"{path}: the answer to question {qid!r} should be a string, not {answer!r}")
    return obj


def read_jsonl_labels(path: Path) -> List[str]:
    """XTREME-R's multiple-choice files (XCOPA): one JSON object per line with a ``label``."""
    path = Path(path)
    labels = []
    for number, line in enumerate(_lines(path), start=1):
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise ScoringError(f"{path}:{number}: not valid JSON ({err.msg})") from err
        if not isinstance(obj, dict) or "label" not in obj:
            raise ScoringError(f"{path}:{number}: expected an object with a 'label'")
        labels.append(str(obj["label"]))
    return labels


def write_labels(kind: str, payload: Any) -> str:
    """The text of a predictions or labels file in XTREME's layout, by file kind: ``label`` (one
    per line), ``tag`` (one tag per line, a blank line after each sentence), ``squad`` (JSON),
    ``jsonl`` (XTREME-R's ``{"label": ...}`` per line)."""
    if kind == "squad":
        return json.dumps(payload, ensure_ascii=False, indent=1) + "\n"
    if kind == "tag":
        return "".join("".join(f"{tag}\n" for tag in sentence) + "\n" for sentence in payload)
    if kind == "jsonl":
        return "".join(json.dumps({"label": int(label) if str(label).isdigit() else label}) + "\n" for label in payload)
    return "".join(f"{line}\n" for line in payload)
