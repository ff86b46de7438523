"""Natural language inference: MNLI (intermediate task, and XNLI's English training set), XNLI,
and ANLI+ (ANLI rounds 1-3 + SNLI + MNLI under one 3-way head, the paper's strongest task)."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from xtask.data.canonical import LabelCheck
from xtask.data.readers import MalformedDataError
from xtask.tasks.spec import Hub, Local, Role, TaskKind, TaskSpec

# The label order of MNLI and XNLI on the Hub (0 entailment, 1 neutral, 2 contradiction).
NLI_LABELS = ("entailment", "neutral", "contradiction")
# XNLI's raw files spell one label differently; XTREME's preprocessing maps it too.
NLI_ALIASES = {"contradictory": "contradiction"}
XNLI_LANGUAGES = ("ar", "bg", "de", "el", "en", "es", "fr", "hi", "ru", "sw", "th", "tr", "ur", "vi", "zh")


def hub_pairs(a: str, b: str, drop_unlabelled: bool = True):
    """A Hub converter for sentence pairs with an integer ``label`` (a ClassLabel index, or
    0/1). ``drop_unlabelled``: rows labelled -1 are the datasets' "no gold label" (SNLI, MNLI:
    no annotator consensus) and are dropped, as their own readers do; otherwise -1 marks an
    unlabelled split (GLUE's test sets), which must be unlabelled as a whole."""

    def convert(raw: Any, read: Any) -> Tuple[List[Dict[str, Any]], bool]:
        check = LabelCheck()
        rows = []
        for i, ex in enumerate(raw):
            label = -1 if ex["label"] is None else int(ex["label"])
            if label < 0 and drop_unlabelled:
                continue
            if label >= len(read.task.labels):
                raise MalformedDataError(f"{read.where} row {i}: label {label} outside {read.task.labels}")
            check.see(f"{read.where} row {i}", label >= 0)
            row = {"id": f"{read.task.name}-{read.split}-{read.lang}-{i}", "text_a": ex[a], "label": label}
            if b:
                row["text_b"] = ex[b]
            rows.append(row)
        return rows, check.verdict()

    return convert


MNLI = TaskSpec(
    name="mnli", kind=TaskKind.classification, roles=frozenset({Role.inter, Role.data}),
    description="MultiNLI, English 3-way NLI", display="MNLI", paper_name="MNLI", order=2,
    labels=NLI_LABELS, label_aliases=NLI_ALIASES, splits=("train", "dev", "test"), split_aliases={"test": "dev"},
    local={"train": Local("mnli/train.jsonl", "multinli_jsonl"), "dev": Local("mnli/dev_matched.jsonl", "multinli_jsonl")},
    # XTREME's download ships MNLI's training set as XNLI's English training file; its dev is XNLI's.
    xtreme_dir={"train": Local("xnli/train-en.tsv", "pair_tsv"), "dev": Local("xnli/dev-en.tsv", "pair_tsv")},
    hub=Hub("nyu-mll/multi_nli", splits={"train": "train", "dev": "validation_matched"},
            convert=hub_pairs("premise", "hypothesis")),
)

XNLI = TaskSpec(
    name="xnli", kind=TaskKind.classification, roles=frozenset({Role.target}),
    description="XNLI: NLI in 15 languages, trained on English MNLI", display="XNLI", paper_name="XNLI",
    aliases=("nli",), group="classification", order=1,
    languages=XNLI_LANGUAGES, labels=NLI_LABELS, label_aliases=NLI_ALIASES, train_task="mnli",
    local={"dev": Local("xnli/dev-{lang}.tsv", "pair_tsv"), "test": Local("xnli/test-{lang}.tsv", "pair_tsv")},
    hub=Hub("facebook/xnli", config="{lang}", splits={"train": "train", "dev": "validation", "test": "test"},
            convert=hub_pairs("premise", "hypothesis", drop_unlabelled=False)),
)


def _anli_round(round_: int) -> TaskSpec:
    return TaskSpec(
        name=f"anli_r{round_}", kind=TaskKind.classification, roles=frozenset({Role.data}),
        description=f"ANLI round {round_} (part of ANLI+)", display=f"ANLI R{round_}",
        labels=NLI_LABELS, splits=("train", "dev"),
        local={split: Local(f"anli/R{round_}/{split}.jsonl", "anli_jsonl") for split in ("train", "dev")},
        hub=Hub("facebook/anli", splits={"train": f"train_r{round_}", "dev": f"dev_r{round_}"},
                convert=hub_pairs("premise", "hypothesis")),
    )


SNLI = TaskSpec(
    name="snli", kind=TaskKind.classification, roles=frozenset({Role.data}),
    description="SNLI 1.0 (part of ANLI+; pairs without a gold label dropped)", display="SNLI",
    labels=NLI_LABELS, splits=("train", "dev"),
    local={split: Local(f"snli/snli_1.0_{split}.jsonl", "snli_jsonl") for split in ("train", "dev")},
    hub=Hub("stanfordnlp/snli", splits={"train": "train", "dev": "validation"}, convert=hub_pairs("premise", "hypothesis")),
)

ANLI_PLUS = TaskSpec(
    name="anli_plus", kind=TaskKind.classification, roles=frozenset({Role.inter}),
    description="ANLI rounds 1-3 + MNLI + SNLI, one 3-way NLI head", display="ANLI+", paper_name="ANLI+",
    aliases=("anli",), labels=NLI_LABELS, splits=("train", "dev"),
    parts=("anli_r1", "anli_r2", "anli_r3", "snli", "mnli"), order=1,
)

SPECS = (MNLI, XNLI, _anli_round(1), _anli_round(2), _anli_round(3), SNLI, ANLI_PLUS)
