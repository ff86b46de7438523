"""The README written next to the mini datasets (kept here so generate.py stays short)."""

from __future__ import annotations

from typing import Sequence

from mini.ccg import CCG_FILES, CCG_SIZES
from mini.choice import (
    COMMONSENSEQA_SIZES,
    COSMOSQA_SIZES,
    HELLASWAG_SIZES,
    SOCIALIQA_SIZES,
)
from mini.english import (
    ANLI_SIZES,
    QQP_SIZES,
    SNLI_NO_CONSENSUS,
    SNLI_SIZES,
    SQUAD_V2_SIZES,
    SST2_SIZES,
    TRANSLATED_LANGUAGES,
    TRANSLATED_TRAIN_SIZE,
)
from mini.lexicon import LANGUAGES, LOCATIONS, ORGANISATIONS, PERSONS
from mini.nli import MNLI_SIZES, PAWSX_LANGUAGES, PAWSX_SAME_ORDER, PAWSX_SIZES, XNLI_SIZE
from mini.qa import (
    MLQA_LANGUAGES,
    MLQA_SIZES,
    SQUAD_SIZES,
    TYDIQA_DEV_SIZE,
    TYDIQA_LANGUAGES,
    TYDIQA_TRAIN_SIZE,
    XQUAD_LANGUAGES,
    XQUAD_SIZE,
)
from mini.retrieval import BUCC_GOLD, BUCC_LANGUAGES, BUCC_UNRELATED, TATOEBA_LANGUAGES, TATOEBA_SIZE
from mini.tagging import PANX_LANGUAGES, TAGGING_SIZES, UDPOS_LANGUAGES


def _langs(langs: Sequence[str]) -> str:
    return " ".join(langs)


def readme() -> str:
    tag = TAGGING_SIZES
    return f"""# xtask mini datasets (synthetic)

Every sentence here is synthetic: written by the xtask authors as a small lexicon of a toy world
("the man is sleeping in the park with a friend"; {len(PERSONS)} invented people, and {len(LOCATIONS)} real
cities/countries and {len(ORGANISATIONS)} real companies used only as names) in 9 languages ({", ".join(LANGUAGES)}; six scripts),
and combined by a seeded generator. Nothing was downloaded or copied from a real dataset; the
files only mimic the on-disk layouts that XTREME's `scripts/download_data.sh` (with its
`utils_preprocess.py`) leaves in its `download/` folder, so one reader serves this copy and a real
download. Languages per task = XTREME's list for the task ∩ our 9.

Regenerate (byte-identical) or verify with:

    python tests/mini/generate.py            # writes xtask/resources/mini
    python tests/mini/generate.py --check    # exits non-zero if these files differ

Sources: `tests/mini/lexicon.py` (words, UPOS/entity tags, word order, questions) and
`tests/mini/{{generate,common,nli,tagging,qa,retrieval}}.py`; the English intermediate tasks in
`tests/mini/{{english,choice,ccg}}.py`; COPA and XCOPA in `tests/mini/xcopa.py`.

Deliberate differences from XTREME's folder: test files KEEP their labels/answers (XTREME strips
them: tag-less test tag files, empty test answers, no BUCC test gold), and the Tatoeba English
side stays line-aligned with the other side (XTREME sorts it). Our tsv files end lines with `\\n`
(XTREME's `csv.writer` default writes `\\r\\n`); read them with the csv module and `newline=""`.

## Sentence-pair classification

- `mnli/train.jsonl` ({MNLI_SIZES["train"]} rows), `mnli/dev_matched.jsonl` ({MNLI_SIZES["dev_matched"]} rows):
  MultiNLI 1.0 jsonl layout, English, one JSON object per line with keys `annotator_labels`
  (list of one label), `genre` (`mini`), `gold_label`, `pairID`, `promptID`, `sentence1`
  (premise), `sentence2` (hypothesis). Labels `entailment`/`neutral`/`contradiction`, one third
  each, shuffled.
- `xnli/{{dev,test}}-{{lang}}.tsv` ({XNLI_SIZE} rows each; {_langs(LANGUAGES)}): XTREME's processed XNLI
  layout, UTF-8, no header, columns `premise`, `hypothesis`, `label` (`csv.writer(delimiter="\\t")`).
  Parallel: row i of every language translates the same item. No NLI pair occurs in more than
  one split (MNLI included). Entailment drops the place ("The man is sleeping.") or says
  "Someone"; contradiction negates the premise (~75%) or moves it elsewhere; neutral adds a
  companion ("... with a friend.").
- `pawsx/train-en.tsv` ({PAWSX_SIZES["train"]} rows), `pawsx/{{dev,test}}-{{lang}}.tsv` ({PAWSX_SIZES["dev"]} rows each;
  {_langs(PAWSX_LANGUAGES)}; parallel): XTREME's processed PAWS-X layout, no header, columns `sentence1`,
  `sentence2`, `label` (`1` paraphrase, `0` not; half each). Both classes overlap almost word for
  word: a paraphrase renders one scene in its two word orders ("The man is sleeping in the
  park." / "In the park, the man is sleeping."); a non-paraphrase swaps two named people's roles
  or changes the place or the subject. {PAWSX_SAME_ORDER:.0%} of non-paraphrases use one word order for both
  sentences, so word order is a learnable (but imperfect, ~85%) cue for a tiny model.

## Tagging

Word-per-line files as XTREME's preprocessing writes them: `word<TAB>tag`, one blank line
between sentences, the file ends with the last word's newline (no trailing blank line).
Train: English only; dev/test: parallel across languages (sentence i translates sentence i).
zh and th words are the lexicon's words (they are written without spaces elsewhere).

- `udpos/train-en.tsv` ({tag["train"]} sentences), `udpos/{{dev,test}}-{{lang}}.tsv` ({tag["dev"]} sentences each;
  {_langs(UDPOS_LANGUAGES)}): UD UPOS tags (ADJ ADP ADV AUX DET NOUN NUM PART PRON PROPN PUNCT VERB).
  Scenes (some negated or place-fronted), questions and sentences about companies.
- `panx/train-en.tsv` ({tag["train"]} sentences), `panx/{{dev,test}}-{{lang}}.tsv` ({tag["dev"]} sentences each;
  {_langs(PANX_LANGUAGES)}): IOB2 tags O B-PER I-PER B-LOC I-LOC B-ORG I-ORG; every sentence names at
  least one person, location or organisation ("Maria Lopez works for Siemens in Berlin.").
  Names are transliterated in ru/ar/hi/zh/th; multi-word names ("New York", "General Motors",
  "玛丽亚 · 洛佩斯") give I- tags.

## Extractive QA (SQuAD v1.1 JSON)

`{{"version": "1.1", "data": [{{"title", "paragraphs": [{{"context", "qas": [{{"answers":
[{{"answer_start", "text"}}], "question", "id"}}]}}]}}]}}`, one answer per question, and
`context[answer_start:answer_start + len(text)] == text` always (offsets in characters). A context
is 2-4 scene sentences (joined by a space; without one in zh and th). Questions: "Where is X
V-ing?" (answer: the place phrase), "Who is V-ing P?" (the subject), "What is X doing P?" (the
verb group). No two sentences of a context share a subject, action or place, so every answer is
unique; no context occurs in two files.

- `squad/train-v1.1.json` ({SQUAD_SIZES["train"]} questions), `squad/dev-v1.1.json` ({SQUAD_SIZES["dev"]}): English (XQuAD and
  MLQA train on SQuAD v1.1).
- `xquad/xquad.{{lang}}.json` ({XQUAD_SIZE} questions each; {_langs(XQUAD_LANGUAGES)}): parallel, the same question ids
  in every language.
- `mlqa/MLQA_V1/{{dev,test}}/{{dev,test}}-context-{{lang}}-question-{{lang}}.json` ({MLQA_SIZES["dev"]} questions each;
  {_langs(MLQA_LANGUAGES)}): parallel, same ids across languages; only same-language context/question pairs.
- `tydiqa/tydiqa-goldp-v1.1-train/tydiqa.goldp.en.train.json` ({TYDIQA_TRAIN_SIZE} questions) and
  `tydiqa/tydiqa-goldp-v1.1-dev/tydiqa.goldp.{{lang}}.dev.json` ({TYDIQA_DEV_SIZE} each; {_langs(TYDIQA_LANGUAGES)}):
  not parallel (each language has its own questions).

## Retrieval (no training data)

- `tatoeba/{{lang}}-en.{{lang}}` and `tatoeba/{{lang}}-en.en` ({TATOEBA_SIZE} lines each; {_langs(TATOEBA_LANGUAGES)}):
  one sentence per line; line i of one file translates line i of the other.
- `bucc2018/{{lang}}-en.{{dev,test}}.{{lang}}`, `.en` ({BUCC_GOLD + BUCC_UNRELATED} lines each; {_langs(BUCC_LANGUAGES)}):
  `ID<TAB>sentence` lines (ids `de-000001`, `en-000001`, ... in file order; sentence order
  shuffled), and `.gold` ({BUCC_GOLD} lines, `src_id<TAB>en_id`, sorted): the translation pairs. The
  other {BUCC_UNRELATED} sentences of each side have no translation (nor paraphrase) on the other side.

## English intermediate tasks (each in its dataset's own release format)

Synthetic like everything here: English sentences from the same toy world, in the file names and
layouts of each dataset's original release, as `xtask/tasks/english.py` (and `read_ccg_auto` in
`xtask/tasks/tagging.py`) read them. Sizes are smaller than the other tasks' to keep this folder
near 5 MB; label cues are lexical, so a tiny model learns them in ~100 steps.

- `anli/R{{1,2,3}}/{{train,dev}}.jsonl` ({ANLI_SIZES["train"]} / {ANLI_SIZES["dev"]} rows per round): ANLI v1.0 rows `uid`, `context`,
  `hypothesis`, `label` (`e`/`n`/`c`, a third each), `reason` (an annotator-style explanation).
  The MNLI cues (above); the context adds an unrelated sentence before or after the premise.
- `snli/snli_1.0_{{train,dev}}.jsonl` ({SNLI_SIZES["train"]} / {SNLI_SIZES["dev"]} labelled rows, plus {SNLI_NO_CONSENSUS["train"]} / {SNLI_NO_CONSENSUS["dev"]} with `gold_label` `-`,
  which readers drop): SNLI 1.0 rows `annotator_labels` (1 label in train, 5 in dev; 2-2-1 votes
  for `-`), `captionID`, `gold_label`, `pairID`, `sentence1`, `sentence2` (no parse fields).
  No NLI pair occurs in two files (MNLI and XNLI included).
- `qqp/{{train,dev}}.tsv` ({QQP_SIZES["train"]} / {QQP_SIZES["dev"]} rows): GLUE QQP, header `id qid1 qid2 question1 question2
  is_duplicate` (tab-separated; half duplicates). Duplicates ask the same where/who/what question
  in two wordings ("Where is the man sleeping?" / "In which place is the man sleeping?");
  non-duplicates change the subject, action or place (often in the very same wording) or ask for
  another slot. A question text keeps one qid across both files.
- `sst2/{{train,dev}}.tsv` ({SST2_SIZES["train"]} / {SST2_SIZES["dev"]} rows): GLUE SST-2, header `sentence label` (1 positive, 0
  negative, half each); lower-cased, tokenised ("the dog is happily dancing in the park ."); each
  sentence has sentiment adverbs/adjectives of its polarity; ~10% negate an adjective ("not sad").
- `squad_v2/{{train,dev}}-v2.0.json` ({SQUAD_V2_SIZES["train"]} / {SQUAD_V2_SIZES["dev"]} questions): SQuAD 2.0 (`"version": "v2.0"`), SQuAD's
  layout plus `is_impossible`; ~1/3 are unanswerable (empty `answers`, and `plausible_answers`):
  they ask about a person or place the context never mentions. Contexts are new (not in `squad/`,
  `xquad/`, `mlqa/`, `tydiqa/`); offsets exact as above.
- `hellaswag/hellaswag_{{train,val}}.jsonl` ({HELLASWAG_SIZES["train"]} / {HELLASWAG_SIZES["val"]} rows): rowanz/hellaswag rows `ind`,
  `activity_label`, `ctx_a` (a scene), `ctx_b` ("a moment later,"), `ctx` (= ctx_a + " " + ctx_b),
  `split`, `split_type`, `label` (0-3), `endings` (4), `source_id`. The right ending goes on with
  the same action in the same place; each distractor gets the pronoun's gender, the place or the
  action wrong.
- `cosmosqa/{{train,valid}}.csv` ({COSMOSQA_SIZES["train"]} / {COSMOSQA_SIZES["valid"]} rows): Cosmos QA, csv with header
  `id,context,question,answer0,answer1,answer2,answer3,label` (label 0-3). Questions about a 2-4
  sentence context (where someone may be, what they may be doing, who is doing something
  somewhere, who they are with); some golds and distractors are `None of the above choices .`.
- `commonsenseqa/{{train,dev}}_rand_split.jsonl` ({COMMONSENSEQA_SIZES["train"]} / {COMMONSENSEQA_SIZES["dev"]} rows): the original release layout
  `{{"answerKey", "id", "question": {{"question_concept", "choices": [{{"label", "text"}}] x 5, "stem"}}}}`.
  Questions from a small table of toy common sense (where one goes swimming, what one does in
  a library, where a teacher spends a Monday); no stem occurs twice.
- `socialiqa/{{train,dev}}.jsonl` ({SOCIALIQA_SIZES["train"]} / {SOCIALIQA_SIZES["dev"]} rows) with `socialiqa/{{train,dev}}-labels.lst` (one 1-based
  label per line): Social IQa rows `context`, `question`, `answerA`, `answerB`, `answerC`.
  "Maria Lopez was cooking in the kitchen." + what she needs to do before, wants to do next,
  feels afterwards, or why; the distractors belong to other activities.
- `ccg/AUTO/{CCG_FILES["train"]}` (train, {CCG_SIZES["train"]} sentences; CCGbank's train sections are 02-21),
  `ccg/AUTO/{CCG_FILES["dev"]}` (dev, {CCG_SIZES["dev"]}), `ccg/AUTO/{CCG_FILES["test"]}` (test, {CCG_SIZES["test"]}): CCGbank's AUTO format,
  per sentence a line `ID=wsj_0201.N PARSER=GOLD NUMPARSE=1` and a derivation line of
  `(<T CAT HEAD N> ...)` nodes and `(<L CAT POS POS WORD PRED_ARG_CAT>)` leaves. Synthetic
  supertags (`NP[nb]/N`, `N`, `(S[dcl]\\NP)/(S[ng]\\NP)`, `S[ng]\\NP`, `((S\\NP)\\(S\\NP))/NP`, ...) on
  plausible, unverified derivations of English scenes and company sentences. Not CCGbank.
- `translated/{{{",".join(TRANSLATED_LANGUAGES)}}}/mnli/train.jsonl` (the first {TRANSLATED_TRAIN_SIZE} rows of `mnli/train.jsonl`) and
  `translated/{{lang}}/mnli/dev_matched.jsonl` (all of `mnli/dev_matched.jsonl`): the same MNLI items
  (same `pairID`s and labels) rendered in German and Chinese, for translate-train
  (`inter.translated.languages`). A "translation" by construction, not by a translation system.

## Corpus

- `corpus/{{lang}}.txt` (~600 lines each): distinct monolingual sentences, one per line, for
  tokenizer and masked-LM training; together they contain every word form of every file above.
  zh and th are written without spaces between words. The English file ends with the
  intermediate tasks' texts that bring a word the lines before it lack.
"""
