"""Phase 1: intermediate training, single-task or a mixture, and the encoder it hands on.

``run_intermediate`` writes into a build folder; :mod:`xtask.cache` makes it a shared entry.

One task and no masked LM is the plain STILTs recipe (fine-tune, select on the English dev set).
Several tasks (``inter=multitask``) or a masked-LM share (``inter.mlm.share > 0``) train one
shared encoder on a sampled mixture (xtask/multitask). Either way the result is a plain encoder
folder that phase 2 and the retrieval targets start from.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from xtask.data.sources import BUNDLED_MINI_ROOT, DataContext, MissingDataError
from xtask.tasks import INTERMEDIATE_TASKS, MULTITASK, Task, intermediate_task

if TYPE_CHECKING:
    import datasets

log = logging.getLogger(__name__)



@dataclass
class IntermediateResult:
    encoder_dir: Path
    metrics: Dict[str, Any]
    seconds: float


def mixture_names(inter_cfg: Any, ctx: DataContext) -> List[str]:
    """The tasks phase 1 trains on: the named one, or the multitask list (default: every
    intermediate task whose data the source has, judged without reading it)."""
    if inter_cfg.name != MULTITASK:
        return [intermediate_task(inter_cfg.name).name]
    if inter_cfg.tasks:
        return [intermediate_task(name).name for name in inter_cfg.tasks]
    names = [task.name for task in INTERMEDIATE_TASKS.values() if has_data(task, ctx)]
    if not names:
        raise MissingDataError("multitask: no intermediate task has training data under this data config")
    return names


def has_data(task: Task, ctx: DataContext) -> bool:
    """Whether the source has the task's English training set (files exist; the Hub has all
    tasks that have a Hub dataset), without reading it."""
    from xtask.data.sources import available_languages, owner
    from xtask.tasks import get_task

    parts = [get_task(p) for p in task.parts] if task.parts else [owner(task, ctx, "train", "en")]
    for part in parts:
        try:
            if part.local_root is not None:
                ctx.local_file(part, "train", "en")
            elif ctx.source.value == "hub":
                if part.hub is None and part.name not in ctx.hub:
                    return False
            elif not available_languages(part, ctx, "train")[0]:
                return False
        except (MissingDataError, ValueError):
            return False
    return True


def mixture_tasks(inter_cfg: Any, ctx: DataContext) -> List[Task]:
    return [intermediate_task(name).resolve(ctx) for name in mixture_names(inter_cfg, ctx)]


def translated_context(ctx: DataContext, translated_cfg: Any, lang: str) -> DataContext:
    """A data context whose root is the translation of the English data into ``lang``."""
    import dataclasses

    if translated_cfg.root is not None:
        root = Path(translated_cfg.root)
    elif ctx.root is not None and ctx.root == BUNDLED_MINI_ROOT:
        root = BUNDLED_MINI_ROOT / "translated"
    else:
        raise MissingDataError(
            "inter.translated.languages is set but inter.translated.root is not: point it at a folder "
            "with one sub-folder per language laid out like the English data (see README)"
        )
    # Translations are local files in each dataset's release layout (the layout data=mini uses),
    # whatever data.source the English data comes from.
    from xtask.config import DataSource

    return dataclasses.replace(ctx, source=DataSource.mini, root=(root / lang).resolve())


def training_set(task: Task, ctx: DataContext, translated_cfg: Any,
                 english: Optional[datasets.Dataset] = None) -> datasets.Dataset:
    """English training data (``english`` when already read), its translations, or both (translate-train)."""
    import datasets

    if english is None and (translated_cfg.include_english or not translated_cfg.languages):
        english = task.read(ctx, "train")
    parts = [english] if translated_cfg.include_english or not translated_cfg.languages else []
    for lang in translated_cfg.languages:
        parts.append(task.read(translated_context(ctx, translated_cfg, lang), "train"))
        log.info("%s: + translated training data (%s, %d examples)", task.name, lang, len(parts[-1]))
    return parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts)


def mlm_lines(mlm_cfg: Any, seed: int) -> datasets.Dataset:
    import datasets

    path = Path(mlm_cfg.corpus) if mlm_cfg.corpus else BUNDLED_MINI_ROOT / "corpus"
    files = sorted(path.glob("*.txt")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise MissingDataError(f"MLM corpus not found: {path} (inter.mlm.corpus: a text file or a folder of *.txt)")
    lines = [line.strip() for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    data = datasets.Dataset.from_dict({"text": lines}).shuffle(seed=seed)
    return data.select(range(min(len(data), mlm_cfg.max_lines))) if mlm_cfg.max_lines else data


def run_intermediate(
    cfg: Any, ctx: DataContext, init_from: str, out_dir: Path, report_to: str, run_name: str,
    data: Optional[Dict[str, Tuple[Any, Any]]] = None,
) -> IntermediateResult:
    """Phase 1 into ``out_dir``. ``data``: task -> (training set, with its translations under
    translate-train; dev set) already read by the cell's preflight; anything missing is read here."""
    from xtask.pipeline.multitask.sampler import task_probabilities
    from xtask.pipeline.multitask.training import train_mixture
    from xtask.pipeline.training import PhaseRun, TrainKnobs, finetune, save_encoder

    inter_cfg, hp = cfg.inter, cfg.train.inter
    data = dict(data or {})  # task -> (training set with its translations, dev set)
    tasks = mixture_tasks(inter_cfg, ctx)
    for task in tasks:
        if task.name not in data:
            data[task.name] = (training_set(task, ctx, inter_cfg.translated), task.read_selection_set(ctx))
    use_mlm = inter_cfg.mlm.share > 0
    encoder_dir = out_dir / "encoder"
    run = PhaseRun(init_from, out_dir, hp, cfg.seed, cfg.model.bf16, report_to, run_name, TrainKnobs.from_config(cfg))
    if len(tasks) == 1 and not use_mlm:
        task = tasks[0]
        train, dev = data[task.name]
        result = finetune(task=task, train_set=train, dev_set=dev, run=run)
        save_encoder(result, encoder_dir)
        return IntermediateResult(encoder_dir, {"task": task.name, **result.metrics}, result.seconds)

    sampler = inter_cfg.sampler
    fixed = {"mlm": inter_cfg.mlm.share} if use_mlm else {}

    def probabilities_for(sizes: Dict[str, int]) -> Dict[str, float]:
        return task_probabilities(
            sizes, strategy=str(getattr(sampler.strategy, "value", sampler.strategy)),
            temperature=sampler.temperature, cap=sampler.cap, fixed=fixed,
        )

    result = train_mixture(
        tasks={t.name: t for t in tasks},
        train_sets={t.name: data[t.name][0] for t in tasks},
        mlm_lines=mlm_lines(inter_cfg.mlm, cfg.seed) if use_mlm else None,
        probabilities_for=probabilities_for,
        run=run,
    )
    result.model.save(out_dir, result.tokenizer)  # encoder/ + the heads (the caller makes it atomic)
    tasks_run = [t.name for t in tasks] + (["mlm"] if use_mlm else [])
    return IntermediateResult(encoder_dir, {"task": inter_cfg.name, "tasks": tasks_run, **result.metrics}, result.seconds)
