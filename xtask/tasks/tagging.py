"""Token tagging: UD part-of-speech (UDPOS), WikiANN named entities (PAN-X), and two
intermediate tasks: English UD part-of-speech (UDPOS's own English data) and CCG supertagging
(on the licensed CCGbank, read from a local copy)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from xtask.data.canonical import LabelCheck
from xtask.data.readers import MalformedDataError
from xtask.tasks.spec import Hub, Local, Role, TaskKind, TaskSpec

UPOS_TAGS = (
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
    "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
)
PANX_TAGS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")
UDPOS_LANGUAGES = tuple(
    "af ar bg de el en es et eu fa fi fr he hi hu id it ja kk ko mr nl pt ru ta te th tl tr ur vi yo zh".split()
)
PANX_LANGUAGES = tuple(
    "ar he vi id jv ms tl eu ml ta te af nl en de el bn hi mr ur fa fr it pt es bg ru ja ka ko th sw yo my zh kk tr et fi hu".split()
)
# google/xtreme names its udpos configs by language name.
UDPOS_HUB_NAMES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "de": "German", "el": "Greek", "en": "English",
    "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian", "fi": "Finnish", "fr": "French",
    "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian", "id": "Indonesian", "it": "Italian", "ja": "Japanese",
    "kk": "Kazakh", "ko": "Korean", "mr": "Marathi", "nl": "Dutch", "pt": "Portuguese", "ru": "Russian",
    "ta": "Tamil", "te": "Telugu", "th": "Thai", "tl": "Tagalog", "tr": "Turkish", "ur": "Urdu",
    "vi": "Vietnamese", "yo": "Yoruba", "zh": "Chinese",
}


def hub_tags(column: str):
    """A Hub converter for ``tokens`` + a tag column (ClassLabel indices, or tag strings)."""

    def convert(raw: Any, read: Any) -> Tuple[List[Dict[str, Any]], bool]:
        feature = raw.features[column]
        names: Optional[List[str]] = getattr(getattr(feature, "feature", None), "names", None)
        valid = set(read.task.labels)
        check = LabelCheck()
        rows = []
        for i, ex in enumerate(raw):
            tags = [names[t] if names else str(t) for t in ex[column]]
            unknown = [t for t in tags if t not in valid]
            if unknown:
                raise MalformedDataError(f"{read.where} row {i}: unknown tag {unknown[0]!r}; valid tags: {', '.join(read.task.labels)}")
            check.see(f"{read.where} row {i}", bool(tags))
            rows.append({"id": f"{read.task.name}-{read.split}-{read.lang}-{i}", "tokens": list(ex["tokens"]), "tags": tags})
        return rows, check.verdict()

    return convert


UDPOS = TaskSpec(
    name="udpos", kind=TaskKind.tagging, roles=frozenset({Role.target}),
    description="Universal Dependencies part-of-speech tagging in 33 languages", display="UDPOS", paper_name="POS",
    aliases=("pos",), group="tagging", order=3,
    languages=UDPOS_LANGUAGES, labels=UPOS_TAGS, metric="f1",
    # XTREME's UD v2.5 release has no dev set for these (its download has test only).
    lacks_split={"dev": ("kk", "th", "tl", "yo")},
    local={split: Local(f"udpos/{split}-{{lang}}.tsv", "word_tag") for split in ("train", "dev", "test")},
    hub=Hub("google/xtreme", config="udpos.{lang}", splits={"train": "train", "dev": "validation", "test": "test"},
            lang_names=UDPOS_HUB_NAMES, convert=hub_tags("pos_tags")),
)

PANX = TaskSpec(
    name="panx", kind=TaskKind.tagging, roles=frozenset({Role.target}),
    description="PAN-X (WikiANN) named entity recognition in 40 languages", display="PAN-X", paper_name="NER",
    aliases=("ner", "wikiann"), group="tagging", order=4,
    languages=PANX_LANGUAGES, labels=PANX_TAGS, metric="f1",
    local={split: Local(f"panx/{split}-{{lang}}.tsv", "word_tag") for split in ("train", "dev", "test")},
    hub=Hub("google/xtreme", config="PAN-X.{lang}", splits={"train": "train", "dev": "validation", "test": "test"},
            convert=hub_tags("ner_tags")),
)


# English UD POS as an intermediate task: UDPOS's English training and dev sets (XTREME's
# layout, UD English-EWT), read by the same reader and converter. Before a udpos target it is
# in-domain repetition (both phases train on the same English sentences), not transfer.
UDPOS_EN = TaskSpec(
    name="udpos_en", kind=TaskKind.tagging, roles=frozenset({Role.inter}),
    description="English UD part-of-speech tagging (UDPOS's English data)", display="UDPOS-en",
    order=13, splits=("train", "dev"), labels=UPOS_TAGS, metric="f1",
    local={split: Local(f"udpos/{split}-en.tsv", "word_tag") for split in ("train", "dev")},
    hub=Hub("google/xtreme", config="udpos.English", splits={"train": "train", "dev": "validation"},
            convert=hub_tags("pos_tags")),
)


# --- CCG supertagging (intermediate task; CCGbank is licensed, read from a local copy) ---------

CCG_SECTIONS = {"train": [f"{s:02d}" for s in range(2, 22)], "dev": ["00"], "test": ["23"]}
CCGBANK_HELP = (
    "CCGbank is licensed by the LDC (LDC2005T13) and cannot be downloaded by xtask: obtain it, then set "
    "data.ccgbank=/path/to/ccgbank_1_1/data/AUTO (the folder with sections 00..24 of *.auto files)."
)


def ccg_files(root: Path, split: str) -> List[Path]:
    return [f for section in CCG_SECTIONS[split] for f in sorted((Path(root) / section).glob("*.auto"))]


@functools.lru_cache(maxsize=4)
def ccg_categories(root: Path) -> Tuple[str, ...]:
    """The supertag inventory: every category of the training sections, most frequent first."""
    from xtask.data.parsers import ccg_auto

    counts: Dict[str, int] = {}
    for path in ccg_files(root, "train"):
        rows, _ = ccg_auto(path, CCG, {})
        for row in rows:
            for cat in row["tags"]:
                counts[cat] = counts.get(cat, 0) + 1
    if not counts:
        raise MalformedDataError(f"no CCGbank training sections ({CCG_SECTIONS['train'][0]}..{CCG_SECTIONS['train'][-1]}) "
                                 f"under {root}. " + CCGBANK_HELP)
    return tuple(sorted(counts, key=lambda c: (-counts[c], c)))


def _ccg_labels(ctx: Any) -> Tuple[str, ...]:
    from xtask.data.errors import MissingDataError

    root = ccg_root(ctx)
    if not root.is_dir():
        raise MissingDataError(f"CCGbank folder not found: {root}. " + CCGBANK_HELP)
    return ccg_categories(root)


def ccg_root(ctx: Any) -> Path:
    """data.ccgbank, or the mini copy's ccg/AUTO under data=mini."""
    from xtask.config import DataSource
    from xtask.data.errors import MissingDataError

    if ctx.ccgbank:
        return Path(ctx.ccgbank)
    if ctx.source == DataSource.mini and ctx.root is not None:
        return ctx.root / "ccg" / "AUTO"
    raise MissingDataError("data.ccgbank is not set. " + CCGBANK_HELP)


CCG = TaskSpec(
    name="ccg", kind=TaskKind.tagging, roles=frozenset({Role.inter}),
    description="CCG supertagging on CCGbank (licensed: local copy)", display="CCG", paper_name="CCG", order=11,
    splits=("train", "dev", "test"), labels_from=_ccg_labels, metric="f1",
    local={split: Local(".", "ccg_sections", {"sections": CCG_SECTIONS[split]}) for split in CCG_SECTIONS},
    local_root=ccg_root,
)

SPECS = (UDPOS, PANX, UDPOS_EN, CCG)
