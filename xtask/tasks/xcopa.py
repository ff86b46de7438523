"""XCOPA (XTREME-R): two-choice causal commonsense reasoning in 11 languages, trained on English
COPA. XTREME-R's own recipe (scripts/train_xcopa.sh in google-research/xtreme) first trains on
Social IQa, then on COPA: in xtask, ``inter=socialiqa target=xcopa``."""

from __future__ import annotations

from xtask.tasks.english import hub_choices
from xtask.tasks.spec import Hub, Local, Role, TaskKind, TaskSpec

XCOPA_LANGUAGES = ("et", "ht", "id", "it", "qu", "sw", "ta", "th", "tr", "vi", "zh")
_QUESTIONS = {"cause": "What was the cause?", "effect": "What happened as a result?"}


def _copa_fields(ex):
    return ex["premise"], _QUESTIONS.get(str(ex["question"]), str(ex["question"])), [ex["choice1"], ex["choice2"]], ex["label"]


def _copa_label(raw, choices):
    return None if raw is None or int(raw) < 0 else int(raw)


COPA = TaskSpec(
    name="copa", kind=TaskKind.multiple_choice, roles=frozenset({Role.inter, Role.data}), order=12,
    description="COPA (SuperGLUE): English causal reasoning, 2 choices; XCOPA's training set",
    display="COPA", paper_name="COPA", splits=("train", "dev"),
    local={"train": Local("copa/train.jsonl", "copa_jsonl"), "dev": Local("copa/val.jsonl", "copa_jsonl")},
    # aps/super_glue's main branch is a loading script: the Hub's own parquet conversion of it
    # (revision refs/convert/parquet, one folder per config) has COPA's rows as released.
    hub=Hub("aps/super_glue", revision="refs/convert/parquet", data_dir="copa", splits={"train": "train", "dev": "validation"},
            convert=hub_choices(_copa_fields, _copa_label)),
)

XCOPA = TaskSpec(
    name="xcopa", kind=TaskKind.multiple_choice, roles=frozenset({Role.target}), order=10,
    description="XCOPA: causal commonsense reasoning in 11 languages, trained on English COPA (XTREME-R)",
    display="XCOPA", paper_name="XCOPA", group="classification", languages=XCOPA_LANGUAGES,
    train_task="copa", selection_task="copa", splits=("train", "dev", "test"),
    # XCOPA's release layout: data/LANG/{val,test}.LANG.jsonl.
    local={"dev": Local("xcopa/{lang}/val.{lang}.jsonl", "copa_jsonl"), "test": Local("xcopa/{lang}/test.{lang}.jsonl", "copa_jsonl")},
    hub=Hub("cambridgeltl/xcopa", config="{lang}", splits={"dev": "validation", "test": "test"},
            convert=hub_choices(_copa_fields, _copa_label)),
)

SPECS = (COPA, XCOPA)
