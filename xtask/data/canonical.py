"""The canonical columns of each task kind, and the checks every split passes once read.

Every reader, whatever the source (bundled mini copy, XTREME's download folder, the Hub, a
user's own files), returns rows in its kind's canonical columns, so that formats, training and
evaluation never see where data came from:

* classification: ``id``, ``text_a``, ``text_b`` (absent for single sentences), ``label``
  (index into the task's labels; -1 = unlabelled);
* tagging: ``id``, ``tokens``, ``tags`` (tag strings; empty list = unlabelled);
* qa: ``id``, ``title``, ``context``, ``question``, ``answers`` = ``{text: [...], answer_start: [...]}``;
* multiple_choice: ``id``, ``context``, ``question``, ``choices``, ``label`` (-1 = unlabelled);
* retrieval: a :class:`Bitext`.

A split is labelled or unlabelled as a whole (XTREME blanks the labels of its test files): an
unlabelled example inside a labelled file is malformed data, reported by file and line.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from xtask.data.readers import MalformedDataError

if TYPE_CHECKING:
    import datasets

UNLABELLED = -1

# The canonical columns of each kind of task (CLASSIFICATION, TAGGING, QA, MULTIPLE_CHOICE):
# datasets.Features, built on first use (importing datasets takes most of a second, which the
# commands that read no data, xtask status and aggregate, need not pay).
FEATURES = ("CLASSIFICATION", "TAGGING", "QA", "MULTIPLE_CHOICE")


def __getattr__(name: str) -> Any:
    if name in FEATURES:
        return _features()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.lru_cache(maxsize=None)
def _features() -> Dict[str, Any]:
    import datasets

    return {
        "CLASSIFICATION": datasets.Features({
            "id": datasets.Value("string"),
            "text_a": datasets.Value("string"),
            "text_b": datasets.Value("string"),
            "label": datasets.Value("int64"),
        }),
        "TAGGING": datasets.Features({
            "id": datasets.Value("string"),
            "tokens": datasets.Sequence(datasets.Value("string")),
            "tags": datasets.Sequence(datasets.Value("string")),
        }),
        "QA": datasets.Features({
            "id": datasets.Value("string"),
            "title": datasets.Value("string"),
            "context": datasets.Value("string"),
            "question": datasets.Value("string"),
            "answers": {
                "text": datasets.Sequence(datasets.Value("string")),
                "answer_start": datasets.Sequence(datasets.Value("int32")),
            },
        }),
        "MULTIPLE_CHOICE": datasets.Features({
            "id": datasets.Value("string"),
            "context": datasets.Value("string"),
            "question": datasets.Value("string"),
            "choices": datasets.Sequence(datasets.Value("string")),
            "label": datasets.Value("int64"),
        }),
    }


@dataclass(frozen=True)
class Bitext:
    """A retrieval split: the two sides with their ids, and the gold pairs when it has them."""

    src_ids: List[str]
    src: List[str]
    tgt_ids: List[str]
    tgt: List[str]
    # Gold (src_id, tgt_id) pairs; None when the split's gold is not available.
    gold: Optional[List[Tuple[str, str]]]

    def __len__(self) -> int:
        return len(self.src)

    @property
    def labelled(self) -> bool:
        return self.gold is not None


def build(rows: List[Dict[str, Any]], features: datasets.Features, where: str) -> datasets.Dataset:
    """A Dataset of canonical rows; an empty split is an error that names where it came from."""
    import datasets

    if not rows:
        raise MalformedDataError(f"{where}: no examples (the file or split is empty)")
    columns = [c for c in features if c in rows[0]]
    return datasets.Dataset.from_list(rows, features=datasets.Features({c: features[c] for c in columns}))


class LabelCheck:
    """Collects, while a split is parsed, which examples carry a label (each with its location,
    ``file:line`` or ``dataset row N``); :meth:`verdict` says whether the split is labelled and
    raises on a mix, naming the first example that differs from the split's first example."""

    def __init__(self) -> None:
        self.first: Optional[Tuple[str, bool]] = None
        self.mixed: Optional[Tuple[str, bool]] = None

    def see(self, location: str, labelled: bool) -> None:
        if self.first is None:
            self.first = (location, labelled)
        elif self.mixed is None and labelled != self.first[1]:
            self.mixed = (location, labelled)

    def verdict(self) -> bool:
        """True when every example is labelled, False when none is (or there is none)."""
        if self.mixed is not None:
            location, labelled = self.mixed
            first = self.first[0]  # type: ignore[index]
            this, other = ("has a label", "has none") if labelled else ("has no label", "has one")
            raise MalformedDataError(
                f"{location}: this example {this}, but {first} {other}. A split is labelled or unlabelled "
                "as a whole (XTREME blanks whole test files): label every example of this file, or none"
            )
        return bool(self.first and self.first[1])


def is_labelled(kind: str, data: Any) -> bool:
    """Whether a canonical split carries gold labels (it is all or nothing, see :class:`LabelCheck`)."""
    if isinstance(data, Bitext):
        return data.labelled
    if kind == "tagging":
        return bool(len(data)) and all(len(tags) > 0 for tags in data["tags"])
    if kind == "qa":
        return any(len(a["text"]) > 0 for a in data["answers"])
    return bool(len(data)) and all(label != UNLABELLED for label in data["label"])
