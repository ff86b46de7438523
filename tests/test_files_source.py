"""``data=files``: the mapping format and its checks, and the real-data kit read through its
mapping ``sweeps/files/real_cpu.yaml`` (the kit, ../shared/realdata, is described by its
MANIFEST.md; the sizes below are its). Tests that read the kit skip when it is absent, except
under CI=true, where they fail.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Tuple

import pytest
from omegaconf import OmegaConf

from conftest import REALDATA, REPO, require
from xtask.config import DataConfig
from xtask.data import parsers
from xtask.data.files import FileMap
from xtask.data.readers import MalformedDataError
from xtask.data.sources import DataContext, MissingDataError, evaluation_languages, read_split
from xtask.tasks import get_task
from xtask.tasks.tagging import UPOS_TAGS

MAPPING = REPO / "sweeps" / "files" / "real_cpu.yaml"
EXAMPLE = REPO / "sweeps" / "files" / "example.yaml"

TATOEBA_SIZES = {
    "ar": 1000, "he": 1000, "vi": 1000, "id": 1000, "jv": 205, "tl": 1000, "eu": 1000, "ml": 687, "ta": 307,
    "te": 234, "af": 1000, "nl": 1000, "de": 1000, "el": 1000, "bn": 1000, "hi": 1000, "mr": 1000, "ur": 1000,
    "fa": 1000, "fr": 1000, "it": 1000, "pt": 1000, "es": 1000, "bg": 1000, "ru": 1000, "ja": 1000, "ka": 746,
    "ko": 1000, "th": 548, "sw": 390, "zh": 1000, "kk": 575, "tr": 1000, "et": 1000, "fi": 1000, "hu": 1000,
}
XQUAD_EVALUATED = ("en", "es", "de", "el", "ru", "tr", "ar", "vi", "th", "zh", "hi")
TYDIQA_DEV = {"ar": 921, "bn": 113, "fi": 782, "id": 565, "ko": 276, "ru": 812, "sw": 499, "te": 669}
# (task, split, language) -> rows: every entry of the mapping, with its size.
EXPECTED: Dict[Tuple[str, str, str], int] = {
    ("udpos", "train", "en"): 12544,
    **{("udpos", "dev", lang): n for lang, n in {"en": 2001, "de": 799, "es": 1400, "ru": 579, "zh": 500}.items()},
    **{("udpos", "test", lang): n for lang, n in {"en": 2077, "de": 977, "es": 427, "ru": 601, "zh": 500,
                                                   "hi": 1000, "ar": 1000}.items()},
    ("xnli", "train", "en"): 2490, ("xnli", "dev", "sw"): 2490, ("xnli", "dev", "ur"): 2490,
    **{("xnli", "test", lang): 5010 for lang in ("en", "de", "sw", "ur")},
    ("pawsx", "dev", "de"): 2000, ("pawsx", "test", "de"): 2000,
    ("squad", "train", "en"): 632,  # XQuAD's English articles 0..23
    **{("xquad", "test", lang): 558 for lang in XQUAD_EVALUATED},  # articles 24..47: 1190 - 632
    ("mlqa", "dev", "de"): 512,
    ("tydiqa", "train", "en"): 325, ("tydiqa", "dev", "en"): 115,  # 440 English questions in all
    **{("tydiqa", "dev", lang): n for lang, n in TYDIQA_DEV.items()},
    **{("tatoeba", "test", lang): n for lang, n in TATOEBA_SIZES.items()},
    ("sst2", "train", "en"): 60614, ("sst2", "dev", "en"): 872,
    ("socialiqa", "train", "en"): 33410, ("socialiqa", "dev", "en"): 1954,
    ("hellaswag", "train", "en"): 9842, ("hellaswag", "dev", "en"): 200,  # the 10,042 validation items cut in two
    ("cosmosqa", "train", "en"): 2985, ("commonsenseqa", "train", "en"): 1221,
    ("udpos_en", "train", "en"): 12544, ("udpos_en", "dev", "en"): 2001,  # UDPOS's English files
}


def _context(mapping: Path) -> DataContext:
    return DataContext.from_config(OmegaConf.merge(OmegaConf.structured(DataConfig),
                                                   {"source": "files", "files": str(mapping)}))


@pytest.fixture(scope="module")
def kit() -> DataContext:
    require(REALDATA.is_dir(), f"real data kit not found at {REALDATA}")
    return _context(MAPPING)


def _size(data: Any) -> int:
    return len(data.src) if hasattr(data, "gold") else len(data)


# --------------------------------------------------------------------------- the mapping format


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, message", [
    ("udpoz: {dev: {en: a.conllu}}", r"unknown task 'udpoz'; tasks: .*\budpos\b"),
    ("tatoeba: {train: {de: a.deu}}", r"tatoeba: unknown split 'train'; its splits: dev, test"),
    ("udpos: {dev: {xx: a.conllu}}", r"udpos has no language 'xx'; its languages: af, ar, .*zh"),
    ("udpos: {dev: {en: {path: a, format: conll}}}", r"unknown format 'conll'; formats for tagging: word_tag, conllu"),
    ("udpos: {format: squad_json, dev: {en: a.json}}", r"format 'squad_json' gives qa data, but this task is tagging; "
                                                       r"formats for tagging: word_tag, conllu"),
    ("sst2: {dev: {en: {path: a.tsv, format: tsv, colums: {text_a: 0}}}}",
     r"format 'tsv' has no option\(s\) colums; its options: columns, header, label_map"),
    ("udpos: {dev: {en: {path: a.conllu, format: conllu, articles: [0, 2]}}}",
     r"format 'conllu' has no option\(s\) articles; its options: column"),
    ("xquad: {test: {de: {path: a.json, format: squad_json, articles: [24, 12]}}}",
     r"xquad.test.de: articles must be \[start, stop\].*got \[24, 12\]"),
    ("hellaswag: {dev: {en: {path: a.txt, format: hellaswag_txt, rows: [5, 5]}}}",
     r"hellaswag.dev.en: rows must be \[start, stop\], row indices with 0 <= start < stop .*got \[5, 5\]"),
    ("tatoeba: {test: {de: {path: a.deu, rows: [0, 2]}}}",
     r"format 'tatoeba_pair' has no option\(s\) rows; its options: target"),
    ("udpos: [a, b]", r"udpos: expected split -> language -> file"),
    ("xquad: {dev: {de: a.json}}", r"xquad.dev: xquad's dev split reads its test split; map the file under test"),
])
def test_a_malformed_mapping_is_refused_listing_the_valid_choices(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(MalformedDataError, match=message):
        FileMap.load(_write(tmp_path, text))


def test_data_files_needs_a_mapping_that_exists(tmp_path: Path) -> None:
    with pytest.raises(MissingDataError, match="data=files needs data.files"):
        DataContext.from_config(OmegaConf.merge(OmegaConf.structured(DataConfig), {"source": "files"}))
    with pytest.raises(MissingDataError, match=r"mapping file not found: .*absent\.yaml \(see sweeps/files/example\.yaml\)"):
        _context(tmp_path / "absent.yaml")


def test_a_missing_mapped_file_names_the_mapping(tmp_path: Path) -> None:
    (tmp_path / "dev.jsonl").write_text("", encoding="utf-8")
    mapping = _write(tmp_path, "udpos: {format: conllu, dev: {de: gone/de-dev.conllu}}\n"
                               "socialiqa: {dev: {en: {path: dev.jsonl, labels: gone/dev-labels.lst}}}\n")
    ctx = _context(mapping)
    with pytest.raises(MissingDataError, match=rf"udpos dev de: file not found: {tmp_path}/gone/de-dev.conllu "
                                               rf"\(named by the data=files mapping {mapping}\)"):
        read_split(get_task("udpos"), ctx, "dev", "de")
    with pytest.raises(MissingDataError, match=rf"socialiqa dev en: its labels file not found: "
                                               rf"{tmp_path}/gone/dev-labels.lst \(named by the data=files mapping {mapping}\)"):
        read_split(get_task("socialiqa"), ctx, "dev", "en")
    with pytest.raises(MissingDataError, match=r"udpos dev en: not in the data=files mapping .*\(it maps for udpos: dev\.de\)"):
        read_split(get_task("udpos"), ctx, "dev", "en")


def test_cells_are_keyed_by_what_the_files_hold_not_where_they_lie(tmp_path: Path) -> None:
    """Moving the data (another mount point, another user's copy) re-keys nothing; editing a
    mapped file or the labels file it names re-keys the cells that read it."""
    from xtask.plan.resolve import data_identity

    def place(folder: Path, labels: str = "1\n2\n") -> DataContext:
        folder.mkdir()
        (folder / "de.conllu").write_text("1\tHaus\t_\tNOUN\n\n", encoding="utf-8")
        (folder / "dev.jsonl").write_text('{"context": "c", "question": "q", "answerA": "a", "answerB": "b", '
                                          '"answerC": "c"}\n', encoding="utf-8")
        (folder / "labels.lst").write_text(labels, encoding="utf-8")
        return _context(_write(folder, "udpos: {format: conllu, dev: {de: de.conllu}}\n"
                                       "socialiqa: {dev: {en: {path: dev.jsonl, labels: labels.lst}}}\n"))

    reads = [("udpos", "dev", ("de",)), ("socialiqa", "dev", ("en",))]
    here = data_identity(place(tmp_path / "here"), reads)
    assert data_identity(place(tmp_path / "there"), reads) == here
    relabelled = data_identity(place(tmp_path / "relabelled", labels="2\n2\n"), reads)
    assert relabelled["udpos/dev"] == here["udpos/dev"] and relabelled["socialiqa/dev"] != here["socialiqa/dev"]
    (tmp_path / "here" / "de.conllu").write_text("1\tHaus\t_\tPROPN\n\n", encoding="utf-8")
    assert data_identity(_context(tmp_path / "here" / "mapping.yaml"), reads)["udpos/dev"] != here["udpos/dev"]


def test_articles_selects_by_article_and_keeps_a_titles_questions_together(tmp_path: Path) -> None:
    """TyDiQA-GoldP gives each question an entry; entries with one title are one article."""
    def article(title: str, qid: str) -> Dict[str, Any]:
        return {"title": title, "paragraphs": [{"context": "Bonn is a city.", "qas": [
            {"id": qid, "question": "What is Bonn?", "answers": [{"text": "a city", "answer_start": 8}]}]}]}

    path = tmp_path / "qa.json"
    path.write_text(json.dumps({"data": [article("A", "q0"), article("B", "q1"), article("A", "q2"),
                                         article("C", "q3")]}), encoding="utf-8")
    task = get_task("tydiqa")
    ids = lambda value: [row["id"] for row in parsers.squad_json(path, task, {"articles": value})[0]]  # noqa: E731
    assert ids([0, 1]) == ["q0", "q2"]
    assert ids([1, 3]) == ["q1", "q3"]
    assert ids([0, 3]) == ["q0", "q1", "q2", "q3"]
    with pytest.raises(MalformedDataError, match=r"articles \[2, 4\] goes past the file's 3 articles"):
        ids([2, 4])
    for bad in ([1], [2, 2], [-1, 2], ["0", 2], [True, 2]):
        with pytest.raises(MalformedDataError, match=r"articles must be \[start, stop\]"):
            ids(bad)


def test_rows_keeps_a_range_of_what_the_format_reads_through_the_mapping(tmp_path: Path) -> None:
    """``rows: [start, stop]`` works for any format that gives rows (here HellaSwag's 6-line
    items and CoNLL-U sentences), through the same read as every mapped file; a range past the
    file's end names the file and the range."""
    items = "".join(f"act: context {i}\n{i % 4}\n" + "".join(f"ending {i}.{k}\n" for k in range(4)) for i in range(5))
    (tmp_path / "hs.txt").write_text(items, encoding="utf-8")
    (tmp_path / "en.conllu").write_text("".join(f"1\tword{i}\t_\tNOUN" + "\t_" * 6 + "\n\n" for i in range(4)), encoding="utf-8")
    ctx = _context(_write(tmp_path, "hellaswag:\n  format: hellaswag_txt\n"
                                    "  train: {en: {path: hs.txt, rows: [0, 3]}}\n"
                                    "  dev: {en: {path: hs.txt, rows: [3, 5]}}\n"
                                    "udpos_en:\n  format: conllu\n"
                                    "  train: {en: {path: en.conllu, rows: [1, 3]}}\n"
                                    "  dev: {en: {path: en.conllu, rows: [2, 9]}}\n"))
    hellaswag = get_task("hellaswag")
    train, dev = read_split(hellaswag, ctx, "train"), read_split(hellaswag, ctx, "dev")
    assert [c.split()[-1] for c in train["context"]] == ["0", "1", "2"]
    assert [c.split()[-1] for c in dev["context"]] == ["3", "4"] and dev["label"] == [3, 0]
    assert [t[0] for t in read_split(get_task("udpos_en"), ctx, "train")["tokens"]] == ["word1", "word2"]
    with pytest.raises(MalformedDataError, match=rf"{tmp_path}/en.conllu: rows \[2, 9\] goes past the file's 4 rows"):
        read_split(get_task("udpos_en"), ctx, "dev")


def test_the_example_mapping_loads_and_documents_every_option() -> None:
    example = FileMap.load(EXAMPLE)
    assert ("xquad", "test", "de") in example.entries
    text = EXAMPLE.read_text(encoding="utf-8")
    for fmt in parsers.OPTIONS:  # the formats with options of their own
        assert fmt in text, fmt
    for fmt in parsers.PARSERS:  # theirs and the generic ones (rows)
        for option in parsers.options_of(fmt):
            assert option in text, (fmt, option)


def test_data_files_composes_as_a_group_option(compose) -> None:
    cfg = compose("data=files", f"data.files={MAPPING}")
    assert str(cfg.data.source.value) == "files" and cfg.data.files == str(MAPPING)
    assert compose("data=files").data.files is None  # must be set: DataContext says so (above)


# --------------------------------------------------------------------------- the kit through its mapping


def test_the_mapping_maps_what_the_kit_has() -> None:
    """The mapping loads without the kit; its entries are exactly those sized in EXPECTED."""
    assert set(FileMap.load(MAPPING).entries) == set(EXPECTED)


@pytest.mark.realdata
@pytest.mark.parametrize("key", sorted(EXPECTED), ids=lambda key: ".".join(key))
def test_every_mapped_split_reads_with_its_size(kit: DataContext, key: Tuple[str, str, str]) -> None:
    task, split, lang = key
    assert _size(read_split(get_task(task), kit, split, lang)) == EXPECTED[key]


@pytest.mark.realdata
def test_xnli_test_sets_are_balanced(kit: DataContext) -> None:
    for lang in ("en", "de", "sw", "ur"):
        counts = Counter(read_split(get_task("xnli"), kit, "test", lang)["label"])
        assert sorted(counts.values()) == [1670, 1670, 1670], lang


@pytest.mark.realdata
def test_xquad_trains_and_evaluates_on_disjoint_articles(kit: DataContext) -> None:
    """XQuAD is parallel: the English articles it trains on (through SQuAD's training set) are
    evaluated in no language."""
    xquad = get_task("xquad")
    train = read_split(xquad, kit, "train", "en")  # XQuAD trains on squad's train
    assert len(set(train["title"])) == 24 and len(train) + EXPECTED[("xquad", "test", "en")] == 1190
    english = read_split(xquad, kit, "test", "en")
    assert len(set(english["title"])) == 24
    for lang in XQUAD_EVALUATED:
        evaluated = read_split(xquad, kit, "test", lang)
        assert evaluated["id"] == english["id"], lang  # the same questions in every language
        assert not set(train["id"]) & set(evaluated["id"]), lang
        assert not set(train["title"]) & set(evaluated["title"]), lang
    assert read_split(xquad, kit, "dev", "de")["id"] == english["id"]  # dev reads test


@pytest.mark.realdata
def test_tydiqa_english_training_questions_and_passages_are_never_evaluated(kit: DataContext) -> None:
    tydiqa = get_task("tydiqa")
    train, english = read_split(tydiqa, kit, "train", "en"), read_split(tydiqa, kit, "test", "en")  # test reads dev
    assert len(train) + len(english) == 440
    assert not set(train["id"]) & set(english["id"])
    assert not set(train["title"]) & set(english["title"])
    assert not set(train["context"]) & set(english["context"])


@pytest.mark.realdata
def test_a_dev_set_that_trains_is_not_also_evaluated_or_selected_on() -> None:
    """Any file that feeds a training set and another split does so on disjoint articles or rows."""
    entries = FileMap.load(MAPPING).entries
    for (task, split, lang), entry in entries.items():
        if split != "train":
            continue
        for other, seen in entries.items():
            if other[1] != "train" and seen.path == entry.path:
                option = "articles" if "articles" in entry.options else "rows"
                a, b = entry.options.get(option), seen.options.get(option)
                assert a is not None and b is not None and (a[1] <= b[0] or b[1] <= a[0]), (task, other)
    english_dev = {task for task, split, lang in entries if split == "dev" and lang == "en"}
    # xnli, cosmosqa and commonsenseqa train on theirs; hellaswag's is cut from its training file
    assert english_dev == {"udpos", "tydiqa", "sst2", "socialiqa", "hellaswag", "udpos_en"}


@pytest.mark.realdata
def test_auto_languages_are_exactly_the_mapped_ones(kit: DataContext) -> None:
    for (task_name, split) in {(t, s) for t, s, _ in kit.files.entries}:
        task = get_task(task_name)
        if split == "train":
            continue
        mapped = [lang for lang in task.languages if (task_name, split, lang) in kit.files.entries]
        for asked in [split, *(s for s, target in task.split_aliases.items() if target == split)]:
            languages, skipped = evaluation_languages(task, "auto", kit, asked)
            assert languages == mapped, (task_name, asked)
            assert set(skipped) == set(task.languages) - set(mapped)
    assert evaluation_languages(get_task("udpos"), "auto", kit, "test")[0] == ["ar", "de", "en", "es", "hi", "ru", "zh"]
    assert evaluation_languages(get_task("xnli"), "auto", kit, "dev")[0] == ["sw", "ur"]


@pytest.mark.realdata
def test_udpos_from_universal_dependencies(kit: DataContext) -> None:
    en = read_split(get_task("udpos"), kit, "dev", "en")
    assert en[0]["tokens"][:3] == ["From", "the", "AP"] and en[0]["tags"][:3] == ["ADP", "DET", "PROPN"]
    for lang in ("zh", "hi", "ar"):
        data = read_split(get_task("udpos"), kit, "test", lang)
        assert all(set(tags) <= set(UPOS_TAGS) and len(tags) == len(tokens)
                   for tags, tokens in zip(data["tags"], data["tokens"])), lang


@pytest.mark.realdata
def test_tatoeba_pairs_are_aligned(kit: DataContext) -> None:
    for lang in ("de", "zh", "ar", "jv"):
        bitext = read_split(get_task("tatoeba"), kit, "dev", lang)  # dev reads test
        assert len(bitext.src) == len(bitext.tgt) == TATOEBA_SIZES[lang]
        assert bitext.gold is not None and bitext.gold[5] == ("5", "5")


@pytest.mark.realdata
def test_english_intermediate_tasks(kit: DataContext) -> None:
    sst2 = read_split(get_task("sst2"), kit, "dev")
    assert set(sst2["label"]) == {0, 1} and sst2[0]["text_a"].startswith("it 's a charming")
    choices = {("hellaswag", "train"): 4, ("hellaswag", "dev"): 4, ("cosmosqa", "train"): 4, ("commonsenseqa", "train"): 5,
               ("socialiqa", "train"): 3, ("socialiqa", "dev"): 3}
    for (name, split), n in choices.items():
        data = read_split(get_task(name), kit, split)
        assert {len(c) for c in data["choices"]} == {n}, name
        assert set(data["label"]) == set(range(n)), name


@pytest.mark.realdata
def test_hellaswag_trains_and_is_dev_scored_on_disjoint_items_of_one_file(kit: DataContext) -> None:
    hellaswag = get_task("hellaswag")
    train, dev = read_split(hellaswag, kit, "train"), read_split(hellaswag, kit, "dev")
    assert train["id"][-1] == "hellaswag-9841" and dev["id"][0] == "hellaswag-9842"  # ids: the item's place in the file
    assert not set(train["id"]) & set(dev["id"])
    assert not {(c, tuple(e)) for c, e in zip(train["context"], train["choices"])} & \
        {(c, tuple(e)) for c, e in zip(dev["context"], dev["choices"])}


@pytest.mark.realdata
def test_udpos_en_is_udpos_english_data(kit: DataContext) -> None:
    """The intermediate task English UD POS reads exactly UDPOS's English sentences: before a
    udpos target it is in-domain repetition (docs/real-experiment.md says so)."""
    for split in ("train", "dev"):
        inter, target = read_split(get_task("udpos_en"), kit, split), read_split(get_task("udpos"), kit, split, "en")
        assert inter["tokens"] == target["tokens"] and inter["tags"] == target["tags"], split


@pytest.mark.realdata
def test_real_data_through_the_scorer(kit: DataContext) -> None:
    """Gold answers scored against themselves give 100; an empty prediction gives 0."""
    from xtask.pipeline.formats.qa import squad_json
    from xtask.scoring.metrics import squad_em_f1

    data = read_split(get_task("xquad"), kit, "test", "zh")
    gold = squad_json(data)["data"]
    perfect = {ex["id"]: ex["answers"]["text"][0] for ex in data}
    assert squad_em_f1(gold, perfect) == {"exact_match": 100.0, "f1": 100.0}
    assert squad_em_f1(gold, {qid: "" for qid in perfect}) == {"exact_match": 0.0, "f1": 0.0}


@pytest.mark.realdata
def test_multiple_choice_batches_on_real_data(kit: DataContext, tmp_path: Path) -> None:
    """Shape (batch, choices, length), and the label points at the gold ending."""
    from transformers import AutoTokenizer

    from xtask.config import TinyArchitecture
    from xtask.models.tiny import ensure_tiny_model
    from xtask.pipeline.formats.multiple_choice import MultipleChoiceFormat

    tokenizer = AutoTokenizer.from_pretrained(ensure_tiny_model(TinyArchitecture(), tmp_path))
    task = get_task("commonsenseqa")
    raw = read_split(task, kit, "train").select(range(4))
    fmt = MultipleChoiceFormat()
    features = fmt.encode_train(raw, tokenizer, 48, task)
    batch = fmt.collator(tokenizer)([features[i] for i in range(4)])
    assert tuple(batch["input_ids"].shape[:2]) == (4, 5)
    assert batch["labels"].tolist() == raw["label"]
    for row in range(4):
        gold = raw[row]["choices"][raw[row]["label"]]
        decoded = tokenizer.decode(batch["input_ids"][row, raw[row]["label"]], skip_special_tokens=True)
        assert decoded.lower().endswith(gold.lower()), (decoded, gold)  # the choice is never truncated


@pytest.mark.slow
@pytest.mark.realdata
def test_a_whole_cell_on_real_data_sst2_then_udpos(kit: DataContext, run_cell_with) -> None:
    """Both phases on real files through the mapping: SST-2 (GLUE train) as the intermediate
    task, UD English-EWT train as the target's English data, zero-shot POS tagging of the real
    de/es/ru/zh UD dev sets (target.languages=auto: the mapped ones); then ``xtask score`` on the
    cell's prediction files gives the cell's own numbers."""
    from xtask.scoring.xtreme import score_folders

    overrides = [
        "inter=sst2", "target=udpos", "data=files", f"data.files={MAPPING}", "logger=none",
        "train.inter.max_train_examples=2000", "train.inter.max_eval_examples=300", "train.inter.epochs=1",
        "train.target.max_train_examples=2000", "train.target.max_eval_examples=200", "train.target.epochs=3",
    ]
    # target.languages=null asks for all 33 XTREME udpos languages: refused before any training.
    with pytest.raises(MissingDataError, match=r"(?s)found before any training.*udpos dev af: not in the data=files mapping"):
        run_cell_with(*overrides, budget=False)
    results = run_cell_with(*overrides, "target.languages=auto", budget=False)
    target = results.results.scores
    assert target.languages == ["de", "en", "es", "ru", "zh"]
    assert {lang: s.n for lang, s in target.per_language.items()} == dict.fromkeys(target.languages, 200)
    f1 = {lang: s.metrics["f1"] for lang, s in target.per_language.items()}
    # Real learning, not plumbing alone: English POS far above what predicting one tag gives
    # (NOUN, the commonest UPOS tag, is about 17 % of EWT's words: F1 about 17), and above the
    # zero-shot languages (the tiny model is not pretrained: it has nothing to transfer with).
    assert f1["en"] > 30 and f1["en"] == max(f1.values()), f1
    assert results.results.phases["inter"]["dev"]["accuracy"] > 50  # SST-2 dev (872 labelled sentences)
    _, detailed = score_folders(Path(str(results.folder)) / "predictions", Path(str(results.folder)) / "labels")
    assert detailed["udpos"]["avg_metric"] == pytest.approx(target.average, abs=1e-4)
    for lang, value in f1.items():
        assert detailed["udpos"]["f1"][lang] == pytest.approx(value, abs=1e-4), lang
