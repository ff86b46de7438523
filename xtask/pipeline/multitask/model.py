"""One shared encoder with one head per task (and optionally a masked-LM head).

Each head is the head of the matching transformers model class (sequence classification, token
classification, QA, multiple choice, masked LM), so a task's forward pass and loss are exactly
the single-task ones; the task models are wired to one shared base model (``XLMRobertaModel``,
``BertModel``, ``DebertaV2Model``: any family of xtask/models/families.py) through
``base_model_prefix``, and the MLM decoder is re-tied to its input embeddings by ``tie_weights``.
A checkpoint is a folder with ``encoder/`` (a plain encoder: what phase 2 starts from, its pooler
set by the policy of xtask/models/pooler.py) and ``heads.safetensors`` + ``heads.json`` (enough
to rebuild every head, including the pooler the heads trained, under ``_encoder.pooler.*``).

Masked LM continues the checkpoint's pretrained MLM head. A checkpoint without one (an embedding
model such as multilingual-e5, or a replaced-token-detection model such as mDeBERTa-v3) is
refused with :class:`NoMaskedLMHead` rather than given a random head: a head learnt from scratch
during intermediate training is a different recipe from continuing the pretraining objective.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import AbstractSet, Any, Dict, Mapping, Optional, Set, Tuple

import torch
from torch import nn

from xtask.tasks.kinds import KINDS
from xtask.models.load_report import load_with_info
from xtask.tasks.spec import TaskKind, TaskSpec as Task

MLM_TASK = "mlm"
HEADS_FILE = "heads.safetensors"
SPEC_FILE = "heads.json"
ENCODER_KEYS = "_encoder."  # heads-file prefix of encoder tensors that belong to the heads (the pooler)


class NoMaskedLMHead(ValueError):
    """``inter.mlm.share > 0`` with a checkpoint that has no pretrained masked-LM head."""

# Each kind's head class (xtask.tasks.kinds), and the masked-LM head of an MLM share.
_HEAD_CLASSES = {**{name: kind.head for name, kind in KINDS.items() if kind.head}, MLM_TASK: "AutoModelForMaskedLM"}


def head_spec(task: Task) -> Dict[str, Any]:
    spec: Dict[str, Any] = {"kind": task.kind.value}
    if task.kind in (TaskKind.classification, TaskKind.tagging):
        spec["labels"] = list(task.labels)
    return spec


def _task_model(kind: str, config: Any, spec: Mapping[str, Any]) -> nn.Module:
    import transformers

    config = config.__class__.from_dict(config.to_dict())  # each head its own config copy
    if "labels" in spec:
        config.num_labels = len(spec["labels"])
        config.id2label = dict(enumerate(spec["labels"]))
        config.label2id = {label: i for i, label in enumerate(spec["labels"])}
    else:
        config.num_labels = 2 if kind == TaskKind.qa.value else config.num_labels
    return getattr(transformers, _HEAD_CLASSES[kind]).from_config(config)


def _load_encoder(path: Any) -> Tuple[nn.Module, Optional[Dict[str, torch.Tensor]]]:
    """The base model at ``path`` with its family's pooler, and the pooler it was loaded with
    (None when the checkpoint has none and the pooler is freshly initialised)."""
    from transformers import AutoModel

    from xtask.models.families import family_at
    from xtask.models.pooler import loaded_pooler

    family = family_at(str(path))
    encoder, info = load_with_info(AutoModel, path, **family.encoder_kwargs(pooler=True))
    return encoder, loaded_pooler(encoder, info)


class MultiTaskModel(nn.Module):
    def __init__(self, encoder: nn.Module, specs: Mapping[str, Mapping[str, Any]],
                 start_pooler: Optional[Dict[str, torch.Tensor]] = None) -> None:
        """``start_pooler``: the pooler ``encoder/`` is saved with (pooler policy), None for none."""
        super().__init__()
        self.encoder = encoder
        self.specs = {name: dict(spec) for name, spec in specs.items()}
        self.start_pooler = start_pooler
        models = {}
        for name, spec in self.specs.items():
            model = _task_model(spec["kind"], encoder.config, spec)
            setattr(model, model.base_model_prefix, encoder)  # e.g. model.roberta = the shared encoder
            if spec["kind"] == MLM_TASK:
                model.tie_weights()  # the LM decoder shares the (shared) input embeddings
            models[name] = model
        self.task_models = nn.ModuleDict(models)

    @classmethod
    def from_encoder(cls, init_from: str, specs: Mapping[str, Mapping[str, Any]]) -> "MultiTaskModel":
        encoder, start_pooler = _load_encoder(init_from)
        model = cls(encoder, specs, start_pooler)
        if MLM_TASK in specs:
            model._continue_mlm_head(init_from)
        return model

    def _continue_mlm_head(self, init_from: str) -> None:
        """Copy the pretrained MLM head of ``init_from`` into the MLM task model."""
        from transformers import AutoModelForMaskedLM

        pretrained, info = load_with_info(AutoModelForMaskedLM, init_from)
        base = pretrained.base_model_prefix + "."
        missing = sorted(key for key in info["missing_keys"] if not key.startswith(base))
        if missing:
            raise NoMaskedLMHead(
                f"{init_from} has no pretrained masked-LM head ({type(pretrained).__name__} is missing "
                f"{', '.join(missing)}): it was not pretrained with masked LM (an embedding model such as "
                f"multilingual-e5, or a replaced-token-detection model such as mDeBERTa-v3). "
                f"inter.mlm.share continues the model's MLM pretraining; use inter.mlm.share=0 with this model."
            )
        head = {key: value for key, value in pretrained.state_dict().items() if not key.startswith(base)}
        _, unexpected = _load_partial(self.task_models[MLM_TASK], head, skip=self._encoder_params())
        if unexpected:
            raise RuntimeError(f"MLM head of {init_from}: tensors {unexpected} have no place in the task model")

    def _encoder_params(self) -> Set[int]:
        return {id(p) for p in self.encoder.parameters()}

    def forward(self, task: str, **batch: Any) -> Any:
        return self.task_models[task](**batch)

    def head_state(self) -> Dict[str, torch.Tensor]:
        """Every parameter that is not the shared encoder's (nor tied to it), and the encoder's
        pooler, which the heads train but ``encoder/`` does not keep (pooler policy)."""
        from xtask.models.pooler import pooler_state

        shared = self._encoder_params()
        state = {}
        for name, model in self.task_models.items():
            for key, value in model.named_parameters():
                if id(value) not in shared:
                    state[f"{name}.{key}"] = value.detach().cpu().contiguous()
        for key, value in pooler_state(self.encoder.state_dict()).items():
            state[ENCODER_KEYS + key] = value.detach().cpu().contiguous()
        return state

    def save(self, dest: Path, tokenizer: Any = None) -> None:
        from safetensors.torch import save_file

        from xtask.models.pooler import handed_on_state
        from xtask.pipeline.training import neutralize_head_config

        dest = Path(dest)
        dest.mkdir(parents=True, exist_ok=True)
        neutralize_head_config(self.encoder.config)
        self.encoder.save_pretrained(
            dest / "encoder", state_dict=handed_on_state(self.encoder.state_dict(), self.start_pooler)
        )
        if tokenizer is not None:
            tokenizer.save_pretrained(dest / "encoder")
        save_file(self.head_state(), str(dest / HEADS_FILE))
        (dest / SPEC_FILE).write_text(json.dumps(self.specs, indent=1) + "\n")

    @classmethod
    def load(cls, path: Path) -> "MultiTaskModel":
        from safetensors.torch import load_file

        path = Path(path)
        specs = json.loads((path / SPEC_FILE).read_text())
        encoder, start_pooler = _load_encoder(path / "encoder")  # its pooler: the policy's start
        model = cls(encoder, specs, start_pooler)
        heads = load_file(str(path / HEADS_FILE))
        trained = {k[len(ENCODER_KEYS) :]: v for k, v in heads.items() if k.startswith(ENCODER_KEYS)}
        _, unexpected = _load_partial(model.encoder, trained)
        if unexpected:
            raise RuntimeError(f"encoder: unexpected tensors {unexpected}")
        for name, task_model in model.task_models.items():
            own = {k[len(name) + 1 :]: v for k, v in heads.items() if k.startswith(f"{name}.")}
            missing, unexpected = _load_partial(task_model, own)
            if unexpected:
                raise RuntimeError(f"head {name!r}: unexpected tensors {unexpected}")
        return model


def _load_partial(module: nn.Module, state: Mapping[str, torch.Tensor], skip: AbstractSet[int] = frozenset()
                  ) -> Tuple[list, list]:
    """Copy ``state`` into ``module``'s parameters of the same names (tied names included), except
    those whose id is in ``skip``; returns (parameters not in ``state``, keys that name none)."""
    named = dict(module.named_parameters(remove_duplicate=False))
    params = {k: p for k, p in named.items() if id(p) not in skip}
    unexpected = [k for k in state if k not in named]
    with torch.no_grad():
        for key, value in state.items():
            if key in params:
                params[key].copy_(value)
    return [k for k in params if k not in state], unexpected
