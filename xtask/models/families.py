"""Encoder families: what the pipeline must know about an encoder beyond the transformers Auto API.

A cell's encoder is an XLM-R, a BERT (mBERT, multilingual-e5) or a DeBERTa-v2 (mDeBERTa-v3)
model. Everything that works through ``AutoModel*``, ``base_model``, ``base_model_prefix``,
``get_input_embeddings`` and ``tie_weights`` needs no family; a :class:`Family` holds the rest:
which ``model_type`` it covers, the conventions of its tiny offline build (special tokens and
their ids, the pair template, whether pairs carry ``token_type_ids``), whether its base model
owns the pooler that some heads use (see :mod:`xtask.models.pooler`), and where its masked-LM
decoder is. The family of a model is read from its config (:func:`family_of`); only the tiny
build is asked for one by name (``model.tiny.family``).

Which heads use a pooler (transformers 5):

* BERT: sequence classification and multiple choice use the base model's ``pooler``
  (``BertModel(add_pooling_layer=True)``); token classification, QA and MLM build none.
* XLM-R: only multiple choice uses the base model's ``pooler``; sequence classification has
  its own dense layer on ``<s>`` inside the head.
* DeBERTa-v2: the base model has no pooler; sequence classification and multiple choice own a
  ``ContextPooler`` inside the head, so it is never part of a saved encoder.

No family sets a retrieval layer: the layer depends on the model's depth, so each
``conf/model/*.yaml`` sets ``retrieval_layer`` for its model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple

from xtask.config import EncoderFamily, TinyArchitecture


@dataclass(frozen=True)
class TinyTokens:
    """Special tokens of a family's tiny tokenizer, listed in id order (ids 0, 1, 2, ...)."""

    ordered: Tuple[str, ...]
    cls: str
    sep: str
    pad: str
    unk: str
    mask: str
    # tokenizers' TemplateProcessing syntax; ":1" marks token type 1.
    single: str
    pair: str


@dataclass(frozen=True)
class Family:
    name: EncoderFamily
    model_types: Tuple[str, ...]  # transformers config.model_type values this family covers
    tiny_tokens: TinyTokens
    # Pairs carry token_type_ids 0/1 that the model embeds (BERT); DeBERTa-v2's tokenizer emits
    # them too, but mDeBERTa has type_vocab_size=0 and ignores them.
    pair_token_types: bool
    # The base model owns the pooler (``add_pooling_layer``); False: the heads own theirs, if any.
    base_pooler: bool
    tiny_config: Callable[[TinyArchitecture, int], Any]  # (architecture, vocabulary size) -> config
    tiny_model_class: str  # what the tiny build saves: a model with the family's pretrained MLM head
    # Bump when this family's tiny build changes, so old cache entries are not reused.
    tiny_builder_version: int

    def encoder_kwargs(self, pooler: bool) -> Dict[str, Any]:
        """``AutoModel.from_pretrained`` keyword arguments for a base model with/without its pooler."""
        return {"add_pooling_layer": pooler} if self.base_pooler else {}

    def lm_decoder(self, mlm_model: Any) -> Optional[Any]:
        """The masked-LM model's output projection (tied to the input embeddings), or None when
        the head multiplies by the input embeddings itself (DeBERTa-v2 with ``legacy=False``,
        whose ``get_output_embeddings()`` returns the transform's dense layer instead)."""
        if self.name == EncoderFamily.deberta_v2 and not getattr(mlm_model.config, "legacy", True):
            return None
        return mlm_model.get_output_embeddings()


def _shape(arch: TinyArchitecture, vocab_size: int) -> Dict[str, int]:
    """The tiny model's size, the same in every family."""
    return {"vocab_size": vocab_size, "hidden_size": arch.hidden_size, "num_hidden_layers": arch.num_hidden_layers,
            "num_attention_heads": arch.num_attention_heads, "intermediate_size": arch.intermediate_size}


def _xlmr_config(arch: TinyArchitecture, vocab_size: int) -> Any:
    from transformers import XLMRobertaConfig

    return XLMRobertaConfig(
        **_shape(arch, vocab_size),
        # XLM-R numbers positions from pad_token_id + 1.
        max_position_embeddings=arch.max_length + 2,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        type_vocab_size=1,
    )


def _bert_config(arch: TinyArchitecture, vocab_size: int) -> Any:
    from transformers import BertConfig

    # mBERT: positions from 0, two token types, [PAD] = 0.
    return BertConfig(
        **_shape(arch, vocab_size),
        max_position_embeddings=arch.max_length,
        type_vocab_size=2,
        pad_token_id=0,
    )


def _deberta_v2_config(arch: TinyArchitecture, vocab_size: int) -> Any:
    from transformers import DebertaV2Config

    # mdeberta-v3-base's settings (relative attention only, shared key projections, p2c + c2p,
    # no token types, [PAD] = 0), with fewer position buckets for 128-token inputs (it has 256).
    return DebertaV2Config(
        **_shape(arch, vocab_size),
        max_position_embeddings=arch.max_length,
        relative_attention=True,
        position_buckets=32,
        max_relative_positions=-1,
        pos_att_type=["p2c", "c2p"],
        position_biased_input=False,
        share_att_key=True,
        norm_rel_ebd="layer_norm",
        type_vocab_size=0,
        pad_token_id=0,
        layer_norm_eps=1e-7,
        pooler_hidden_size=arch.hidden_size,
        pooler_dropout=0.0,
        pooler_hidden_act="gelu",
    )


FAMILIES: Dict[EncoderFamily, Family] = {
    EncoderFamily.xlmr: Family(
        name=EncoderFamily.xlmr,
        model_types=("xlm-roberta",),
        tiny_tokens=TinyTokens(
            ordered=("<s>", "<pad>", "</s>", "<unk>", "<mask>"),  # XLM-R's ids 0..4
            cls="<s>", sep="</s>", pad="<pad>", unk="<unk>", mask="<mask>",
            single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        ),
        pair_token_types=False,
        base_pooler=True,
        tiny_config=_xlmr_config,
        tiny_model_class="XLMRobertaForMaskedLM",
        tiny_builder_version=2,  # 2: canonical Unigram vocabulary (reproducible builds)
    ),
    EncoderFamily.bert: Family(
        name=EncoderFamily.bert,
        model_types=("bert",),
        tiny_tokens=TinyTokens(
            ordered=("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"),
            cls="[CLS]", sep="[SEP]", pad="[PAD]", unk="[UNK]", mask="[MASK]",
            single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        ),
        pair_token_types=True,
        base_pooler=True,
        tiny_config=_bert_config,
        # mBERT's checkpoint layout: MLM head, and the pooler with its NSP head.
        tiny_model_class="BertForPreTraining",
        tiny_builder_version=1,
    ),
    EncoderFamily.deberta_v2: Family(
        name=EncoderFamily.deberta_v2,
        model_types=("deberta-v2",),
        tiny_tokens=TinyTokens(
            ordered=("[PAD]", "[CLS]", "[SEP]", "[UNK]", "[MASK]"),  # mDeBERTa's 0..3; its [MASK] is last
            cls="[CLS]", sep="[SEP]", pad="[PAD]", unk="[UNK]", mask="[MASK]",
            single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        ),
        pair_token_types=False,
        base_pooler=False,
        tiny_config=_deberta_v2_config,
        tiny_model_class="DebertaV2ForMaskedLM",
        tiny_builder_version=1,
    ),
}
assert set(FAMILIES) == set(EncoderFamily), "every EncoderFamily needs a Family"


class UnsupportedFamily(ValueError):
    """A model whose architecture is not one of the supported encoder families."""


def _supported() -> str:
    return ", ".join(f"{f.name.value} ({'/'.join(f.model_types)})" for f in FAMILIES.values())


def family_named(name: Any) -> Family:
    """The family called ``name`` (``model.tiny.family``)."""
    try:
        return FAMILIES[EncoderFamily(getattr(name, "value", name))]
    except ValueError:
        raise UnsupportedFamily(f"unknown encoder family {name!r}; supported: {_supported()}") from None


def family_of(config_or_model: Any) -> Family:
    """The family of a transformers config, or of a model (its ``.config``)."""
    config = getattr(config_or_model, "config", config_or_model)
    model_type = getattr(config, "model_type", None)
    for family in FAMILIES.values():
        if model_type in family.model_types:
            return family
    raise UnsupportedFamily(f"model_type {model_type!r} is not a supported encoder family; supported: {_supported()}")


def family_at(init_from: str) -> Family:
    """The family of the model in a folder or Hub id (reads its config only)."""
    from transformers import AutoConfig

    return family_of(AutoConfig.from_pretrained(init_from))
