"""Task readers on every data source: bundled mini, XTREME's folder layout, and the Hub code path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from xtask.config import DataConfig
from xtask.data.readers import MalformedDataError
from xtask.data.sources import DataContext, MINI_LANGUAGES, MissingDataError, read_split
from xtask.tasks import INTERMEDIATE_TASKS, TARGET_TASKS
from xtask.tasks.nli import NLI_LABELS


def _ctx(**fields) -> DataContext:
    return DataContext.from_config(OmegaConf.merge(OmegaConf.structured(DataConfig), fields))


def test_mini_mnli_is_english_balanced_and_labelled() -> None:
    train = read_split(INTERMEDIATE_TASKS["mnli"], _ctx(), "train")
    assert len(train) >= 1000
    counts = {label: 0 for label in range(3)}
    for label in train["label"]:
        counts[label] += 1
    assert min(counts.values()) / len(train) > 0.25  # every class well represented
    assert all(isinstance(t, str) and t for t in train["text_a"])


@pytest.mark.parametrize("lang", MINI_LANGUAGES)
def test_mini_xnli_has_every_language_in_parallel(lang: str) -> None:
    xnli = TARGET_TASKS["xnli"]
    english, other = read_split(xnli, _ctx(), "dev", "en"), read_split(xnli, _ctx(), "dev", lang)
    assert len(other) == len(english) > 0
    assert other["label"] == english["label"]  # same items, translated


def test_xnli_train_is_mnli() -> None:
    ctx = _ctx()
    assert read_split(TARGET_TASKS["xnli"], ctx, "train")["text_a"] == read_split(INTERMEDIATE_TASKS["mnli"], ctx, "train")["text_a"]


def _xtreme_dir(tmp_path: Path, dev_en: str) -> Path:
    root = tmp_path / "download"
    (root / "xnli").mkdir(parents=True)
    (root / "xnli" / "train-en.tsv").write_text("A man sleeps.\tA person sleeps.\tentailment\n")
    (root / "xnli" / "dev-en.tsv").write_text(dev_en)
    return root


def test_xtreme_dir_layout_reads_xtreme_labels(tmp_path: Path) -> None:
    root = _xtreme_dir(tmp_path, "P1\tH1\tcontradictory\nP2\tH2\tneutral\n")
    dev = read_split(TARGET_TASKS["xnli"], _ctx(source="xtreme_dir", root=str(root)), "dev", "en")
    assert [NLI_LABELS[i] for i in dev["label"]] == ["contradiction", "neutral"]
    assert read_split(TARGET_TASKS["xnli"], _ctx(source="xtreme_dir", root=str(root)), "train")["text_b"] == [
        "A person sleeps."
    ]


def test_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    root = _xtreme_dir(tmp_path, "P1\tH1\tneutral\nonly two\tcolumns\n")
    with pytest.raises(MalformedDataError, match=r"dev-en\.tsv:2: expected 3 tab-separated columns \(as the file's other lines have\), got 2"):
        read_split(TARGET_TASKS["xnli"], _ctx(source="xtreme_dir", root=str(root)), "dev", "en")


def test_unknown_label_names_file_and_line(tmp_path: Path) -> None:
    root = _xtreme_dir(tmp_path, "P1\tH1\tneutral\nP2\tH2\tmaybe\n")
    with pytest.raises(MalformedDataError, match=r"dev-en\.tsv:2: unknown label 'maybe'; valid labels: entailment, neutral, contradiction"):
        read_split(TARGET_TASKS["xnli"], _ctx(source="xtreme_dir", root=str(root)), "dev", "en")


def test_missing_file_says_how_to_get_it(tmp_path: Path) -> None:
    root = _xtreme_dir(tmp_path, "P\tH\tneutral\n")
    with pytest.raises(MissingDataError) as err:
        read_split(TARGET_TASKS["xnli"], _ctx(source="xtreme_dir", root=str(root)), "dev", "de")
    assert "dev-de.tsv" in str(err.value) and "download_data.sh" in str(err.value)
    with pytest.raises(MissingDataError, match="needs data.root"):
        _ctx(source="xtreme_dir")


def _local_hub_repo(tmp_path: Path) -> Path:
    """A folder laid out like a Hub dataset repo (README configs + data files): the same
    ``datasets.load_dataset(path, name, split=...)`` call as for a real Hub id."""
    repo = tmp_path / "xnli_repo"
    rows = {"en": [("A man sleeps.", "Nobody sleeps.", 2), ("x", "y", -1)], "de": [("Ein Mann.", "Ein Mensch.", 0)]}
    for lang, items in rows.items():
        (repo / lang).mkdir(parents=True)
        with open(repo / lang / "validation.jsonl", "w") as f:
            for p, h, label in items:
                f.write(json.dumps({"premise": p, "hypothesis": h, "label": label}) + "\n")
    configs = "".join(
        f"- config_name: {lang}\n  data_files:\n  - split: validation\n    path: {lang}/validation.jsonl\n"
        for lang in rows
    )
    (repo / "README.md").write_text(f"---\nconfigs:\n{configs}---\n")
    return repo


def test_hub_code_path_with_a_local_repo(tmp_path: Path) -> None:
    repo = _local_hub_repo(tmp_path)
    ctx = _ctx(
        source="hub",
        cache_dir=str(tmp_path / "hf"),
        hub={"xnli": {"path": str(repo), "name": "{lang}", "splits": {"dev": "validation"}}},
    )
    # A labelled split with an unlabelled row (-1) is malformed: the row is named, not dropped.
    with pytest.raises(MalformedDataError, match=r"xnli_repo \(en, validation\) row 1: this example has no label, but .* row 0 has one"):
        read_split(TARGET_TASKS["xnli"], ctx, "dev", "en")
    assert read_split(TARGET_TASKS["xnli"], ctx, "dev", "de")["text_b"] == ["Ein Mensch."]
    with pytest.raises(MissingDataError, match="has no 'test' split"):
        read_split(TARGET_TASKS["xnli"], ctx, "test", "en")


def test_hub_failure_is_a_clear_error(tmp_path: Path) -> None:
    ctx = _ctx(source="hub", hub={"xnli": {"path": str(tmp_path / "nope"), "splits": {"dev": "validation"}}})
    with pytest.raises(MissingDataError, match=r"(?s)cannot load .*nope.* for task 'xnli': FileNotFoundError.*HF_HUB_OFFLINE"):
        read_split(TARGET_TASKS["xnli"], ctx, "dev", "en")


def _parquet_hub_repo(tmp_path: Path, configs: dict) -> Path:
    """A Hub-like dataset repo of parquet files: ``{config: {split: datasets.Dataset}}``.
    Parquet keeps the features (ClassLabel names included), as on the Hub."""
    repo = tmp_path / "hub_repo"
    lines = []
    for config, splits in configs.items():
        lines.append(f"- config_name: {config}\n  data_files:\n")
        for split, data in splits.items():
            path = repo / config / f"{split}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            data.to_parquet(str(path))
            lines.append(f"  - split: {split}\n    path: {config}/{split}.parquet\n")
    (repo / "README.md").write_text("---\nconfigs:\n" + "".join(lines) + "---\n")
    return repo


def test_hub_tagging_and_qa_code_paths_with_a_local_repo(tmp_path: Path) -> None:
    """google/xtreme-style configs: udpos.<Language> with ClassLabel tags, XQuAD.<lang>, tydiqa
    with every language in one config (ids prefixed by the language name)."""
    import datasets

    from xtask.data.canonical import QA as QA_FEATURES
    from xtask.tasks.tagging import UPOS_TAGS

    pos = datasets.Dataset.from_dict(
        {"tokens": [["Ein", "Hund", "."]], "pos_tags": [[UPOS_TAGS.index("DET"), UPOS_TAGS.index("NOUN"), UPOS_TAGS.index("PUNCT")]]},
        features=datasets.Features({"tokens": datasets.Sequence(datasets.Value("string")),
                                    "pos_tags": datasets.Sequence(datasets.ClassLabel(names=list(UPOS_TAGS)))}),
    )

    def qa(ids):
        return datasets.Dataset.from_list(
            [{"id": i, "title": "t", "context": "Der Hund schläft.", "question": "Wer?",
              "answers": {"text": ["Der Hund"], "answer_start": [0]}} for i in ids], features=QA_FEATURES)

    repo = _parquet_hub_repo(tmp_path, {
        "udpos.German": {"validation": pos},
        "XQuAD.de": {"validation": qa(["q1", "q2"])},
        "tydiqa": {"validation": qa(["arabic-1", "russian-7", "russian-8"])},
    })
    hub = {
        "udpos": {"path": str(repo), "name": "udpos.{lang}", "splits": {"dev": "validation"}},
        "xquad": {"path": str(repo), "name": "XQuAD.{lang}", "splits": {"test": "validation"}},
        "tydiqa": {"path": str(repo), "name": "tydiqa", "splits": {"dev": "validation"}},
    }
    ctx = _ctx(source="hub", cache_dir=str(tmp_path / "hf"), hub=hub)
    udpos = read_split(TARGET_TASKS["udpos"], ctx, "dev", "de")
    assert udpos["tokens"] == [["Ein", "Hund", "."]] and udpos["tags"] == [["DET", "NOUN", "PUNCT"]]
    assert read_split(TARGET_TASKS["xquad"], ctx, "test", "de")["id"] == ["q1", "q2"]
    assert read_split(TARGET_TASKS["tydiqa"], ctx, "test", "ru")["id"] == ["russian-7", "russian-8"]


def _read_and_tokenize(repo: str, cache_dir: str) -> list:
    """One job's reading of Hub data (a filtered config) and a tokenization-like map."""
    ctx = _ctx(source="hub", cache_dir=cache_dir,
               hub={"tydiqa": {"path": repo, "name": "tydiqa", "splits": {"dev": "validation"}}})
    data = read_split(TARGET_TASKS["tydiqa"], ctx, "test", "ru")
    encoded = data.map(lambda batch: {"n": [len(q) for q in batch["question"]]}, batched=True)
    return list(zip(encoded["id"], encoded["n"]))


@pytest.mark.slow
def test_concurrent_jobs_share_the_hub_cache_without_writing_derived_files(tmp_path: Path) -> None:
    """Three jobs start together on a cold HF cache: all read the same data, and what they derive
    (filters, tokenization) stays in their memory: no cache-*.arrow files for them to race on."""
    import multiprocessing

    import datasets

    from xtask.data.canonical import QA as QA_FEATURES

    rows = [{"id": f"{lang}-{i}", "title": "t", "context": "Der Hund schläft.", "question": "Wer" + "?" * i,
             "answers": {"text": ["Der Hund"], "answer_start": [0]}} for lang in ("arabic", "russian") for i in range(50)]
    repo = _parquet_hub_repo(tmp_path, {"tydiqa": {"validation": datasets.Dataset.from_list(rows, features=QA_FEATURES)}})
    cache = tmp_path / "hf"
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        results = pool.starmap(_read_and_tokenize, [(str(repo), str(cache))] * 3)
    assert results[0] == results[1] == results[2] == [(f"russian-{i}", 3 + i) for i in range(50)]
    assert list(cache.rglob("*.arrow")) and not list(cache.rglob("cache-*.arrow"))


def test_a_labelled_file_with_an_unlabelled_sentence_names_file_and_line(tmp_path: Path) -> None:
    """XTREME blanks whole test files; one sentence without tags inside a labelled file is
    malformed (it used to drop the whole language, and the task score silently became the
    average of the others)."""
    from xtask.data.sources import BUNDLED_MINI_ROOT

    root = tmp_path / "download"
    (root / "udpos").mkdir(parents=True)
    lines = (BUNDLED_MINI_ROOT / "udpos" / "dev-de.tsv").read_text().splitlines(keepends=True)
    blank = lines.index("\n")  # the first sentence ends here; strip the tags of the second one
    end = lines.index("\n", blank + 1)
    lines[blank + 1 : end] = [line.split("\t")[0] + "\n" for line in lines[blank + 1 : end]]
    (root / "udpos" / "dev-de.tsv").write_text("".join(lines))
    with pytest.raises(MalformedDataError, match=rf"dev-de\.tsv:{blank + 2}: this example has no label, but .*dev-de\.tsv:1 has one"):
        read_split(TARGET_TASKS["udpos"], _ctx(source="xtreme_dir", root=str(root)), "dev", "de")
    # A whole file without tags is an unlabelled split: predictions only, no error.
    (root / "udpos" / "test-de.tsv").write_text("".join(line.split("\t")[0].rstrip("\n") + "\n" if line.strip() else "\n"
                                                        for line in lines))
    test = read_split(TARGET_TASKS["udpos"], _ctx(source="xtreme_dir", root=str(root)), "test", "de")
    assert all(tags == [] for tags in test["tags"])


def test_column_errors_name_the_line_that_differs(tmp_path: Path) -> None:
    root = _xtreme_dir(tmp_path, "P1\tH1\nP2\tH2\tneutral\nP3\tH3\tentailment\n")
    with pytest.raises(MalformedDataError, match=r"dev-en\.tsv:1: expected 3 tab-separated columns \(as the file's other lines have\), got 2"):
        read_split(TARGET_TASKS["xnli"], _ctx(source="xtreme_dir", root=str(root)), "dev", "en")
