"""One shared encoder with one head per task (and optionally a masked-LM head).

Each head is the head of the matching transformers model class (sequence classification, token
classification, QA, multiple choice, masked LM), so a task's forward pass and loss are exactly
the single-task ones; the task models are wired to one shared ``XLMRobertaModel`` instance.
A checkpoint is a folder with ``encoder/`` (a plain encoder: what phase 2 starts from) and
``heads.safetensors`` + ``heads.json`` (enough to rebuild every head).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Mapping, Tuple

import torch
from torch import nn

from xtask.tasks.spec import TaskKind, TaskSpec as Task

MLM_TASK = "mlm"
HEADS_FILE = "heads.safetensors"
SPEC_FILE = "heads.json"

_HEAD_CLASSES = {
    TaskKind.classification.value: "AutoModelForSequenceClassification",
    TaskKind.tagging.value: "AutoModelForTokenClassification",
    TaskKind.qa.value: "AutoModelForQuestionAnswering",
    TaskKind.multiple_choice.value: "AutoModelForMultipleChoice",
    MLM_TASK: "AutoModelForMaskedLM",
}


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


class MultiTaskModel(nn.Module):
    def __init__(self, encoder: nn.Module, specs: Mapping[str, Mapping[str, Any]]) -> None:
        super().__init__()
        self.encoder = encoder
        self.specs = {name: dict(spec) for name, spec in specs.items()}
        models = {}
        for name, spec in self.specs.items():
            model = _task_model(spec["kind"], encoder.config, spec)
            setattr(model, model.base_model_prefix, encoder)  # e.g. model.roberta = the shared encoder
            models[name] = model
        self.task_models = nn.ModuleDict(models)
        if MLM_TASK in models:  # the LM decoder shares the (shared) input embeddings, as in XLM-R
            models[MLM_TASK].lm_head.decoder.weight = encoder.embeddings.word_embeddings.weight

    @classmethod
    def from_encoder(cls, init_from: str, specs: Mapping[str, Mapping[str, Any]]) -> "MultiTaskModel":
        from transformers import AutoModel

        encoder = AutoModel.from_pretrained(init_from, add_pooling_layer=True)
        model = cls(encoder, specs)
        if MLM_TASK in specs:  # continue from the pretrained LM head (random if the checkpoint has none)
            from transformers import AutoModelForMaskedLM

            lm_head = model.task_models[MLM_TASK].lm_head
            lm_head.load_state_dict(AutoModelForMaskedLM.from_pretrained(init_from).lm_head.state_dict())
            lm_head.decoder.weight = encoder.embeddings.word_embeddings.weight
        return model

    def forward(self, task: str, **batch: Any) -> Any:
        return self.task_models[task](**batch)

    def head_state(self) -> Dict[str, torch.Tensor]:
        """Every parameter that is not the shared encoder's (nor tied to it)."""
        shared = {id(p) for p in self.encoder.parameters()}
        state = {}
        for name, model in self.task_models.items():
            for key, value in model.named_parameters():
                if id(value) not in shared:
                    state[f"{name}.{key}"] = value.detach().cpu().contiguous()
        return state

    def save(self, dest: Path, tokenizer: Any = None) -> None:
        from safetensors.torch import save_file

        from xtask.pipeline.training import neutralize_head_config

        dest = Path(dest)
        dest.mkdir(parents=True, exist_ok=True)
        neutralize_head_config(self.encoder.config)
        self.encoder.save_pretrained(dest / "encoder")
        if tokenizer is not None:
            tokenizer.save_pretrained(dest / "encoder")
        save_file(self.head_state(), str(dest / HEADS_FILE))
        (dest / SPEC_FILE).write_text(json.dumps(self.specs, indent=1) + "\n")

    @classmethod
    def load(cls, path: Path) -> "MultiTaskModel":
        from safetensors.torch import load_file
        from transformers import AutoModel

        path = Path(path)
        specs = json.loads((path / SPEC_FILE).read_text())
        model = cls(AutoModel.from_pretrained(path / "encoder", add_pooling_layer=True), specs)
        heads = load_file(str(path / HEADS_FILE))
        for name, task_model in model.task_models.items():
            own = {k[len(name) + 1 :]: v for k, v in heads.items() if k.startswith(f"{name}.")}
            missing, unexpected = _load_partial(task_model, own)
            if unexpected:
                raise RuntimeError(f"head {name!r}: unexpected tensors {unexpected}")
        return model


def _load_partial(module: nn.Module, state: Mapping[str, torch.Tensor]) -> Tuple[list, list]:
    params = dict(module.named_parameters())
    unexpected = [k for k in state if k not in params]
    with torch.no_grad():
        for key, value in state.items():
            if key in params:
                params[key].copy_(value)
    return [k for k in params if k not in state], unexpected
