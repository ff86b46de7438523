"""Less padding: length-grouped training batches, length-sorted prediction in the rows' order.

Training: :class:`GroupedSampler` orders each epoch as HF's ``LengthGroupedSampler`` does
(a seeded permutation cut into mega-batches of 50 batches, each sorted by length, the longest
batch first), so a batch holds examples of similar lengths and dynamic padding adds little.
Its permutation depends on ``(seed, epoch)`` only, never on the global RNG, so a run resumed
from a checkpoint sees the same batches as an uninterrupted one.

Evaluation and prediction: :func:`predict_in_order` runs the features longest first (a
prediction does not depend on its batch-mates) and puts the outputs back in the rows' order.
transformers' own ``train_sampling_strategy="group_by_length"`` is not used: it also reorders
the evaluation sampler, which would misalign predictions with their gold rows.
"""

from __future__ import annotations

import functools
from typing import Any, Iterator, List, Optional, Sequence, Tuple, Union

import datasets
import numpy as np
import torch
from torch.utils.data import Sampler

# Off only to check that sorting changes no prediction (tests/test_perf_paths.py).
SORT_PREDICTIONS = True


def feature_lengths(features: datasets.Dataset, column: str = "input_ids") -> np.ndarray:
    """Token count of each feature (of its longest sequence for multiple choice), read from
    Arrow without decoding the rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = features.with_format("arrow")[column]  # respects an indices mapping (select/shuffle)
    if isinstance(array, pa.Table):
        array = array.column(0)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_list(array.type.value_type) or pa.types.is_large_list(array.type.value_type):
        # One row = one sequence per choice: the row's padded length is its longest choice's.
        inner = pc.list_value_length(pc.list_flatten(array)).to_numpy(zero_copy_only=False)
        starts = np.asarray(array.offsets)[:-1] - array.offsets[0].as_py()
        counts = pc.list_value_length(array).to_numpy(zero_copy_only=False)
        out = np.zeros(len(array), dtype=np.int64)
        nonempty = counts > 0
        out[nonempty] = np.maximum.reduceat(inner, starts[nonempty]) if inner.size else 0
        return out
    return pc.list_value_length(array).to_numpy(zero_copy_only=False).astype(np.int64)


def epoch_seed(seed: int, epoch: int) -> int:
    """A generator seed for (run seed, epoch): no two pairs share a stream."""
    return int(np.random.SeedSequence([int(seed), int(epoch)]).generate_state(1)[0])


class GroupedSampler(Sampler[int]):
    """HF's length-grouped order, seeded by ``(seed, epoch)``.

    ``batch_size`` is the unit of grouping (the Trainer's micro-batch times the gradient
    accumulation, as HF uses). The Trainer calls :meth:`set_epoch` before each epoch; a
    loader that restarts it without that (a multi-task mixture) gets the next epoch's order.
    """

    def __init__(self, lengths: Sequence[int], batch_size: int, seed: int) -> None:
        self.lengths = [int(n) for n in lengths]
        self.batch_size = max(int(batch_size), 1)
        self.seed = int(seed)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.lengths)

    def order(self, epoch: int) -> List[int]:
        from transformers.trainer_pt_utils import get_length_grouped_indices

        if not self.lengths:
            return []
        generator = torch.Generator().manual_seed(epoch_seed(self.seed, epoch))
        return get_length_grouped_indices(self.lengths, self.batch_size, generator=generator)

    def __iter__(self) -> Iterator[int]:
        indices = self.order(self.epoch)
        self.epoch += 1
        return iter(indices)


def padding_fraction(lengths: Sequence[int], order: Sequence[int], batch_size: int,
                     pad_to: Optional[int] = None) -> float:
    """Share of the tokens a model sees that are padding, for batches of ``batch_size``
    consecutive indices of ``order`` padded to their longest (or all to ``pad_to``)."""
    lengths = np.asarray(lengths)
    real = padded = 0
    for start in range(0, len(order), batch_size):
        batch = lengths[np.asarray(order[start : start + batch_size])]
        real += int(batch.sum())
        padded += len(batch) * (pad_to if pad_to is not None else int(batch.max()))
    return 1 - real / padded if padded else 0.0


def length_order(features: datasets.Dataset) -> np.ndarray:
    """Row indices, longest first (ties in row order)."""
    return np.argsort(-feature_lengths(features), kind="stable")


def sort_by_length(features: datasets.Dataset) -> datasets.Dataset:
    """The same features, longest first: for evaluations whose metric does not depend on the
    rows' order (accuracy, F1: labels travel with their rows)."""
    if not SORT_PREDICTIONS or len(features) < 2:
        return features
    return features.select(length_order(features))


Predictions = Union[np.ndarray, Tuple[np.ndarray, ...]]


def predict_in_order(trainer: Any, features: datasets.Dataset) -> Predictions:
    """``trainer.predict(features).predictions``, computed longest first and returned in the
    features' own order (row i of the result belongs to feature i)."""
    if not SORT_PREDICTIONS or len(features) < 2:
        return trainer.predict(features, metric_key_prefix="predict").predictions
    order = length_order(features)
    output = trainer.predict(features.select(order), metric_key_prefix="predict")
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    if isinstance(output.predictions, tuple):
        return tuple(p[inverse] for p in output.predictions)
    return output.predictions[inverse]


@functools.lru_cache(maxsize=None)
def trainer_class() -> Any:
    """The phase Trainer: length-grouped training batches when ``group_by_length``; evaluation
    in the order it is given; ``feature_cache`` (a folder or None) for the formats' encoders;
    the best model selected in host memory (:class:`xtask.pipeline.checkpointing.KeepsBest`)."""
    from torch.utils.data import SequentialSampler
    from transformers import Trainer

    from xtask.pipeline.checkpointing import KeepsBest

    class XTaskTrainer(KeepsBest, Trainer):
        def __init__(self, *args: Any, group_by_length: bool = False, feature_cache: Any = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.group_by_length = group_by_length
            self.feature_cache = feature_cache

        def _get_train_sampler(self, train_dataset: Any = None) -> Any:
            dataset = train_dataset if train_dataset is not None else self.train_dataset
            if not self.group_by_length or not isinstance(dataset, datasets.Dataset):
                return super()._get_train_sampler(train_dataset)
            seed = self.args.data_seed if self.args.data_seed is not None else self.args.seed
            unit = self.args.train_batch_size * self.args.gradient_accumulation_steps
            return GroupedSampler(feature_lengths(dataset), unit, seed)

        def _get_eval_sampler(self, eval_dataset: Any) -> Any:
            # Never transformers' group_by_length order here: outputs must stay on their rows.
            if self.args.world_size <= 1 and eval_dataset is not None:
                return SequentialSampler(eval_dataset)
            return super()._get_eval_sampler(eval_dataset)

    return XTaskTrainer
