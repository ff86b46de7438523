"""The retrieval encoder stops at its layer and embeds length-sorted batches: the same
embeddings, in the caller's order, as running every sentence alone through the whole model."""

from __future__ import annotations

import numpy as np
import pytest
import torch


@pytest.mark.parametrize("layer", [1, -1, 0])
def test_truncated_sorted_batches_equal_the_full_model(shared_cache, layer: int) -> None:
    from transformers import AutoModel, AutoTokenizer

    from xtask.config import TinyArchitecture
    from xtask.models.tiny import ensure_tiny_model
    from xtask.pipeline.retrieval import Encoder

    folder = ensure_tiny_model(TinyArchitecture(), shared_cache)
    sentences = ["Der Mann schläft im Park.", "a", "The woman is reading in the library with a friend today.", "x y",
                 "Le chien mange.", "Ein sehr langer Satz, der viel länger ist als die anderen Sätze hier."]
    encoder = Encoder(str(folder), layer, 64, batch_size=2)
    if layer == 1:
        assert len(encoder.model.encoder.layer) == 1  # layer 2 of 2 is never computed
    got = encoder(sentences)
    tokenizer, model = AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder).eval()
    for row, sentence in zip(got, sentences):
        with torch.no_grad():
            hidden = model(**tokenizer([sentence], return_tensors="pt"), output_hidden_states=True).hidden_states[layer]
        expected = torch.nn.functional.normalize(hidden.mean(1), dim=-1)[0].numpy()
        assert np.abs(row - expected).max() < 1e-5, sentence
