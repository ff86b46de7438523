"""PAWS-X: adversarial paraphrase identification, trained on English PAWS, 7 languages."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from xtask.data.canonical import LabelCheck
from xtask.tasks.spec import Hub, Local, Role, TaskKind, TaskSpec

PAWSX_LABELS = ("0", "1")  # not paraphrase, paraphrase (XTREME writes the label as 0/1)
PAWSX_LANGUAGES = ("de", "en", "es", "fr", "ja", "ko", "zh")


def hub_paws(raw: Any, read: Any) -> Tuple[List[Dict[str, Any]], bool]:
    """google/xtreme's PAWS-X configs: ``sentence1``, ``sentence2``, ``label`` ("0"/"1" or 0/1)."""
    check = LabelCheck()
    rows = []
    for i, ex in enumerate(raw):
        raw_label = ex["label"]
        labelled = raw_label is not None and str(raw_label).strip() not in ("", "-1")
        check.see(f"{read.where} row {i}", labelled)
        rows.append({"id": f"pawsx-{read.split}-{read.lang}-{i}", "text_a": ex["sentence1"], "text_b": ex["sentence2"],
                     "label": PAWSX_LABELS.index(str(raw_label).strip()) if labelled else -1})
    return rows, check.verdict()


PAWSX = TaskSpec(
    name="pawsx", kind=TaskKind.classification, roles=frozenset({Role.target}),
    description="PAWS-X: paraphrase identification in 7 languages", display="PAWS-X", paper_name="PAWS-X",
    aliases=("paws",), group="classification", order=2, languages=PAWSX_LANGUAGES, labels=PAWSX_LABELS,
    local={split: Local(f"pawsx/{split}-{{lang}}.tsv", "pawsx_tsv") for split in ("train", "dev", "test")},
    hub=Hub("google/xtreme", config="PAWS-X.{lang}", splits={"train": "train", "dev": "validation", "test": "test"},
            convert=hub_paws),
)

SPECS = (PAWSX,)
