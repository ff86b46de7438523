"""The task readers on real public data from ../shared/realdata (skipped when it is absent).

Files are linked (or, where XTREME's layout differs, rewritten) into a temporary folder laid out
as XTREME's download script lays it out, then read through the very loaders the cells use.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from conftest import REALDATA
from xtask.config import DataConfig
from xtask.data.sources import DataContext
from xtask.tasks import TARGET_TASKS
from xtask.tasks.nli import NLI_LABELS
from xtask.tasks.qa import TYDIQA_LANGUAGE_NAMES
from xtask.data.parsers import conllu
from xtask.tasks.tagging import UDPOS, UPOS_TAGS

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not REALDATA.is_dir(), reason=f"real data kit not found at {REALDATA}"),
]


def _ctx(root: Path) -> DataContext:
    return DataContext.from_config(OmegaConf.merge(OmegaConf.structured(DataConfig), {"source": "xtreme_dir", "root": str(root)}))


def _link(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.symlink_to(src)


@pytest.fixture(scope="module")
def xtreme_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("xtreme")
    _link(REALDATA / "tatoeba", root / "tatoeba")
    _link(REALDATA / "xquad", root / "xquad")
    for lang, name in TYDIQA_LANGUAGE_NAMES.items():
        _link(REALDATA / "tydiqa_goldp" / f"{name}_tydiqa_dev.json",
              root / "tydiqa" / "tydiqa-goldp-v1.1-dev" / f"tydiqa.goldp.{lang}.dev.json")
    _link(REALDATA / "mlqa" / "dev-context-de-question-de.json",
          root / "mlqa" / "MLQA_V1" / "dev" / "dev-context-de-question-de.json")
    for split in ("dev", "test"):
        _link(REALDATA / "pawsx" / f"de.{split}.tsv", root / "pawsx" / f"{split}-de.tsv")
    # XNLI: German test as is (premise, hypothesis, label); sw/ur re-columned into XTREME's layout.
    (root / "xnli").mkdir()
    with gzip.open(REALDATA / "xnli" / "de.xglue.test.tsv.gz", "rt", encoding="utf-8") as src:
        (root / "xnli" / "test-de.tsv").write_text(src.read(), encoding="utf-8")
    for lang in ("sw", "ur"):
        with gzip.open(REALDATA / "xnli" / f"{lang}.dev.tsv.gz", "rt", encoding="utf-8") as src, open(
            root / "xnli" / f"dev-{lang}.tsv", "w", encoding="utf-8", newline=""
        ) as out:
            rows = csv.reader(src, delimiter="\t", quoting=csv.QUOTE_NONE)
            next(rows)  # header: genre label sentence1_xx sentence2_xx
            writer = csv.writer(out, delimiter="\t", lineterminator="\n")
            for _, label, s1, s2 in rows:
                writer.writerow([s1, s2, label])
    for lang, treebank in (("en", "en_ewt"), ("de", "de_gsd"), ("zh", "zh_gsd")):
        _write_udpos(root, "dev", lang, treebank)
    return root


def _write_udpos(root: Path, split: str, lang: str, treebank: str) -> None:
    """A UD treebank's CoNLL-U split -> XTREME's ``udpos/{split}-{lang}.tsv`` (word<TAB>tag)."""
    (root / "udpos").mkdir(parents=True, exist_ok=True)
    with open(root / "udpos" / f"{split}-{lang}.tsv", "w", encoding="utf-8") as out:
        rows, _ = conllu(REALDATA / "ud" / f"{treebank}-ud-{split}.conllu.gz", UDPOS, {})
        for row in rows:
            out.write("".join(f"{w}\t{t}\n" for w, t in zip(row["tokens"], row["tags"])) + "\n")


def test_tatoeba_laser_files(xtreme_root: Path) -> None:
    for lang, expected in (("de", 1000), ("zh", 1000), ("ar", 1000)):
        bitext = TARGET_TASKS["tatoeba"].read(_ctx(xtreme_root), "test", lang)
        assert len(bitext.src) == len(bitext.tgt) == expected
        assert bitext.gold is not None and bitext.gold[5] == ("5", "5")


@pytest.mark.parametrize("lang", ["en", "de", "ar", "zh", "th", "hi"])
def test_xquad_is_parallel_with_exact_offsets(xtreme_root: Path, lang: str) -> None:
    data = TARGET_TASKS["xquad"].read(_ctx(xtreme_root), "test", lang)
    assert len(data) == 1190
    english = TARGET_TASKS["xquad"].read(_ctx(xtreme_root), "test", "en")
    assert data["id"] == english["id"]
    for ex in data.select(range(0, 1190, 97)):
        start, text = ex["answers"]["answer_start"][0], ex["answers"]["text"][0]
        assert ex["context"][start : start + len(text)] == text


def test_tydiqa_goldp_dev_all_languages(xtreme_root: Path) -> None:
    sizes = {lang: len(TARGET_TASKS["tydiqa"].read(_ctx(xtreme_root), "test", lang)) for lang in TYDIQA_LANGUAGE_NAMES}
    assert sizes == {"ar": 921, "bn": 113, "en": 440, "fi": 782, "id": 565, "ko": 276, "ru": 812, "sw": 499, "te": 669}


def test_mlqa_de(xtreme_root: Path) -> None:
    assert len(TARGET_TASKS["mlqa"].read(_ctx(xtreme_root), "dev", "de")) == 512


def test_pawsx_raw_files(xtreme_root: Path) -> None:
    dev = TARGET_TASKS["pawsx"].read(_ctx(xtreme_root), "dev", "de")
    assert len(dev) == 2000 and set(dev["label"]) == {0, 1}


def test_xnli_real_languages(xtreme_root: Path) -> None:
    de = TARGET_TASKS["xnli"].read(_ctx(xtreme_root), "test", "de")
    assert len(de) == 5010
    counts = [de["label"].count(i) for i in range(3)]
    assert counts == [1670, 1670, 1670]
    sw = TARGET_TASKS["xnli"].read(_ctx(xtreme_root), "dev", "sw")
    assert len(sw) == 2490 and set(sw["label"]) == set(range(len(NLI_LABELS)))


def test_udpos_from_universal_dependencies(xtreme_root: Path) -> None:
    en = TARGET_TASKS["udpos"].read(_ctx(xtreme_root), "dev", "en")
    assert len(en) == 2001
    assert en[0]["tokens"][:3] == ["From", "the", "AP"] and en[0]["tags"][:3] == ["ADP", "DET", "PROPN"]
    zh = TARGET_TASKS["udpos"].read(_ctx(xtreme_root), "dev", "zh")
    assert len(zh) == 500 and all(set(tags) <= set(UPOS_TAGS) for tags in zh["tags"])


def test_real_data_through_the_scorer(xtreme_root: Path, tmp_path: Path) -> None:
    """Gold answers scored against themselves give 100; an empty prediction gives 0."""
    import json

    from xtask.pipeline.formats.qa import squad_json
    from xtask.scoring.metrics import squad_em_f1

    data = TARGET_TASKS["xquad"].read(_ctx(xtreme_root), "test", "zh")
    gold = squad_json(data)["data"]
    perfect = {ex["id"]: ex["answers"]["text"][0] for ex in data}
    assert squad_em_f1(gold, perfect) == {"exact_match": 100.0, "f1": 100.0}
    assert squad_em_f1(gold, {qid: "" for qid in perfect}) == {"exact_match": 0.0, "f1": 0.0}
    json.dumps(perfect)  # answers survive JSON (the prediction file format)


@pytest.fixture(scope="module")
def english_root(tmp_path_factory) -> Path:
    """The English intermediate tasks' dev sets from the kit, in each dataset's release layout."""
    import bz2
    import json
    import zipfile

    root = tmp_path_factory.mktemp("english")
    kit = REALDATA / "english"
    _link(kit / "sst2" / "alps_test.tsv", root / "sst2" / "dev.tsv")  # = GLUE SST-2 dev
    _link(kit / "cosmosqa" / "valid.csv", root / "cosmosqa" / "valid.csv")
    _link(kit / "commonsenseqa" / "dev_rand_split.hf_format.jsonl", root / "commonsenseqa" / "dev_rand_split.jsonl")
    with zipfile.ZipFile(kit / "socialiqa" / "socialiqa-train-dev.zip") as archive:
        for name in ("dev.jsonl", "dev-labels.lst"):
            (root / "socialiqa").mkdir(exist_ok=True)
            (root / "socialiqa" / name).write_bytes(archive.read(f"socialiqa-train-dev/{name}"))
    # HellaSwag's validation set as text (6 lines an item) -> the release's jsonl layout.
    lines = bz2.open(kit / "hellaswag" / "hellaswag_val_full.txt.bz2", "rt", encoding="utf-8").read().splitlines()
    (root / "hellaswag").mkdir()
    with open(root / "hellaswag" / "hellaswag_val.jsonl", "w", encoding="utf-8") as out:
        for i in range(0, len(lines) - 5, 6):
            label, endings = int(lines[i + 1]), lines[i + 2 : i + 6]
            out.write(json.dumps({"ind": i // 6, "ctx": lines[i], "endings": endings, "label": label}) + "\n")
    return root


def test_english_intermediate_dev_sets(english_root: Path) -> None:
    from xtask.tasks import INTERMEDIATE_TASKS

    ctx = _ctx(english_root)
    sst2 = INTERMEDIATE_TASKS["sst2"].read(ctx, "dev")
    assert len(sst2) == 872 and set(sst2["label"]) == {0, 1}
    expected = {"hellaswag": (10042, 4), "cosmosqa": (2985, 4), "commonsenseqa": (1221, 5), "socialiqa": (1954, 3)}
    for name, (size, n_choices) in expected.items():
        data = INTERMEDIATE_TASKS[name].read(ctx, "dev")
        assert len(data) == size, name
        assert {len(c) for c in data["choices"]} == {n_choices}, name
        assert set(data["label"]) == set(range(n_choices)), name


def test_multiple_choice_batches_on_real_data(english_root: Path, tmp_path: Path) -> None:
    """Shape (batch, choices, length), and the label points at the gold ending."""
    from transformers import AutoTokenizer

    from xtask.config import TinyArchitecture
    from xtask.pipeline.formats.multiple_choice import MultipleChoiceFormat
    from xtask.models.tiny import ensure_tiny_model
    from xtask.tasks import INTERMEDIATE_TASKS

    tokenizer = AutoTokenizer.from_pretrained(ensure_tiny_model(TinyArchitecture(), tmp_path))
    task = INTERMEDIATE_TASKS["commonsenseqa"]
    raw = task.read(_ctx(english_root), "dev").select(range(4))
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
def test_a_whole_cell_on_real_data_sst2_then_udpos(tmp_path: Path, run_cell_with) -> None:
    """Both phases on real files: SST-2 (GLUE train) as the intermediate task, UD English-EWT
    train as the target's English data, zero-shot POS tagging of the real de/es/ru/zh UD dev
    sets; then ``xtask score`` on the cell's prediction files gives the cell's own numbers."""
    from xtask.scoring import score_folders

    root = tmp_path / "xtreme"
    kit = REALDATA / "english" / "sst2"
    _link(kit / "alps_train.tsv", root / "sst2" / "train.tsv")
    _link(kit / "alps_test.tsv", root / "sst2" / "dev.tsv")  # = GLUE SST-2 dev
    for split, lang, treebank in (("train", "en", "en_ewt"), ("dev", "en", "en_ewt"), ("dev", "de", "de_gsd"),
                                  ("dev", "es", "es_gsd"), ("dev", "ru", "ru_gsd"), ("dev", "zh", "zh_gsd")):
        _write_udpos(root, split, lang, treebank)
    overrides = [
        "inter=sst2", "target=udpos", "data=xtreme_dir", f"data.root={root}", "logger=none",
        "train.inter.max_train_examples=2000", "train.inter.max_eval_examples=300", "train.inter.epochs=1",
        "train.target.max_train_examples=2000", "train.target.max_eval_examples=200", "train.target.epochs=3",
    ]
    # target.languages=null asks for all 33 XTREME udpos languages: refused before any training.
    from xtask.data.sources import MissingDataError

    with pytest.raises(MissingDataError, match=r"(?s)problem\(s\) with the data, found before any training.*udpos dev af"):
        run_cell_with(*overrides, budget=False)
    results = run_cell_with(*overrides, "target.languages=[de,en,es,ru,zh]", budget=False)
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
