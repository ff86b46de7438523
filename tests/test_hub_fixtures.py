"""The offline Hub mirror (tests/hub_fixtures) loads with `datasets` exactly as the Hub serves it.

Every (dataset, config, split) of ``hub_fixtures/schemas.py`` is written by the generator into a
temporary folder and loaded back with ``datasets.load_dataset(local_path, config, split=...)``:
the column names and feature types must equal the table in schemas.py, which is also what the
dataset cards and the parquet metadata declare. Script-only repos must fail the way the Hub's do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import datasets
import pyarrow.parquet as pq
import pytest
from datasets.info import DatasetInfosDict
from huggingface_hub import DatasetCard

from hub_fixtures import schemas
from hub_fixtures.generate import parquet_path, write_mirror

REPO = Path(__file__).resolve().parents[1]
SCRIPT_ERROR = "Dataset scripts are no longer supported"

CASES: List[Tuple[str, str, Tuple[str, ...]]] = [
    (repo_id, config, splits)
    for repo_id, repo in schemas.SCHEMAS.items() if repo.layout != schemas.SCRIPT_ONLY
    for _, config, splits, _ in repo.expand()
]
SCRIPT_ONLY = [repo_id for repo_id, repo in schemas.SCHEMAS.items() if repo.layout == schemas.SCRIPT_ONLY]


@pytest.fixture(scope="session")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    return write_mirror(tmp_path_factory.mktemp("hub_mirror"))


@pytest.fixture(scope="session")
def hf_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("hf_cache"))


def _schema(repo_id: str, config: str) -> schemas.ConfigSchema:
    return next(s for _, c, _, s in schemas.SCHEMAS[repo_id].expand() if c == config)


def _load_kwargs(repo_id: str, config: str) -> dict:
    if schemas.SCHEMAS[repo_id].layout == schemas.PARQUET_EXPORT:
        return {"data_dir": config}  # the export has no card: one folder per config
    return {"name": config}


@pytest.mark.slow
@pytest.mark.parametrize("repo_id,config,splits", CASES, ids=[f"{r}:{c}" for r, c, _ in CASES])
def test_every_split_loads_with_the_hub_columns_and_features(mirror, hf_cache, repo_id, config, splits) -> None:
    features = _schema(repo_id, config).features
    path, kwargs = str(mirror[repo_id]), _load_kwargs(repo_id, config)
    assert list(datasets.load_dataset(path, cache_dir=hf_cache, **kwargs)) == list(splits)
    for split in splits:
        data = datasets.load_dataset(path, split=split, cache_dir=hf_cache, **kwargs)
        assert data.column_names == list(features), f"{repo_id} {config} {split}"
        assert data.features == features, f"{repo_id} {config} {split}: {data.features}"
        assert 3 <= len(data) <= 8


def test_cards_and_parquet_metadata_declare_the_same_features(mirror) -> None:
    """The features come from two places on the Hub: the card's `dataset_info` and each parquet
    file's schema metadata (all the parquet export has). Both must say the same thing."""
    for repo_id, repo in schemas.SCHEMAS.items():
        if repo.layout == schemas.SCRIPT_ONLY:
            continue
        expected = {}
        for _, config, splits, schema in repo.expand():
            expected.update({parquet_path(repo, config, split): schema.features for split in splits})
        found = sorted(str(p.relative_to(mirror[repo_id])) for p in mirror[repo_id].rglob("*.parquet"))
        assert found == sorted(expected), repo_id
        for rel, features in expected.items():
            assert datasets.Features.from_arrow_schema(pq.read_schema(mirror[repo_id] / rel)) == features, rel
        if repo.layout == schemas.DATA_FILES:
            infos = DatasetInfosDict.from_dataset_card_data(DatasetCard.load(mirror[repo_id] / "README.md").data)
            assert {c: i.features for c, i in infos.items()} == {
                config: schema.features for _, config, _, schema in repo.expand()}, repo_id
        else:
            assert not (mirror[repo_id] / "README.md").exists()


def _features(repo_id: str, config: str) -> datasets.Features:
    return _schema(repo_id, config).features


def _splits(repo_id: str, config: str) -> Tuple[str, ...]:
    return next(sp for _, c, sp, _ in schemas.SCHEMAS[repo_id].expand() if c == config)


def test_schema_table_keeps_the_verified_hub_facts() -> None:
    """The generator and the loading tests share schemas.py, so they cannot catch a wrong fact in
    it; these are the facts checked against the Hub (sources in SCHEMAS.md), written out again."""
    nli = ["entailment", "neutral", "contradiction"]
    assert _features("facebook/xnli", "de")["label"].names == nli
    assert _features("nyu-mll/multi_nli", "default")["label"].names == nli
    assert _features("facebook/anli", "plain_text")["label"].names == nli
    assert _features("nyu-mll/glue", "qqp")["label"].names == ["not_duplicate", "duplicate"]
    assert _features("nyu-mll/glue", "sst2")["label"].names == ["negative", "positive"]
    assert _splits("nyu-mll/multi_nli", "default") == ("train", "validation_matched", "validation_mismatched")
    assert {"train_r1", "dev_r1", "train_r3", "dev_r3"} <= set(_splits("facebook/anli", "plain_text"))
    assert list(_features("rajpurkar/squad", "plain_text")["answers"]) == ["text", "answer_start"]
    assert _features("lighteval/siqa", "default")["label"] == datasets.Value("string")
    assert _features("Samsoup/cosmos_qa", "default")["label"] == datasets.Value("int32")
    assert _features("Rowan/hellaswag", "default")["label"] == datasets.Value("string")
    assert list(_features("tau/commonsense_qa", "default")["choices"]) == ["label", "text"]
    assert _features("tau/commonsense_qa", "default")["answerKey"] == datasets.Value("string")
    assert _features("google/xtreme", "PAWS-X.en")["label"] == datasets.Value("string")
    assert _features("google/xtreme", "udpos.English")["pos_tags"].feature.names == [
        "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
        "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"]
    assert _features("google/xtreme", "PAN-X.de")["ner_tags"].feature.names == [
        "O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
    assert list(_features("google/xtreme", "PAN-X.de")) == ["tokens", "ner_tags", "langs"]
    assert list(_features("google/xtreme", "XQuAD.de")) == ["id", "context", "question", "answers"]
    assert list(_features("google/xtreme", "MLQA.de.de")) == ["id", "title", "context", "question", "answers"]
    assert list(_features("google/xtreme", "tydiqa")["answers"]) == ["answer_start", "text"]
    assert _splits("google/xtreme", "tydiqa") == ("train", "validation")
    assert _splits("google/xtreme", "udpos.Kazakh") == ("train", "test")
    assert _splits("google/xtreme", "bucc18.de") == ("validation", "test")
    assert _splits("google/xtreme", "tatoeba.deu") == ("validation",)
    assert list(_features("google/xtreme", "bucc18.de")) == [
        "source_sentence", "target_sentence", "source_lang", "target_lang"]
    assert _features("cambridgeltl/xcopa", "et")["label"] == datasets.Value("int32")
    assert _splits("cambridgeltl/xcopa", "zh") == ("validation", "test")
    assert _features("aps/super_glue", "copa")["label"].names == ["choice1", "choice2"]
    assert schemas.SCHEMAS["aps/super_glue"].revision == "refs/convert/parquet"
    assert set(SCRIPT_ONLY) == {"allenai/social_i_qa", "allenai/cosmos_qa"}


def test_udpos_languages_without_validation_split(mirror, hf_cache) -> None:
    path = str(mirror["google/xtreme"])
    assert datasets.get_dataset_split_names(path, "udpos.Kazakh") == ["train", "test"]
    assert datasets.get_dataset_split_names(path, "udpos.Thai") == ["test"]
    with pytest.raises(ValueError, match="validation"):
        datasets.load_dataset(path, "udpos.Kazakh", split="validation", cache_dir=hf_cache)


def test_parquet_export_is_loaded_by_folder_not_by_config_name(mirror, hf_cache) -> None:
    """refs/convert/parquet has no card, hence no named configs: `data_dir` selects the config."""
    path = str(mirror["aps/super_glue"])
    assert len(datasets.load_dataset(path, data_dir="copa", split="validation", cache_dir=hf_cache)) > 0
    with pytest.raises(ValueError, match="'copa' not found"):
        datasets.load_dataset(path, "copa", split="validation", cache_dir=hf_cache)


@pytest.mark.parametrize("repo_id", SCRIPT_ONLY)
def test_script_only_repos_are_refused(mirror, hf_cache, repo_id) -> None:
    assert (mirror[repo_id] / schemas.SCHEMAS[repo_id].script_name).is_file()
    with pytest.raises(RuntimeError, match=SCRIPT_ERROR):
        datasets.load_dataset(str(mirror[repo_id]), split="train", cache_dir=hf_cache)


def test_a_folder_with_only_a_loading_script_is_refused(tmp_path, hf_cache) -> None:
    """The failure mode the product must catch: datasets 5.x no longer runs `<name>.py`."""
    repo = tmp_path / "someone" / "old_dataset"
    repo.mkdir(parents=True)
    (repo / "old_dataset.py").write_text("import datasets\n")
    with pytest.raises(RuntimeError, match=f"{SCRIPT_ERROR}, but found old_dataset.py"):
        datasets.load_dataset(str(repo), split="validation", cache_dir=hf_cache)


def _load(mirror, hf_cache, repo_id, config, split):
    return datasets.load_dataset(str(mirror[repo_id]), split=split, cache_dir=hf_cache, **_load_kwargs(repo_id, config))


def test_label_encodings(mirror, hf_cache) -> None:
    def column(repo_id, config, split, name):
        return _load(mirror, hf_cache, repo_id, config, split)[name]

    assert set(column("lighteval/siqa", "default", "train", "label")) <= {"1", "2", "3"}
    assert set(column("Rowan/hellaswag", "default", "validation", "label")) <= {"0", "1", "2", "3"}
    assert set(column("Rowan/hellaswag", "default", "test", "label")) == {""}
    assert set(column("google/xtreme", "PAWS-X.de", "train", "label")) == {"0", "1"}
    assert set(column("Samsoup/cosmos_qa", "default", "validation", "label")) <= {0, 1, 2, 3}
    assert set(column("nyu-mll/glue", "qqp", "test", "label")) == {-1}
    assert -1 in column("stanfordnlp/snli", "plain_text", "validation", "label")
    assert set(column("aps/super_glue", "copa", "validation", "label")) <= {0, 1}
    for row in _load(mirror, hf_cache, "tau/commonsense_qa", "default", "train"):
        assert row["answerKey"] in row["choices"]["label"]
    assert _load(mirror, hf_cache, "google/xtreme", "udpos.German", "test").features["pos_tags"].feature.names[:3] == ["ADJ", "ADP", "ADV"]


def _answer_offsets(rows) -> List[int]:
    """For each answer: 0 when `context[answer_start:]` starts with it, else the shift that does."""
    shifts = []
    for row in rows:
        for start, text in zip(row["answers"]["answer_start"], row["answers"]["text"]):
            shift = next(d for d in range(0, 8) if row["context"][start - d:start - d + len(text)] == text)
            shifts.append(shift)
    return shifts


def test_qa_offsets_and_the_stripped_context_quirk(mirror, hf_cache) -> None:
    squad = _load(mirror, hf_cache, "rajpurkar/squad", "plain_text", "validation")
    assert set(_answer_offsets(squad)) == {0}
    v2 = _load(mirror, hf_cache, "rajpurkar/squad_v2", "squad_v2", "validation")
    assert any(not row["answers"]["text"] for row in v2)
    # google/xtreme served stripped contexts with the offsets of the unstripped ones.
    for config, split in (("XQuAD.de", "validation"), ("MLQA.en.en", "test"), ("tydiqa", "train")):
        shifts = _answer_offsets(_load(mirror, hf_cache, "google/xtreme", config, split))
        assert 2 in shifts and 0 in shifts, (config, shifts)
    tydiqa = _load(mirror, hf_cache, "google/xtreme", "tydiqa", "validation")
    prefixes = {row_id.split("-")[0] for row_id in tydiqa["id"]}
    assert prefixes == set(schemas.TYDIQA_LANGUAGES)


def test_bitext_columns(mirror, hf_cache) -> None:
    bucc = _load(mirror, hf_cache, "google/xtreme", "bucc18.de", "test")
    assert len(set(bucc["source_sentence"])) == len(bucc)  # gold pairs only, one row per pair
    tatoeba = _load(mirror, hf_cache, "google/xtreme", "tatoeba.deu", "validation")
    assert set(tatoeba["source_lang"]) == {"deu"} and set(tatoeba["target_lang"]) == {"eng"}


def test_generator_output_is_deterministic(tmp_path) -> None:
    first = write_mirror(tmp_path / "a", ["google/xtreme", "aps/super_glue"])
    second = write_mirror(tmp_path / "b", ["google/xtreme", "aps/super_glue"])
    for repo_id, folder in first.items():
        files = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(second[repo_id]) for p in second[repo_id].rglob("*") if p.is_file())
        for rel in files:
            if rel.suffix == ".parquet":
                assert pq.read_table(folder / rel).equals(pq.read_table(second[repo_id] / rel)), rel
            else:
                assert (folder / rel).read_bytes() == (second[repo_id] / rel).read_bytes(), rel
    with pytest.raises(KeyError, match="no schema"):
        write_mirror(tmp_path / "c", ["nobody/nothing"])
