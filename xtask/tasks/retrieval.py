"""Retrieval targets: Tatoeba (xx -> en nearest neighbour) and BUCC 2018 (bitext mining).

They have no training data; a cell scores the (intermediate) encoder directly, and a read
returns a :class:`~xtask.data.canonical.Bitext`: both sides with their ids, and the gold pairs
when the split has them.
"""

from __future__ import annotations

from typing import Any

from xtask.data.canonical import Bitext
from xtask.data.languages import ISO3
from xtask.tasks.spec import Hub, Local, Role, TaskKind, TaskSpec

BUCC_LANGUAGES = ("de", "fr", "ru", "zh")
TATOEBA_LANGUAGES = tuple(
    "ar he vi id jv tl eu ml ta te af nl de el bn hi mr ur fa fr it pt es bg ru ja ka ko th sw zh kk tr et fi hu".split()
)


def hub_bitext(raw: Any, read: Any) -> Bitext:
    """google/xtreme's tatoeba configs: ``source_sentence`` / ``target_sentence``, aligned by row."""
    src, tgt = list(raw["source_sentence"]), list(raw["target_sentence"])
    ids = [str(i) for i in range(len(src))]
    return Bitext(ids, src, ids, tgt, [(i, i) for i in ids])


BUCC2018 = TaskSpec(
    name="bucc2018", kind=TaskKind.retrieval, roles=frozenset({Role.target}),
    description="BUCC 2018: parallel sentence mining (de/fr/ru/zh-en), scores the encoder directly",
    display="BUCC", paper_name="BUCC", aliases=("bucc",), group="retrieval", order=8,
    languages=BUCC_LANGUAGES, splits=("dev", "test"), metric="f1", retrieval="mining",
    local={split: Local(f"bucc2018/{{lang}}-en.{split}.{{lang}}", "bucc") for split in ("dev", "test")},
    hub=Hub("google/xtreme", config="bucc18.{lang}", splits={"dev": "validation", "test": "test"}, refuse=(
        "google/xtreme's bucc18 configs hold only the gold pairs, not the sentence pools they were mined from, so "
        "mining among them gives a meaningless F1. Use BUCC's own files as XTREME's download lays them out: "
        "data=xtreme_dir data.root=/path/to/xtreme/download (bucc2018/xx-en.{dev,test}.{xx,en,gold})")),
)

TATOEBA = TaskSpec(
    name="tatoeba", kind=TaskKind.retrieval, roles=frozenset({Role.target}),
    description="Tatoeba: xx->en sentence retrieval in 36 languages, scores the encoder directly",
    display="Tatoeba", paper_name="Tatoeba", group="retrieval", order=9,
    languages=TATOEBA_LANGUAGES, splits=("dev", "test"), split_aliases={"dev": "test"}, retrieval="nearest",
    # LASER's file names (ISO 639-3), or XTREME's download layout.
    local={"test": (Local("tatoeba/tatoeba.{iso3}-eng.{iso3}", "tatoeba_pair"), Local("tatoeba/{lang}-en.{lang}", "tatoeba_pair"))},
    hub=Hub("google/xtreme", config="tatoeba.{lang}", splits={"test": "validation"}, lang_names=ISO3, convert=hub_bitext),
)

SPECS = (BUCC2018, TATOEBA)
