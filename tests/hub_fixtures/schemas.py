"""Expected layout and schema of every Hub dataset xtask reads, kept in one place.

Each entry describes one Hub dataset repo (``owner/name``) at one revision: how its files are laid
out, its config names (``{lang}`` patterns expanded over the languages the fixtures cover), the
split names of each config, and the exact ``datasets.Features`` that
``datasets.load_dataset(path, config, split=...)`` returns for it. The sources of these facts,
and what could not be verified, are in ``SCHEMAS.md`` next to this file.

``generate.py`` writes the offline mirror from these entries, and ``tests/test_hub_fixtures.py``
loads the mirror back and compares it with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Tuple

from datasets import ClassLabel, Features, Sequence, Value

# --- layouts -----------------------------------------------------------------------------------

# README.md with `configs:` (data_files per split) + `dataset_info:`, and one parquet file per
# (config, split) at `<dir>/<split>-00000-of-00001.parquet`: what the Hub's "Convert dataset to
# Parquet" pull requests and `push_to_hub` produce.
DATA_FILES = "data_files"
# The Hub's automatic parquet export (revision "refs/convert/parquet"): `<config>/<split>/0000.parquet`
# and no README (the converter deletes it). Loaded with `data_dir=<config>`; split names are
# inferred from the folder names, so only train/validation/test-like names survive.
PARQUET_EXPORT = "parquet_export"
# Only a loading script `<name>.py` (and a card without `configs:`): datasets >= 4 refuses it with
# `RuntimeError: Dataset scripts are no longer supported, but found <name>.py`.
SCRIPT_ONLY = "script_only"

# --- label sets --------------------------------------------------------------------------------

NLI_NAMES = ("entailment", "neutral", "contradiction")
# google/xtreme udpos.* pos_tags, in the loading script's order (alphabetical UPOS).
UPOS_NAMES = (
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
    "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
)
# google/xtreme PAN-X.* ner_tags, in the loading script's order.
PANX_NAMES = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")

S = Value("string")
I32 = Value("int32")

# --- feature sets ------------------------------------------------------------------------------

MULTI_NLI = Features({
    "promptID": I32, "pairID": S, "premise": S, "premise_binary_parse": S, "premise_parse": S,
    "hypothesis": S, "hypothesis_binary_parse": S, "hypothesis_parse": S, "genre": S,
    "label": ClassLabel(names=list(NLI_NAMES)),
})
SNLI = Features({"premise": S, "hypothesis": S, "label": ClassLabel(names=list(NLI_NAMES))})
XNLI = SNLI
ANLI = Features({
    "uid": S, "premise": S, "hypothesis": S, "label": ClassLabel(names=list(NLI_NAMES)), "reason": S,
})
GLUE_QQP = Features({
    "question1": S, "question2": S, "label": ClassLabel(names=["not_duplicate", "duplicate"]), "idx": I32,
})
GLUE_SST2 = Features({"sentence": S, "label": ClassLabel(names=["negative", "positive"]), "idx": I32})
# SQuAD v1.1 / v2.0 (rajpurkar/*): answers lists text first, then answer_start.
SQUAD = Features({
    "id": S, "title": S, "context": S, "question": S,
    "answers": Sequence({"text": S, "answer_start": I32}),
})
HELLASWAG = Features({
    "ind": I32, "activity_label": S, "ctx_a": S, "ctx_b": S, "ctx": S, "endings": Sequence(S),
    "source_id": S, "split": S, "split_type": S, "label": S,
})
COSMOS_QA = Features({
    "id": S, "context": S, "question": S, "answer0": S, "answer1": S, "answer2": S, "answer3": S,
    "label": I32,
})
COMMONSENSE_QA = Features({
    "id": S, "question": S, "question_concept": S, "choices": Sequence({"label": S, "text": S}),
    "answerKey": S,
})
SOCIAL_IQA = Features({
    "context": S, "question": S, "answerA": S, "answerB": S, "answerC": S, "label": S,
})
# google/xtreme (parquet conversion of its former loading script).
XTREME_PAWSX = Features({"sentence1": S, "sentence2": S, "label": S})
XTREME_UDPOS = Features({"tokens": Sequence(S), "pos_tags": Sequence(ClassLabel(names=list(UPOS_NAMES)))})
XTREME_PANX = Features({
    "tokens": Sequence(S), "ner_tags": Sequence(ClassLabel(names=list(PANX_NAMES))), "langs": Sequence(S),
})
# XTREME's QA answers list answer_start first, then text; XQuAD has no title.
_XTREME_ANSWERS = Sequence({"answer_start": I32, "text": S})
XTREME_XQUAD = Features({"id": S, "context": S, "question": S, "answers": _XTREME_ANSWERS})
XTREME_MLQA = Features({"id": S, "title": S, "context": S, "question": S, "answers": _XTREME_ANSWERS})
XTREME_TYDIQA = XTREME_MLQA
XTREME_BITEXT = Features({"source_sentence": S, "target_sentence": S, "source_lang": S, "target_lang": S})
XCOPA = Features({
    "premise": S, "choice1": S, "choice2": S, "question": S, "label": I32, "idx": I32,
    "changed": Value("bool"),
})
SUPERGLUE_COPA = Features({
    "premise": S, "choice1": S, "choice2": S, "question": S, "idx": I32,
    "label": ClassLabel(names=["choice1", "choice2"]),
})


@dataclass(frozen=True)
class ConfigSchema:
    """One config (or a ``{lang}`` family of configs) of a Hub dataset."""

    pattern: str                        # config name; "{lang}" is replaced by each of `langs`
    splits: Tuple[str, ...]             # split names, in the order the card lists them
    features: Features
    kind: str                           # which row builder of generate.py fills it
    langs: Tuple[str, ...] = ()         # languages the fixtures cover (not all the Hub has)
    splits_by_lang: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)
    directory: Optional[str] = None     # folder holding its files; default: see `dir_for`

    def expand(self) -> List[Tuple[str, str, Tuple[str, ...]]]:
        """(lang, config name, splits) for every config this entry stands for."""
        if "{lang}" not in self.pattern:
            return [("", self.pattern, self.splits)]
        return [(lang, self.pattern.format(lang=lang), self.splits_by_lang.get(lang, self.splits))
                for lang in self.langs]

    def dir_for(self, config: str) -> str:
        if self.directory is not None:
            return self.directory
        return "data" if config == "default" else config


@dataclass(frozen=True)
class RepoSchema:
    repo: str                           # owner/name on the Hub
    layout: str                         # DATA_FILES, PARQUET_EXPORT or SCRIPT_ONLY
    configs: Tuple[ConfigSchema, ...]
    revision: str = "main"              # the Hub revision this layout describes
    note: str = ""

    @property
    def script_name(self) -> str:
        return self.repo.split("/")[-1] + ".py"

    def expand(self) -> List[Tuple[str, str, Tuple[str, ...], ConfigSchema]]:
        return [(lang, config, splits, schema) for schema in self.configs
                for lang, config, splits in schema.expand()]


TRAIN_VAL_TEST = ("train", "validation", "test")

_REPOS: Tuple[RepoSchema, ...] = (
    # --- English training / intermediate tasks --------------------------------------------
    RepoSchema("nyu-mll/multi_nli", DATA_FILES, (
        ConfigSchema("default", ("train", "validation_matched", "validation_mismatched"), MULTI_NLI, "multi_nli"),
    )),
    RepoSchema("rajpurkar/squad", DATA_FILES, (
        ConfigSchema("plain_text", ("train", "validation"), SQUAD, "squad"),
    )),
    RepoSchema("rajpurkar/squad_v2", DATA_FILES, (
        ConfigSchema("squad_v2", ("train", "validation"), SQUAD, "squad_v2"),
    )),
    RepoSchema("facebook/anli", DATA_FILES, (
        ConfigSchema("plain_text", tuple(f"{s}_r{r}" for r in (1, 2, 3) for s in ("train", "dev", "test")),
                     ANLI, "anli"),
    )),
    RepoSchema("stanfordnlp/snli", DATA_FILES, (
        ConfigSchema("plain_text", ("test", "validation", "train"), SNLI, "snli"),
    )),
    RepoSchema("nyu-mll/glue", DATA_FILES, (
        ConfigSchema("qqp", TRAIN_VAL_TEST, GLUE_QQP, "qqp"),
        ConfigSchema("sst2", TRAIN_VAL_TEST, GLUE_SST2, "sst2"),
    )),
    RepoSchema("Rowan/hellaswag", DATA_FILES, (
        ConfigSchema("default", ("train", "test", "validation"), HELLASWAG, "hellaswag"),
    ), revision="refs/pr/7",
        note="main still served hellaswag.py in the stored snapshot; refs/pr/7 is the parquet conversion"),
    RepoSchema("tau/commonsense_qa", DATA_FILES, (
        ConfigSchema("default", TRAIN_VAL_TEST, COMMONSENSE_QA, "commonsense_qa"),
    )),
    # Script-only on main: what the product must recognise and refuse clearly.
    RepoSchema("allenai/social_i_qa", SCRIPT_ONLY, (
        ConfigSchema("default", ("train", "validation"), SOCIAL_IQA, "social_iqa"),
    ), note="use lighteval/siqa (or revision refs/pr/3)"),
    RepoSchema("allenai/cosmos_qa", SCRIPT_ONLY, (
        ConfigSchema("default", ("train", "test", "validation"), COSMOS_QA, "cosmos_qa"),
    ), note="no official parquet; Samsoup/cosmos_qa mirrors it"),
    # Script-free copies.
    RepoSchema("lighteval/siqa", DATA_FILES, (
        ConfigSchema("default", ("train", "validation"), SOCIAL_IQA, "social_iqa"),
    )),
    RepoSchema("Samsoup/cosmos_qa", DATA_FILES, (
        ConfigSchema("default", ("train", "test", "validation"), COSMOS_QA, "cosmos_qa"),
    )),
    RepoSchema("aps/super_glue", PARQUET_EXPORT, (
        ConfigSchema("copa", TRAIN_VAL_TEST, SUPERGLUE_COPA, "copa"),
    ), revision="refs/convert/parquet",
        note="main serves super_glue.py; load with revision='refs/convert/parquet', data_dir='copa'"),
    # --- cross-lingual targets -------------------------------------------------------------
    RepoSchema("facebook/xnli", DATA_FILES, (
        ConfigSchema("{lang}", ("train", "test", "validation"), XNLI, "xnli", langs=("en", "de")),
    )),
    RepoSchema("cambridgeltl/xcopa", DATA_FILES, (
        ConfigSchema("{lang}", ("validation", "test"), XCOPA, "xcopa", langs=("et", "zh")),
    )),
    RepoSchema("google/xtreme", DATA_FILES, (
        ConfigSchema("PAWS-X.{lang}", TRAIN_VAL_TEST, XTREME_PAWSX, "pawsx", langs=("en", "de")),
        ConfigSchema("udpos.{lang}", TRAIN_VAL_TEST, XTREME_UDPOS, "udpos",
                     langs=("English", "German", "Kazakh", "Thai"),
                     # The loading script gave Kazakh train+test, and Tagalog/Thai/Yoruba test only.
                     splits_by_lang={"Kazakh": ("train", "test"), "Thai": ("test",)}),
        ConfigSchema("PAN-X.{lang}", TRAIN_VAL_TEST, XTREME_PANX, "panx", langs=("en", "de")),
        ConfigSchema("XQuAD.{lang}", ("validation",), XTREME_XQUAD, "xquad", langs=("en", "de")),
        ConfigSchema("MLQA.{lang}", ("validation", "test"), XTREME_MLQA, "mlqa", langs=("en.en", "de.de")),
        ConfigSchema("tydiqa", ("train", "validation"), XTREME_TYDIQA, "tydiqa"),
        ConfigSchema("bucc18.{lang}", ("validation", "test"), XTREME_BITEXT, "bucc18", langs=("de",)),
        ConfigSchema("tatoeba.{lang}", ("validation",), XTREME_BITEXT, "tatoeba", langs=("deu",)),
    )),
)

SCHEMAS: Dict[str, RepoSchema] = {r.repo: r for r in _REPOS}

# Languages the fixture rows of each `{lang}` family are written in, by config language.
TYDIQA_LANGUAGES = ("english", "indonesian")
