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

from xtask.data.sources import DataContext, MissingDataError, read_selection, read_split
from xtask.plan.cellplan import CellPlan, MLMPlan, Phase1Plan, TranslatedPlan
from xtask.tasks import Task, intermediate_task

if TYPE_CHECKING:
    import datasets

log = logging.getLogger(__name__)



@dataclass
class IntermediateResult:
    encoder_dir: Path
    metrics: Dict[str, Any]
    seconds: float


def phase1_tasks(phase1: Phase1Plan, ctx: DataContext) -> List[Task]:
    """The tasks phase 1 trains on (resolved in the plan), with their label sets."""
    return [intermediate_task(name).resolve(ctx) for name in phase1.tasks]


def translated_context(ctx: DataContext, translated: TranslatedPlan, lang: str) -> DataContext:
    """A data context whose root is the translation of the English data into ``lang``."""
    import dataclasses

    root = Path(str(translated.root))
    # Translations are local files in each dataset's release layout (the layout data=mini uses),
    # whatever data.source the English data comes from.
    from xtask.config import DataSource

    return dataclasses.replace(ctx, source=DataSource.mini, root=(root / lang).resolve())


def training_set(task: Task, ctx: DataContext, translated: Optional[TranslatedPlan],
                 english: Optional[datasets.Dataset] = None) -> datasets.Dataset:
    """English training data (``english`` when already read), its translations, or both (translate-train)."""
    import datasets

    languages = translated.languages if translated is not None else ()
    with_english = translated is None or translated.include_english or not languages
    if english is None and with_english:
        english = read_split(task, ctx, "train")
    parts = [english] if with_english else []
    for lang in languages:
        assert translated is not None
        parts.append(read_split(task, translated_context(ctx, translated, lang), "train"))
        log.info("%s: + translated training data (%s, %d examples)", task.name, lang, len(parts[-1]))
    return parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts)


def mlm_lines(mlm_cfg: MLMPlan, seed: int) -> datasets.Dataset:
    import datasets

    path = Path(str(mlm_cfg.corpus))
    files = sorted(path.glob("*.txt")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise MissingDataError(f"MLM corpus not found: {path} (inter.mlm.corpus: a text file or a folder of *.txt)")
    lines = [line.strip() for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    data = datasets.Dataset.from_dict({"text": lines}).shuffle(seed=seed)
    return data.select(range(min(len(data), mlm_cfg.max_lines))) if mlm_cfg.max_lines else data


def run_intermediate(
    plan: CellPlan, init_from: str, out_dir: Path, report_to: str, run_name: str,
    data: Optional[Dict[str, Tuple[Any, Any]]] = None,
) -> IntermediateResult:
    """Phase 1 of ``plan`` into ``out_dir``. ``data``: task -> (training set, with its translations
    under translate-train; dev set) already read by the cell's preflight; anything missing is read here."""
    from xtask.pipeline.multitask.sampler import task_probabilities
    from xtask.pipeline.multitask.training import train_mixture
    from xtask.pipeline.training import PhaseRun, TrainKnobs, finetune, save_encoder

    phase1, ctx = plan.phase1, plan.data
    assert phase1 is not None
    data = dict(data or {})  # task -> (training set with its translations, dev set)
    tasks = phase1_tasks(phase1, ctx)
    for task in tasks:
        if task.name not in data:
            dev = read_selection(task, ctx) if not phase1.is_mixture else None
            data[task.name] = (training_set(task, ctx, phase1.translated), dev)
    encoder_dir = out_dir / "encoder"
    run = PhaseRun(init_from, out_dir, phase1.hp, phase1.seed, phase1.precision.bf16, report_to, run_name,
                   TrainKnobs.from_plan(plan))
    if not phase1.is_mixture:
        task = tasks[0]
        train, dev = data[task.name]
        result = finetune(task=task, train_set=train, dev_set=dev, run=run)
        save_encoder(result, encoder_dir)
        return IntermediateResult(encoder_dir, {"task": task.name, **result.metrics}, result.seconds)

    sampler = phase1.sampler
    fixed = {"mlm": phase1.mlm.share} if phase1.mlm is not None else {}

    def probabilities_for(sizes: Dict[str, int]) -> Dict[str, float]:
        if sampler is None:  # one task and a masked-LM share
            return task_probabilities(sizes, strategy="proportional", temperature=1.0, cap=None, fixed=fixed)
        return task_probabilities(sizes, strategy=sampler.strategy, temperature=sampler.temperature, cap=sampler.cap,
                                  fixed=fixed)

    result = train_mixture(
        tasks={t.name: t for t in tasks},
        train_sets={t.name: data[t.name][0] for t in tasks},
        mlm_lines=mlm_lines(phase1.mlm, phase1.seed) if phase1.mlm is not None else None,
        probabilities_for=probabilities_for,
        run=run,
    )
    result.model.save(out_dir, result.tokenizer)  # encoder/ + the heads (the caller makes it atomic)
    tasks_run = [t.name for t in tasks] + (["mlm"] if phase1.mlm is not None else [])
    return IntermediateResult(encoder_dir, {"task": phase1.inter, "tasks": tasks_run, **result.metrics}, result.seconds)
