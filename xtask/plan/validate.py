"""Checks of a composed config that its types cannot express: ranges, names that must exist,
settings that exclude each other. :func:`validate` raises one :class:`ConfigError` listing every
problem; :func:`xtask.plan.resolve.resolve` runs it before anything else, so a job, ``xtask plan``
and a multirun's start all refuse the same configs with the same words."""

from __future__ import annotations

from typing import Any, List

from xtask.errors import ConfigError


def _problem(key: str, value: Any, rule: str) -> str:
    return f"Value {value!r} is not valid for {key}: {rule}\n    full_key: {key}"


def _phase_problems(prefix: str, hp: Any) -> List[str]:
    out = []
    eval_strategy = str(getattr(hp.eval_strategy, "value", hp.eval_strategy))
    if hp.max_steps == 0 or hp.max_steps < -1:
        out.append(_problem(f"{prefix}.max_steps", hp.max_steps, "must be > 0 (or -1: train for epochs)"))
    if hp.max_steps == -1 and not hp.epochs > 0:
        out.append(_problem(f"{prefix}.epochs", hp.epochs, "must be > 0 (or set max_steps > 0): 0 steps would record an "
                            "untrained model's score as a result"))
    checks = [
        ("lr", hp.lr > 0, "must be > 0"),
        ("batch_size", hp.batch_size >= 1, "must be >= 1"),
        ("eval_batch_size", hp.eval_batch_size >= 1, "must be >= 1"),
        ("grad_accum", hp.grad_accum >= 1, "must be >= 1"),
        ("max_length", hp.max_length >= 16, "must be >= 16 tokens"),
        ("warmup_ratio", 0 <= hp.warmup_ratio < 1, "must be in [0, 1)"),
        ("weight_decay", hp.weight_decay >= 0, "must be >= 0"),
        ("logging_steps", hp.logging_steps >= 1, "must be >= 1"),
        ("doc_stride", 0 < hp.doc_stride < hp.max_length, "must be > 0 and below max_length"),
        ("max_query_length", 1 <= hp.max_query_length < hp.max_length, "must be >= 1 and below max_length"),
        ("max_answer_length", hp.max_answer_length >= 1, "must be >= 1"),
        ("n_best", hp.n_best >= 1, "must be >= 1"),
    ]
    out += [_problem(f"{prefix}.{key}", getattr(hp, key), rule) for key, ok, rule in checks if not ok]
    for key in ("max_train_examples", "max_eval_examples", "eval_steps", "save_steps", "checkpoint_minutes",
                "pad_to_multiple_of"):
        value = getattr(hp, key)
        if value is not None and value < 1:
            out.append(_problem(f"{prefix}.{key}", value, "must be >= 1, or null"))
    if hp.length_buckets is not None and hp.length_buckets < 0:
        out.append(_problem(f"{prefix}.length_buckets", hp.length_buckets, "must be >= 0 (0: off), or null"))
    if eval_strategy == "steps" and not hp.eval_steps:
        out.append(_problem(f"{prefix}.eval_steps", hp.eval_steps, "eval_strategy=steps needs eval_steps >= 1"))
    selection = str(getattr(hp.selection, "value", hp.selection))
    if selection == "best" and eval_strategy == "no":
        out.append(_problem(f"{prefix}.selection", selection, "best needs an evaluation to select on: set "
                            "eval_strategy to epoch or steps, or selection=last"))
    return out


def validate(cfg: Any) -> None:
    """Check what the schema's types cannot: ranges, and names that must exist. Raises one
    :class:`ConfigError` listing every problem (run before any job starts: xtask plan, the
    multirun start, each job)."""
    from xtask.tasks import TARGET_TASKS, intermediate_task
    from xtask.tasks.kinds import trainable_kinds

    problems = _phase_problems("train.inter", cfg.train.inter) + _phase_problems("train.target", cfg.train.target)
    inter = cfg.inter
    if not 0 <= inter.mlm.share < 1:
        problems.append(_problem("inter.mlm.share", inter.mlm.share, "must be in [0, 1)"))
    if inter.sampler.temperature <= 0:
        problems.append(_problem("inter.sampler.temperature", inter.sampler.temperature, "must be > 0"))
    if inter.sampler.cap is not None and inter.sampler.cap < 1:
        problems.append(_problem("inter.sampler.cap", inter.sampler.cap, "must be >= 1, or null"))
    for name in inter.tasks or []:
        try:
            intermediate_task(str(name))
        except KeyError as err:
            problems.append(_problem("inter.tasks", str(name), str(err.args[0])))
    target = TARGET_TASKS.get(str(cfg.target.name))
    languages = cfg.target.languages
    if languages is not None and languages != "auto":
        from omegaconf import ListConfig

        if not isinstance(languages, (list, ListConfig)) or not all(isinstance(x, str) for x in languages):
            problems.append(_problem("target.languages", languages, "must be null, auto, or a list of language codes"))
        elif target is not None:
            unknown = [lang for lang in languages if lang not in target.languages]
            if unknown:
                problems.append(_problem("target.languages", list(languages),
                                         f"{target.name} has no language(s) {unknown}; its languages: {', '.join(target.languages)}"))
    if cfg.target.max_length is not None and cfg.target.max_length < 16:
        problems.append(_problem("target.max_length", cfg.target.max_length, "must be >= 16 tokens, or null"))
    kinds = trainable_kinds()
    for kind, total in (cfg.train.target_effective_batch or {}).items():
        key = f"train.target_effective_batch.{kind}"
        if kind not in kinds:
            problems.append(_problem(key, total, f"unknown task kind; valid: {', '.join(kinds)}"))
        elif total < 1:
            problems.append(_problem(key, total, "must be >= 1"))
        elif total % min(cfg.train.target.batch_size, total):
            problems.append(_problem(key, total, f"must be a multiple of the micro-batch train.target.batch_size="
                                     f"{cfg.train.target.batch_size} (or at most it)"))
    if cfg.train.dataloader_workers < 0:
        problems.append(_problem("train.dataloader_workers", cfg.train.dataloader_workers, "must be >= 0"))
    if cfg.train.fp16 and cfg.model.bf16:
        problems.append(_problem("train.fp16", cfg.train.fp16, "fp16 and bf16 (model.bf16) exclude each other: "
                                 "set one of them false"))
    if cfg.train.cpu_threads is not None and cfg.train.cpu_threads < 1:
        problems.append(_problem("train.cpu_threads", cfg.train.cpu_threads, "must be >= 1, or null"))
    tiny = cfg.model.tiny
    if tiny.hidden_size % tiny.num_attention_heads:
        problems.append(_problem("model.tiny.hidden_size", tiny.hidden_size, "must be a multiple of num_attention_heads"))
    if int(cfg.seed) < 0:
        problems.append(_problem("seed", cfg.seed, "must be >= 0"))
    if problems:
        raise ConfigError("\n".join(problems))
