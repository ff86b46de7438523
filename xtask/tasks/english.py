"""The paper's English intermediate tasks besides NLI, QA and CCG: QQP, SST-2, and the
multiple-choice tasks HellaSwag, Cosmos QA, CommonsenseQA and Social IQa.

Each reads its dataset's own release layout locally (the bundled mini copy uses it too):

    qqp/{train,dev}.tsv                    GLUE QQP (id qid1 qid2 question1 question2 is_duplicate)
    sst2/{train,dev}.tsv                   GLUE SST-2 (sentence label)
    hellaswag/hellaswag_{train,val}.jsonl  HellaSwag (ctx, endings, label)
    cosmosqa/{train,valid}.csv             Cosmos QA (id context question answer0..3 label)
    commonsenseqa/{train,dev}_rand_split.jsonl  CommonsenseQA (original or Hub layout)
    socialiqa/{train,dev}.jsonl + {train,dev}-labels.lst  Social IQa (labels 1-based)
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from xtask.data.canonical import UNLABELLED, LabelCheck
from xtask.data.readers import MalformedDataError
from xtask.tasks.nli import hub_pairs
from xtask.tasks.spec import Hub, Local, Role, TaskKind, TaskSpec

BINARY_LABELS = ("0", "1")
INTER = frozenset({Role.inter})


def hub_choices(fields: Callable[[Dict[str, Any]], Tuple[str, str, Sequence[str], Any]],
                label: Callable[[Any, Sequence[str]], Optional[int]]):
    """A Hub converter for multiple choice: ``fields(row) -> (context, question, choices, raw
    label)``, ``label(raw, choices) -> index`` (None = no label: an unlabelled split)."""

    def convert(raw: Any, read: Any) -> Tuple[List[Dict[str, Any]], bool]:
        check = LabelCheck()
        rows = []
        for i, ex in enumerate(raw):
            context, question, choices, raw_label = fields(ex)
            where = f"{read.where} row {i}"
            try:
                index = label(raw_label, choices)
            except (ValueError, IndexError) as err:
                raise MalformedDataError(f"{where}: label {raw_label!r} is not one of its {len(choices)} choices ({err})") from err
            if index is not None and not 0 <= index < len(choices):
                raise MalformedDataError(f"{where}: label {raw_label!r} is not one of its {len(choices)} choices")
            check.see(where, index is not None)
            rows.append({"id": f"{read.task.name}-{read.split}-{i}", "context": context, "question": question,
                         "choices": list(choices), "label": UNLABELLED if index is None else index})
        return rows, check.verdict()

    return convert


def _int_label(base: int = 0) -> Callable[[Any, Sequence[str]], Optional[int]]:
    def label(raw: Any, choices: Sequence[str]) -> Optional[int]:
        if raw is None or str(raw).strip() in ("", "-1"):
            return None
        return int(str(raw).strip()) - base

    return label


def _letter_label(raw: Any, choices: Sequence[str]) -> Optional[int]:
    return None if not raw else "ABCDE".index(str(raw).strip())


QQP = TaskSpec(
    name="qqp", kind=TaskKind.classification, roles=INTER, order=3,
    description="Quora Question Pairs, duplicate detection", display="QQP", paper_name="QQP",
    labels=BINARY_LABELS, splits=("train", "dev"),
    local={split: Local(f"qqp/{split}.tsv", "tsv", {"columns": {"text_a": "question1", "text_b": "question2",
                                                               "label": "is_duplicate"}}) for split in ("train", "dev")},
    hub=Hub("nyu-mll/glue", config="qqp", splits={"train": "train", "dev": "validation"},
            convert=hub_pairs("question1", "question2", drop_unlabelled=False)),
)

SST2 = TaskSpec(
    name="sst2", kind=TaskKind.classification, roles=INTER, order=4,
    description="SST-2, binary sentiment", display="SST-2", paper_name="SST-2", aliases=("sst",),
    labels=BINARY_LABELS, splits=("train", "dev"),
    local={split: Local(f"sst2/{split}.tsv", "tsv", {"columns": {"text_a": "sentence", "label": "label"}})
           for split in ("train", "dev")},
    hub=Hub("nyu-mll/glue", config="sst2", splits={"train": "train", "dev": "validation"},
            convert=hub_pairs("sentence", "", drop_unlabelled=False)),
)

HELLASWAG = TaskSpec(
    name="hellaswag", kind=TaskKind.multiple_choice, roles=INTER, order=7,
    description="HellaSwag, 4 endings", display="HellaSwag", paper_name="HellaSwag", splits=("train", "dev"),
    local={"train": Local("hellaswag/hellaswag_train.jsonl", "hellaswag_jsonl"),
           "dev": Local("hellaswag/hellaswag_val.jsonl", "hellaswag_jsonl")},
    # Rowan/hellaswag's main branch holds a loading script (datasets >= 4 does not run them); its
    # pull request 7 converts it to parquet files (same rows and columns; a PR ref stays once merged).
    hub=Hub("Rowan/hellaswag", revision="refs/pr/7", splits={"train": "train", "dev": "validation"},
            convert=hub_choices(lambda ex: (ex["ctx"], "", ex["endings"], ex["label"]), _int_label())),
)

COSMOSQA = TaskSpec(
    name="cosmosqa", kind=TaskKind.multiple_choice, roles=INTER, order=8,
    description="Cosmos QA, 4 answers", display="CosmosQA", paper_name="CosmosQA", splits=("train", "dev"),
    local={"train": Local("cosmosqa/train.csv", "cosmosqa_csv"), "dev": Local("cosmosqa/valid.csv", "cosmosqa_csv")},
    # allenai/cosmos_qa is a loading script only; Samsoup/cosmos_qa holds it as parquet: the same
    # columns and dtypes and the same 25,262 / 6,963 / 2,985 rows (train / test / validation).
    hub=Hub("Samsoup/cosmos_qa", splits={"train": "train", "dev": "validation"},
            convert=hub_choices(lambda ex: (ex["context"], ex["question"], [ex[f"answer{i}"] for i in range(4)],
                                            ex["label"]), _int_label())),
)

COMMONSENSEQA = TaskSpec(
    name="commonsenseqa", kind=TaskKind.multiple_choice, roles=INTER, order=9,
    description="CommonsenseQA, 5 answers", display="CommonsenseQA", paper_name="CSQA", aliases=("csqa",),
    splits=("train", "dev"),
    local={split: Local(f"commonsenseqa/{split}_rand_split.jsonl", "csqa_jsonl") for split in ("train", "dev")},
    hub=Hub("tau/commonsense_qa", splits={"train": "train", "dev": "validation"},
            convert=hub_choices(lambda ex: ("", ex["question"], ex["choices"]["text"], ex["answerKey"]), _letter_label)),
)

SOCIALIQA = TaskSpec(
    name="socialiqa", kind=TaskKind.multiple_choice, roles=INTER, order=10,
    description="Social IQa, 3 answers", display="SocialIQA", paper_name="SIQA", aliases=("siqa",),
    splits=("train", "dev"),
    local={split: Local(f"socialiqa/{split}.jsonl", "siqa_jsonl") for split in ("train", "dev")},
    # allenai/social_i_qa is a loading script only; lighteval/siqa holds it as parquet: the same six
    # columns and the same 33,410 / 1,954 rows, labels "1".."3".
    hub=Hub("lighteval/siqa", splits={"train": "train", "dev": "validation"},
            convert=hub_choices(lambda ex: (ex["context"], ex["question"], [ex["answerA"], ex["answerB"], ex["answerC"]],
                                            ex["label"]), _int_label(base=1))),
)

SPECS = (QQP, SST2, HELLASWAG, COSMOSQA, COMMONSENSEQA, SOCIALIQA)
