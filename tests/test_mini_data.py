"""The bundled mini data is exactly what the generator writes, covers six scripts, and follows
XTREME's on-disk layout for every task (labels and answers kept, offsets exact)."""

from __future__ import annotations

import csv
import json
import re
import unicodedata

import pytest

from xtask.data.sources import BUNDLED_MINI_ROOT, MINI_LANGUAGES, read_split
from mini import ccg, choice, english, generate, lexicon, nli, qa, retrieval, tagging


@pytest.mark.slow
def test_bundled_files_match_the_generator() -> None:
    assert generate.check(BUNDLED_MINI_ROOT) == []


@pytest.mark.slow
def test_generator_check_detects_a_changed_file(tmp_path) -> None:
    generate.generate(tmp_path)
    (tmp_path / "xnli" / "dev-en.tsv").write_text("edited\tby\thand\n")
    assert any("dev-en.tsv" in problem for problem in generate.check(tmp_path))


def test_languages_cover_six_scripts() -> None:
    assert tuple(lexicon.LANGUAGES) == MINI_LANGUAGES
    scripts = set()
    for lang in MINI_LANGUAGES:
        text = (BUNDLED_MINI_ROOT / "corpus" / f"{lang}.txt").read_text(encoding="utf-8")
        letters = [ch for ch in text if ch.isalpha()]
        names = {unicodedata.name(ch).split()[0] for ch in letters[:200]}
        scripts |= names & {"LATIN", "CYRILLIC", "ARABIC", "DEVANAGARI", "CJK", "THAI"}
    assert scripts == {"LATIN", "CYRILLIC", "ARABIC", "DEVANAGARI", "CJK", "THAI"}


def test_no_spaces_between_words_in_zh_and_th() -> None:
    scene = lexicon.Scene(subject=0, action=0, place=0)
    for lang in ("zh", "th"):
        assert " " not in lexicon.sentence(scene, lang)
    assert re.search(r"\w \w", lexicon.sentence(scene, "en"))


# --- Every XTREME task in XTREME's folder layout -------------------------------------------------

ROOT = BUNDLED_MINI_ROOT
INTERMEDIATE_FOLDERS = (
    "anli", "snli", "qqp", "sst2", "squad_v2", "hellaswag", "cosmosqa", "commonsenseqa", "socialiqa", "ccg",
    "translated",
)
QA_FILES = sorted(
    p.relative_to(ROOT).as_posix()
    for folder in ("squad", "xquad", "mlqa", "tydiqa")
    for p in (ROOT / folder).rglob("*.json")
)
TAG_FILES = sorted(p.relative_to(ROOT).as_posix() for f in ("udpos", "panx") for p in (ROOT / f).glob("*.tsv"))


def test_every_task_has_xtremes_file_names() -> None:
    expected = {"pawsx/train-en.tsv", "squad/train-v1.1.json", "squad/dev-v1.1.json"}
    expected |= {f"pawsx/{s}-{lang}.tsv" for s in ("dev", "test") for lang in ("de", "en", "es", "fr", "zh")}
    for task in ("udpos", "panx"):
        expected |= {f"{task}/train-en.tsv"}
        expected |= {f"{task}/{s}-{lang}.tsv" for s in ("dev", "test") for lang in MINI_LANGUAGES}
    expected |= {f"xquad/xquad.{lang}.json" for lang in ("en", "es", "de", "ru", "ar", "th", "zh", "hi")}
    expected |= {
        f"mlqa/MLQA_V1/{s}/{s}-context-{lang}-question-{lang}.json"
        for s in ("dev", "test")
        for lang in ("en", "es", "de", "ar", "hi", "zh")
    }
    expected |= {"tydiqa/tydiqa-goldp-v1.1-train/tydiqa.goldp.en.train.json"}
    expected |= {f"tydiqa/tydiqa-goldp-v1.1-dev/tydiqa.goldp.{lang}.dev.json" for lang in ("en", "ar", "ru")}
    for lang in ("ar", "de", "es", "fr", "hi", "ru", "th", "zh"):
        expected |= {f"tatoeba/{lang}-en.{lang}", f"tatoeba/{lang}-en.en"}
    for lang in ("de", "fr", "ru", "zh"):
        expected |= {f"bucc2018/{lang}-en.{s}.{ext}" for s in ("dev", "test") for ext in (lang, "en", "gold")}
    actual = {p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*") if p.is_file()}
    assert expected <= actual
    extra = {path.split("/")[0] for path in actual - expected}
    assert extra == {"mnli", "xnli", "corpus", "README.md", "copa", "xcopa"} | set(INTERMEDIATE_FOLDERS)


def test_bundle_stays_small() -> None:  # ~5.4 MB
    assert sum(p.stat().st_size for p in ROOT.rglob("*") if p.is_file()) < 5_500_000


@pytest.mark.slow
def test_cli_check_passes_on_the_bundle() -> None:
    assert generate.main(["--check", "--out", str(ROOT)]) == 0


def _squad(rel: str) -> dict:
    return json.loads((ROOT / rel).read_text(encoding="utf-8"))


def _qas(data: dict) -> list:
    return [(par["context"], qa) for art in data["data"] for par in art["paragraphs"] for qa in par["qas"]]


@pytest.mark.parametrize("rel", QA_FILES)
def test_every_qa_answer_offset_is_exact(rel: str) -> None:
    data = _squad(rel)
    assert data["version"] == "1.1"
    ids = set()
    for context, item in _qas(data):
        assert item["question"] and item["id"] not in ids
        ids.add(item["id"])
        (answer,) = item["answers"]
        start, text = answer["answer_start"], answer["text"]
        assert text and context[start : start + len(text)] == text, (rel, item["id"])
    assert len(ids) >= 100


def _ids(rel: str) -> list:
    return [item["id"] for _, item in _qas(_squad(rel))]


def test_parallel_qa_has_the_same_ids_in_every_language() -> None:
    english = _ids("xquad/xquad.en.json")
    assert len(english) == qa.XQUAD_SIZE
    for lang in qa.XQUAD_LANGUAGES:
        assert _ids(f"xquad/xquad.{lang}.json") == english
    for split in ("dev", "test"):
        english = _ids(f"mlqa/MLQA_V1/{split}/{split}-context-en-question-en.json")
        for lang in qa.MLQA_LANGUAGES:
            assert _ids(f"mlqa/MLQA_V1/{split}/{split}-context-{lang}-question-{lang}.json") == english


def test_qa_contexts_join_sentences_per_language() -> None:
    for lang in ("zh", "th"):
        for context, _ in _qas(_squad(f"xquad/xquad.{lang}.json")):
            assert " " not in context
    assert all(". " in context for context, _ in _qas(_squad("xquad/xquad.en.json")))


def _sentences(rel: str) -> list:
    """Parse a tag file strictly: XTREME's layout, one tag per word, one blank line between."""
    text = (ROOT / rel).read_text(encoding="utf-8")
    assert text.endswith("\n") and not text.endswith("\n\n") and "\n\n\n" not in text
    sentences = []
    for block in text[:-1].split("\n\n"):
        words = [line.split("\t") for line in block.split("\n")]
        assert all(len(w) == 2 and w[0] and w[0].strip() == w[0] for w in words), rel
        sentences.append(words)
    return sentences


@pytest.mark.parametrize("rel", TAG_FILES)
def test_tag_files_have_one_valid_tag_per_word(rel: str) -> None:
    valid = lexicon.UPOS_TAGS if rel.startswith("udpos") else lexicon.NER_TAGS
    sentences = _sentences(rel)
    split = rel.split("/")[1].split("-")[0]
    assert len(sentences) == tagging.TAGGING_SIZES[split]
    for words in sentences:
        tags = [tag for _, tag in words]
        assert set(tags) <= set(valid), rel
        if rel.startswith("panx"):
            assert any(tag != "O" for tag in tags)  # every PAN-X sentence names an entity
            for previous, tag in zip(["O"] + tags, tags):  # IOB2: I-X only continues X
                assert not tag.startswith("I-") or previous[2:] == tag[2:], (rel, words)


def test_tagging_dev_is_parallel_and_uses_multi_word_entities() -> None:
    for task in ("udpos", "panx"):
        lengths = {lang: len(_sentences(f"{task}/dev-{lang}.tsv")) for lang in MINI_LANGUAGES}
        assert set(lengths.values()) == {tagging.TAGGING_SIZES["dev"]}
    tags = {tag for words in _sentences("panx/train-en.tsv") for _, tag in words}
    assert tags == set(lexicon.NER_TAGS)
    pos = {tag for words in _sentences("udpos/train-en.tsv") for _, tag in words}
    assert {"PROPN", "VERB", "NOUN", "ADP", "PUNCT"} <= pos


def _tsv(rel: str) -> list:
    with open(ROOT / rel, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter="\t"))


def test_pawsx_rows_are_balanced_parallel_and_overlapping() -> None:
    train = _tsv("pawsx/train-en.tsv")
    assert len(train) == nli.PAWSX_SIZES["train"]
    assert {row[2] for row in train} == {"0", "1"} and sum(row[2] == "1" for row in train) * 2 == len(train)
    for split in ("dev", "test"):
        labels = [row[2] for row in _tsv(f"pawsx/{split}-en.tsv")]
        for lang in nli.PAWSX_LANGUAGES:
            rows = _tsv(f"pawsx/{split}-{lang}.tsv")
            assert all(len(row) == 3 for row in rows) and [row[2] for row in rows] == labels
    # High word overlap in both classes (PAWS-style).
    overlaps = []
    for first, second, _ in train:
        a, b = (set(re.findall(r"\w+", text.lower())) for text in (first, second))
        overlaps.append(len(a & b) / len(a | b))
    assert min(overlaps) >= 0.4 and sum(overlaps) / len(overlaps) > 0.8


def _bucc(rel: str) -> dict:
    rows = _tsv(rel)
    assert all(len(row) == 2 for row in rows)
    ids = [row[0] for row in rows]
    assert len(set(ids)) == len(ids)
    return dict(rows)


@pytest.mark.parametrize("lang", retrieval.BUCC_LANGUAGES)
def test_bucc_gold_ids_exist_on_both_sides(lang: str) -> None:
    for split in ("dev", "test"):
        prefix = f"bucc2018/{lang}-en.{split}"
        source, english = _bucc(f"{prefix}.{lang}"), _bucc(f"{prefix}.en")
        assert len(source) == len(english) == retrieval.BUCC_GOLD + retrieval.BUCC_UNRELATED
        gold = _tsv(f"{prefix}.gold")
        assert len(gold) == retrieval.BUCC_GOLD
        for src_id, en_id in gold:
            assert src_id.startswith(f"{lang}-") and src_id in source
            assert en_id.startswith("en-") and en_id in english


@pytest.mark.parametrize("lang", retrieval.TATOEBA_LANGUAGES)
def test_tatoeba_sides_are_line_aligned(lang: str) -> None:
    other = (ROOT / f"tatoeba/{lang}-en.{lang}").read_text(encoding="utf-8").splitlines()
    english = (ROOT / f"tatoeba/{lang}-en.en").read_text(encoding="utf-8").splitlines()
    assert len(other) == len(english) == retrieval.TATOEBA_SIZE
    assert len(set(other)) == len(set(english)) == retrieval.TATOEBA_SIZE


@pytest.mark.parametrize("lang", MINI_LANGUAGES)
def test_corpus_contains_every_word_the_tasks_use(lang: str) -> None:
    text = (ROOT / "corpus" / f"{lang}.txt").read_text(encoding="utf-8")
    missing = [form for form in lexicon.vocabulary(lang) if form not in text]
    assert not missing
    names = [lexicon.entity_tokens(lexicon.EntitySentence(0, 0, 0, 0), lang)[0].form]  # "Maria"
    assert all(name in text for name in names)


def test_a_scene_renders_in_both_word_orders_with_the_same_words() -> None:
    scene = lexicon.Scene(subject=0, action=0, place=0, person=0)
    for lang in MINI_LANGUAGES:
        default = lexicon.render(scene, lang)
        fronted = lexicon.render(scene, lang, fronted=True)
        content = {form.lower() for form, tag in default if tag not in ("PUNCT", "AUX")}
        assert content <= {form.lower() for form, _ in fronted}, lang


# --- The English intermediate tasks, in each dataset's release layout ----------------------------

def test_intermediate_tasks_have_their_release_file_names() -> None:
    expected = {f"anli/R{r}/{s}.jsonl" for r in (1, 2, 3) for s in ("train", "dev")}
    expected |= {f"snli/snli_1.0_{s}.jsonl" for s in ("train", "dev")}
    expected |= {f"{task}/{s}.tsv" for task in ("qqp", "sst2") for s in ("train", "dev")}
    expected |= {f"squad_v2/{s}-v2.0.json" for s in ("train", "dev")}
    expected |= {f"hellaswag/hellaswag_{s}.jsonl" for s in ("train", "val")}
    expected |= {f"cosmosqa/{s}.csv" for s in ("train", "valid")}
    expected |= {f"commonsenseqa/{s}_rand_split.jsonl" for s in ("train", "dev")}
    expected |= {f"socialiqa/{s}{ext}" for s in ("train", "dev") for ext in (".jsonl", "-labels.lst")}
    expected |= {"ccg/AUTO/02/wsj_0201.auto", "ccg/AUTO/00/wsj_0001.auto", "ccg/AUTO/23/wsj_2301.auto"}
    expected |= {f"translated/{lang}/mnli/{s}.jsonl" for lang in ("de", "zh") for s in ("train", "dev_matched")}
    actual = {
        p.relative_to(ROOT).as_posix() for folder in INTERMEDIATE_FOLDERS for p in (ROOT / folder).rglob("*")
        if p.is_file()
    }
    assert actual == expected


# (train size, dev size, number of labels or choices) as each task's reader returns them.
_MC = {"hellaswag": 4, "cosmosqa": 4, "commonsenseqa": 5, "socialiqa": 3}
_SIZES = {
    "anli_plus": tuple(
        3 * english.ANLI_SIZES[s] + english.SNLI_SIZES[s] + nli.MNLI_SIZES[m]
        for s, m in (("train", "train"), ("dev", "dev_matched"))
    ) + (3,),
    "mnli": (nli.MNLI_SIZES["train"], nli.MNLI_SIZES["dev_matched"], 3),
    "qqp": (english.QQP_SIZES["train"], english.QQP_SIZES["dev"], 2),
    "sst2": (english.SST2_SIZES["train"], english.SST2_SIZES["dev"], 2),
    "squad": (qa.SQUAD_SIZES["train"], qa.SQUAD_SIZES["dev"], 0),
    "squad_v2": (english.SQUAD_V2_SIZES["train"], english.SQUAD_V2_SIZES["dev"], 0),
    "hellaswag": (choice.HELLASWAG_SIZES["train"], choice.HELLASWAG_SIZES["val"], 4),
    "cosmosqa": (choice.COSMOSQA_SIZES["train"], choice.COSMOSQA_SIZES["valid"], 4),
    "commonsenseqa": (choice.COMMONSENSEQA_SIZES["train"], choice.COMMONSENSEQA_SIZES["dev"], 5),
    "socialiqa": (choice.SOCIALIQA_SIZES["train"], choice.SOCIALIQA_SIZES["dev"], 3),
    "ccg": (ccg.CCG_SIZES["train"], ccg.CCG_SIZES["dev"], 0),
    "udpos_en": (tagging.TAGGING_SIZES["train"], tagging.TAGGING_SIZES["dev"], 0),  # udpos/{train,dev}-en.tsv
}


def test_every_intermediate_task_has_expected_sizes() -> None:
    from xtask.tasks import INTERMEDIATE_TASKS

    assert set(_SIZES) == set(INTERMEDIATE_TASKS) - {"copa"}  # COPA's mini copy: tests/test_xcopa.py


@pytest.mark.parametrize("name", sorted(_SIZES))
def test_intermediate_task_loads_through_its_reader(name: str, mini_ctx) -> None:
    from xtask.tasks import INTERMEDIATE_TASKS

    task = INTERMEDIATE_TASKS[name].resolve(mini_ctx)
    train_size, dev_size, classes = _SIZES[name]
    for split, size in (("train", train_size), ("dev", dev_size)):
        data = read_split(task, mini_ctx, split)
        assert len(data) == size, (name, split)
        if name in _MC:
            assert {len(c) for c in data["choices"]} == {classes}
            assert all(len(set(c)) == classes for c in data["choices"])  # no repeated option
            labels = data["label"]
            assert set(labels) == set(range(classes)), (name, split)  # every position is gold sometimes
        elif task.kind.value == "classification":
            assert len(task.labels) == classes
            labels = data["label"]
            assert set(labels) == set(range(classes))
            assert max(labels.count(k) for k in range(classes)) <= 0.5 * len(labels) + 1 or classes == 2
        elif task.kind.value == "tagging":
            assert all(tags and len(tags) == len(tokens) for tokens, tags in zip(data["tokens"], data["tags"]))
            assert task.labels and all(task.labels)


def test_intermediate_splits_share_no_input(mini_ctx) -> None:
    from xtask.tasks import INTERMEDIATE_TASKS

    for name in ("qqp", "sst2", "hellaswag", "cosmosqa", "commonsenseqa", "socialiqa", "anli_plus"):
        task = INTERMEDIATE_TASKS[name]
        keys = []
        for split in ("train", "dev"):
            data = read_split(task, mini_ctx, split)
            columns = [c for c in ("text_a", "text_b", "context", "question", "choices") if c in data.column_names]
            keys.append({json.dumps([row[c] for c in columns]) for row in data})
        assert not keys[0] & keys[1], name


def test_snli_keeps_unlabelled_rows_that_the_reader_drops(mini_ctx) -> None:
    from xtask.tasks import get_task

    for split in ("train", "dev"):
        rows = [json.loads(line) for line in (ROOT / f"snli/snli_1.0_{split}.jsonl").read_text().splitlines()]
        dashes = [row for row in rows if row["gold_label"] == "-"]
        assert len(dashes) == english.SNLI_NO_CONSENSUS[split] > 0
        assert all(len(row["annotator_labels"]) == 5 for row in dashes)
        assert len(read_split(get_task("snli"), mini_ctx, split)) == len(rows) - len(dashes) == english.SNLI_SIZES[split]


def test_anli_rows_use_e_n_c_labels() -> None:
    for r in (1, 2, 3):
        rows = [json.loads(line) for line in (ROOT / f"anli/R{r}/train.jsonl").read_text().splitlines()]
        assert {row["label"] for row in rows} == {"e", "n", "c"}
        assert all(row["uid"] and row["reason"] and row["context"].count(".") == 2 for row in rows)


def test_glue_and_cosmos_headers() -> None:
    assert _tsv("qqp/train.tsv")[0] == ["id", "qid1", "qid2", "question1", "question2", "is_duplicate"]
    assert _tsv("sst2/dev.tsv")[0] == ["sentence", "label"]
    for row in _tsv("sst2/train.tsv")[1:]:
        assert row[0] == row[0].lower() and row[0].endswith(" .")
    with open(ROOT / "cosmosqa/train.csv", encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == ["id", "context", "question", "answer0", "answer1", "answer2", "answer3", "label"]


def test_squad_v2_has_exact_answerable_and_unanswerable_questions() -> None:
    for split in ("train", "dev"):
        data = _squad(f"squad_v2/{split}-v2.0.json")
        assert data["version"] == "v2.0"
        items = _qas(data)
        assert len(items) == english.SQUAD_V2_SIZES[split]
        impossible = [item for _, item in items if item["is_impossible"]]
        assert 0.2 < len(impossible) / len(items) < 0.45
        assert len({item["id"] for _, item in items}) == len(items)
        for context, item in items:
            spans = item["plausible_answers"] if item["is_impossible"] else item["answers"]
            assert item["answers"] == [] if item["is_impossible"] else len(item["answers"]) == 1
            for span in spans:
                start, text = span["answer_start"], span["text"]
                assert text and context[start : start + len(text)] == text, item["id"]


def test_squad_v2_unanswerable_questions_name_someone_or_somewhere_absent() -> None:
    """Where/what questions name a subject the context lacks; who questions a place it lacks
    (answerable ones name what the context has)."""
    frames = (r"Where is (?P<x>.+) \w+\?", r"What is (?P<x>.+) doing .+\?", r"Who is \w+ (?P<x>.+)\?")
    for split in ("train", "dev"):
        for context, item in _qas(_squad(f"squad_v2/{split}-v2.0.json")):
            match = next(m for m in (re.fullmatch(f, item["question"]) for f in frames) if m)
            assert (match["x"].lower() in context.lower()) != item["is_impossible"], item


def test_multiple_choice_rows_follow_their_release_layouts() -> None:
    for split in ("train", "val"):
        for line in (ROOT / f"hellaswag/hellaswag_{split}.jsonl").read_text().splitlines():
            row = json.loads(line)
            assert row["ctx"] == row["ctx_a"] + " " + row["ctx_b"] and row["split"] == split
            assert len(row["endings"]) == 4 and isinstance(row["label"], int)
            assert {"ind", "activity_label", "split_type", "source_id"} <= set(row)
    for split in ("train", "dev"):
        for line in (ROOT / f"commonsenseqa/{split}_rand_split.jsonl").read_text().splitlines():
            row = json.loads(line)
            assert set(row) == {"answerKey", "id", "question"} and re.fullmatch(r"[0-9a-f]{32}", row["id"])
            assert set(row["question"]) == {"question_concept", "choices", "stem"}
            assert [c["label"] for c in row["question"]["choices"]] == list("ABCDE")
        questions = (ROOT / f"socialiqa/{split}.jsonl").read_text().splitlines()
        labels = (ROOT / f"socialiqa/{split}-labels.lst").read_text().splitlines()
        assert len(questions) == len(labels) and set(labels) == {"1", "2", "3"}
        assert all(set(json.loads(q)) == {"context", "question", "answerA", "answerB", "answerC"} for q in questions)


def test_ccg_auto_files_parse_with_non_empty_categories() -> None:
    from xtask.data.parsers import ccg_auto
    from xtask.tasks.tagging import CCG, ccg_categories

    for split, rel in ccg.CCG_FILES.items():
        path = ROOT / "ccg" / "AUTO" / rel
        lines = path.read_text(encoding="utf-8").splitlines()
        ids, trees = lines[0::2], lines[1::2]
        file_id = rel.split("/")[1].split(".")[0]
        assert ids == [f"ID={file_id}.{n} PARSER=GOLD NUMPARSE=1" for n in range(1, len(ids) + 1)]
        for tree in trees:
            assert tree.startswith("(<T S[dcl] ") and tree.count("(") == tree.count(")")
        rows, _ = ccg_auto(path, CCG, {})
        assert len(rows) == ccg.CCG_SIZES[split]
        for words, cats in ((row["tokens"], row["tags"]) for row in rows):
            assert len(words) == len(cats) and all(cats) and all(words) and words[-1] == "."
    categories = ccg_categories(ROOT / "ccg" / "AUTO")
    assert {"N", "NP[nb]/N", "(S[dcl]\\NP)/(S[ng]\\NP)", "S[ng]\\NP", "((S\\NP)\\(S\\NP))/NP", "."} <= set(categories)


@pytest.mark.parametrize("lang", english.TRANSLATED_LANGUAGES)
def test_translated_mnli_matches_the_english_rows(lang: str, mini_ctx) -> None:
    for split, size in (("train", english.TRANSLATED_TRAIN_SIZE), ("dev_matched", nli.MNLI_SIZES["dev_matched"])):
        def rows(folder: str) -> list:
            return [json.loads(line) for line in (ROOT / folder / f"{split}.jsonl").read_text().splitlines()]

        source, translated = rows("mnli")[:size], rows(f"translated/{lang}/mnli")
        assert len(translated) == size
        for en, other in zip(source, translated):
            assert (other["pairID"], other["gold_label"]) == (en["pairID"], en["gold_label"])
            assert other["sentence1"] != en["sentence1"] and other["sentence2"] != en["sentence2"]
    if lang == "zh":
        assert "公园" in (ROOT / "translated/zh/mnli/train.jsonl").read_text(encoding="utf-8")


def test_translate_train_reads_the_bundled_translations(mini_ctx) -> None:
    from xtask.data.sources import BUNDLED_MINI_ROOT
    from xtask.pipeline.intermediate import training_set
    from xtask.plan.cellplan import TranslatedPlan
    from xtask.tasks import INTERMEDIATE_TASKS

    translated = TranslatedPlan(languages=tuple(english.TRANSLATED_LANGUAGES), root=str(BUNDLED_MINI_ROOT / "translated"))
    data = training_set(INTERMEDIATE_TASKS["mnli"], mini_ctx, translated)
    assert len(data) == nli.MNLI_SIZES["train"] + len(english.TRANSLATED_LANGUAGES) * english.TRANSLATED_TRAIN_SIZE


def test_english_corpus_contains_every_intermediate_word() -> None:
    corpus = set(re.findall(r"\w+|[^\w\s]", (ROOT / "corpus" / "en.txt").read_text(encoding="utf-8")))
    files = {
        p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8")
        for folder in INTERMEDIATE_FOLDERS for p in (ROOT / folder).rglob("*") if p.is_file()
    }
    words = {w for text in english.corpus_texts(files) for w in re.findall(r"\w+|[^\w\s]", text)}
    assert words and not words - corpus
