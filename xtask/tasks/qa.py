"""Extractive QA in SQuAD format: SQuAD v1.1 (English training for XQuAD and MLQA), SQuAD 2.0,
XQuAD, MLQA, TyDiQA-GoldP."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Tuple

from xtask.data.canonical import LabelCheck
from xtask.data.readers import MalformedDataError
from xtask.tasks.spec import Hub, Local, Role, TaskKind, TaskSpec

log = logging.getLogger(__name__)

XQUAD_LANGUAGES = ("en", "es", "de", "el", "ru", "tr", "ar", "vi", "th", "zh", "hi")
MLQA_LANGUAGES = ("en", "es", "de", "ar", "hi", "vi", "zh")
TYDIQA_LANGUAGES = ("en", "ar", "bn", "fi", "id", "ko", "ru", "sw", "te")
TYDIQA_LANGUAGE_NAMES = {
    "ar": "arabic", "bn": "bengali", "en": "english", "fi": "finnish", "id": "indonesian",
    "ko": "korean", "ru": "russian", "sw": "swahili", "te": "telugu",
}


def aligned_start(context: str, text: str, start: int) -> int:
    """The offset of ``text`` in ``context``: ``start`` when it is there; else the occurrence a
    stripped context shifted it from (google/xtreme's QA configs strip each context but keep
    the original offsets, so an answer lies a few characters before its recorded start): the
    only occurrence, or the nearest one at or before ``start``. -1 when it cannot be told."""
    if context[start : start + len(text)] == text:
        return start
    found, at = [], context.find(text)
    while at != -1:
        found.append(at)
        at = context.find(text, at + 1)
    if len(found) == 1:
        return found[0]
    before = [at for at in found if at <= start]
    return max(before) if before else -1


def hub_squad(filter_language: bool = False):
    """A Hub converter for SQuAD-like columns (``id``, ``title``, ``context``, ``question``,
    ``answers``). Every answer offset is checked against its context and repaired where the
    context was stripped (see :func:`aligned_start`); repairs are counted in the log.
    ``filter_language``: google/xtreme's tydiqa config mixes languages; ids start with the name."""

    def convert(raw: Any, read: Any) -> Tuple[List[Dict[str, Any]], bool]:
        prefix = TYDIQA_LANGUAGE_NAMES.get(read.lang, read.lang) + "-"
        check = LabelCheck()
        rows, repaired, answers_seen = [], 0, 0
        for i, ex in enumerate(raw):
            if filter_language and not str(ex["id"]).startswith(prefix):
                continue
            texts, starts = [], []
            for text, start in zip(ex["answers"]["text"], ex["answers"]["answer_start"]):
                if not text:
                    continue
                answers_seen += 1
                fixed = aligned_start(ex["context"], text, int(start))
                if fixed < 0:
                    raise MalformedDataError(f"{read.where} row {i} (id {ex['id']!r}): answer {text!r} is not at "
                                             f"offset {start} of its context, nor found once in it")
                repaired += fixed != int(start)
                texts.append(text)
                starts.append(fixed)
            if not read.task.unanswerable:
                check.see(f"{read.where} row {i} (id {ex['id']!r})", bool(texts))
            rows.append({"id": str(ex["id"]), "title": ex.get("title") or "", "context": ex["context"],
                         "question": ex["question"], "answers": {"text": texts, "answer_start": starts}})
        if repaired:
            log.warning("%s: repaired %d of %d answer offsets shifted by a stripped context", read.where, repaired,
                        answers_seen)
        return rows, True if read.task.unanswerable else check.verdict()

    return convert


SQUAD = TaskSpec(
    name="squad", kind=TaskKind.qa, roles=frozenset({Role.inter, Role.data}),
    description="SQuAD v1.1, English extractive QA", display="SQuAD", paper_name="SQuAD", order=5,
    splits=("train", "dev"), metric="em_f1",
    local={"train": Local("squad/train-v1.1.json", "squad_json"), "dev": Local("squad/dev-v1.1.json", "squad_json")},
    hub=Hub("rajpurkar/squad", splits={"train": "train", "dev": "validation"}, convert=hub_squad()),
)

SQUAD_V2 = TaskSpec(
    name="squad_v2", kind=TaskKind.qa, roles=frozenset({Role.inter}),
    description="SQuAD 2.0, extractive QA with unanswerable questions", display="SQuAD 2.0", paper_name="SQuAD 2.0",
    order=6, splits=("train", "dev"), metric="em_f1", unanswerable=True,
    local={"train": Local("squad_v2/train-v2.0.json", "squad_json"), "dev": Local("squad_v2/dev-v2.0.json", "squad_json")},
    hub=Hub("rajpurkar/squad_v2", splits={"train": "train", "dev": "validation"}, convert=hub_squad()),
)

XQUAD = TaskSpec(
    name="xquad", kind=TaskKind.qa, roles=frozenset({Role.target}),
    description="XQuAD: SQuAD dev translated into 11 languages, trained on SQuAD v1.1", display="XQuAD",
    paper_name="XQuAD", group="qa", order=5, languages=XQUAD_LANGUAGES, metric="em_f1",
    # XQuAD is one evaluation set per language: dev and test both read it; it trains and selects on SQuAD.
    train_task="squad", selection_task="squad", split_aliases={"dev": "test"},
    local={"test": Local("xquad/xquad.{lang}.json", "squad_json")},
    hub=Hub("google/xtreme", config="XQuAD.{lang}", splits={"test": "validation"}, convert=hub_squad()),
)

MLQA = TaskSpec(
    name="mlqa", kind=TaskKind.qa, roles=frozenset({Role.target}),
    description="MLQA: extractive QA in 7 languages, trained on SQuAD v1.1", display="MLQA", paper_name="MLQA",
    group="qa", order=6, languages=MLQA_LANGUAGES, metric="em_f1", qa_normalisation="mlqa", train_task="squad",
    local={split: Local(f"mlqa/MLQA_V1/{split}/{split}-context-{{lang}}-question-{{lang}}.json", "squad_json")
           for split in ("dev", "test")},
    hub=Hub("google/xtreme", config="MLQA.{lang}.{lang}", splits={"dev": "validation", "test": "test"}, convert=hub_squad()),
)

TYDIQA = TaskSpec(
    name="tydiqa", kind=TaskKind.qa, roles=frozenset({Role.target}),
    description="TyDiQA-GoldP: typologically diverse QA in 9 languages, trained on its English train set",
    display="TyDiQA-GoldP", paper_name="TyDiQA", aliases=("tydiqagoldp",), group="qa", order=7,
    languages=TYDIQA_LANGUAGES, metric="em_f1",
    # TyDiQA-GoldP's dev set is XTREME's test set: there is no other labelled split to select on.
    has_selection_set=False, split_aliases={"test": "dev"},
    local={"train": Local("tydiqa/tydiqa-goldp-v1.1-train/tydiqa.goldp.en.train.json", "squad_json"),
           "dev": Local("tydiqa/tydiqa-goldp-v1.1-dev/tydiqa.goldp.{lang}.dev.json", "squad_json")},
    hub=Hub("google/xtreme", config="tydiqa", splits={"train": "train", "dev": "validation"},
            convert=hub_squad(filter_language=True)),
)

SPECS = (SQUAD, SQUAD_V2, XQUAD, MLQA, TYDIQA)
