"""Pooler policy: phase 2 starts from the same pooler whatever phase 1 was.

BERT's sequence-classification and multiple-choice heads, and XLM-R's multiple-choice head, read
the base model's ``pooler`` (a dense layer on the first token), which lives in the encoder, not
in the head. Saved as it is, phase 1 would hand phase 2 a pooler that depends on its task:
trained by a classification or multiple-choice head, or none at all after a QA or tagging head
(those models build no pooler), so phase 2 would draw a random one. The intermediate task would
be confounded with the pooler's starting point in the transfer matrix.

The policy: an encoder handed on by phase 1 carries

* the *pretrained* model's pooler, restored bit for bit, when the pretrained checkpoint has one
  (mBERT; XLM-R from the Hub), or
* no pooler when it has none (multilingual-e5, the tiny XLM-R): phase 2's head then initialises
  one from the phase's seed.

Either way phase 2 starts with exactly the pooler that it starts with when it fine-tunes the
pretrained model directly (``inter=none``), so every row of the transfer matrix, the baseline
included, shares it. A pooler trained in phase 1 is part of phase 1's head: dropped with it after
a single task, kept with the heads of a multi-task checkpoint (which must reload exactly).
DeBERTa-v2's poolers (``ContextPooler``) are inside its heads, so they are always fresh.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from xtask.models.families import family_at, family_of

PREFIX = "pooler."  # the pooler's state-dict keys in a base model

State = Dict[str, Any]


def pooler_state(state: Mapping[str, Any]) -> State:
    return {key: value for key, value in state.items() if key.startswith(PREFIX)}


def loaded_pooler(encoder: Any, loading_info: Mapping[str, Any]) -> Optional[State]:
    """The pooler an encoder was loaded with (a copy), or None when its checkpoint had none
    (``from_pretrained(..., output_loading_info=True)`` then lists the pooler as missing)."""
    if not family_of(encoder).base_pooler or getattr(encoder, "pooler", None) is None:
        return None
    if any(str(key).startswith(PREFIX) for key in loading_info.get("missing_keys", ())):
        return None
    return {key: value.detach().clone() for key, value in pooler_state(encoder.state_dict()).items()}


def pretrained_pooler(init_from: str) -> Optional[State]:
    """The pooler of the pretrained checkpoint ``init_from``, or None when it has none. Loads the
    checkpoint's base model on the CPU (once per phase-1 encoder)."""
    from transformers import AutoModel

    family = family_at(init_from)
    if not family.base_pooler:
        return None
    from xtask.models.load_report import load_with_info

    encoder, info = load_with_info(AutoModel, init_from, **family.encoder_kwargs(pooler=True))
    return loaded_pooler(encoder, info)


def handed_on_state(encoder_state: Mapping[str, Any], start_pooler: Optional[State]) -> State:
    """The encoder state phase 2 starts from: ``encoder_state`` with its own pooler, if any,
    replaced by ``start_pooler`` (dropped when None); cast to the encoder's dtype and device."""
    state = {key: value for key, value in encoder_state.items() if not key.startswith(PREFIX)}
    if start_pooler:
        reference = next(v for v in state.values() if v.is_floating_point())
        state.update({key: value.to(device=reference.device, dtype=reference.dtype) for key, value in start_pooler.items()})
    return state
