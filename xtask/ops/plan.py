"""What a launch would do, without launching: the cells, which are done, the intermediate
trainings left after deduplication through the shared cache, and an estimate of GPU-hours.

The grid is expanded the way Hydra's basic sweeper does it: the ``hydra.sweeper.params`` of a
named sweep (``+sweep=paper``) and the command line's comma lists, as a cartesian product.

Planning 5,000 cells takes seconds (bench/bench_scale.py): Hydra composes once per choice of a
flat config group (:class:`_Composer`), jobs that differ in plain values (``seed=...``) share
one resolved composition, and each cell is planned on a plain copy
(:class:`xtask.config.PlainConfig`) with the data files it names looked up once
(:func:`xtask.data.sources.remembering_files`). Each planned cell equals ``plan_cell`` of the
job's own composition (tests/test_plan_status.py).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import itertools
from functools import partial
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, Iterator, List, Optional, Sequence, Tuple

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CONF_DIR = REPO_ROOT / "conf"
COSTS_FILE = CONF_DIR / "costs.yaml"


@dataclass
class PlannedCell:
    overrides: List[str]
    folder: Path
    state: str  # the store's state (pending, running, interrupted, lost, done, stale, failed, damaged)
    inter: str
    target: str
    model: str
    inter_entry: Optional[Path]  # shared cache entry of its intermediate encoder (None for inter=none)
    planned: Any = field(default=None, repr=False)  # xtask.pipeline.cell.Planned
    # Builds the cell's OmegaConf config on first use of ``cfg`` (planning reads a plain copy).
    build: Optional[Callable[[], Any]] = field(default=None, repr=False, compare=False)
    _cfg: Any = field(default=None, repr=False, compare=False)

    @property
    def cfg(self) -> Any:
        """The cell's composed config, as ``launch.py`` would see it (an OmegaConf DictConfig)."""
        if self._cfg is None and self.build is not None:
            self._cfg, self.build = self.build(), None
        return self._cfg

    @property
    def plan(self) -> Any:
        """The cell's :class:`xtask.plan.cellplan.CellPlan`."""
        return self.planned.plan

    @property
    def cell_dir(self) -> Path:
        return self.folder


@contextlib.contextmanager
def _hydra() -> Iterator[None]:
    """Hydra's compose API initialised once for many compositions (each init costs ~0.1 s)."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from xtask.config import register_configs

    register_configs()
    if GlobalHydra.instance().is_initialized():
        yield
        return
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        yield


def _compose(overrides: Sequence[str], with_hydra: bool = False) -> Any:
    from hydra import compose

    with _hydra():
        return compose(config_name="config", overrides=list(overrides), return_hydra_config=with_hydra)


def _compose_many(jobs: List[List[str]]) -> Dict[Tuple[str, ...], Any]:
    """The compositions of these override lists, by their lines. A composition costs ~0.25 s of
    Python, so a grid's dozen or more are made by forked workers, one per free core (planning
    the paper grid on 2 cores: BENCHMARKS.md); serially where fork is missing or one core is."""
    import multiprocessing
    import os

    workers = min(len(jobs), len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    forkable = "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon
    if workers < 2 or len(jobs) < 4 or not forkable:
        return {tuple(lines): _compose(lines) for lines in jobs}
    with _hydra(), multiprocessing.get_context("fork").Pool(workers) as pool:  # workers inherit Hydra's state
        return dict(zip((tuple(lines) for lines in jobs), pool.map(_compose, jobs, chunksize=1)))


# --------------------------------------------------------------------------- composing many jobs


@functools.lru_cache(maxsize=None)
def _flat_groups() -> FrozenSet[str]:
    """Config groups whose options set their own subtree and nothing else: every
    ``conf/<group>/*.yaml`` has no defaults list and no package header, and the group has no
    subgroups nor structured configs (model, inter, target, data, train, logger)."""
    from hydra.core.config_store import ConfigStore

    stored = ConfigStore.instance().repo
    groups = set()
    for folder in CONF_DIR.iterdir():
        if not folder.is_dir() or folder.name == "hydra" or folder.name in stored:
            continue
        options = list(folder.iterdir())
        if options and all(option.is_file() and option.suffix == ".yaml" and _flat_option(option) for option in options):
            groups.add(folder.name)
    return frozenset(groups)


def _flat_option(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return "@package" not in text and (data is None or (isinstance(data, dict) and "defaults" not in data))


def _flat_choice(override: Any) -> Optional[str]:
    """The group of a plain choice (``inter=mnli``) of a flat group; None for other overrides."""
    # Remembered per line: a grid asks about the same few lines for each of its thousands of
    # jobs, and each answer costs a file lookup.
    line = override.input_line
    if line not in _FLAT_CHOICES:
        key = override.get_key_element()
        value = None if override.is_sweep_override() or key not in _flat_groups() else override.value()
        chosen = isinstance(value, str) and (CONF_DIR / key / f"{value}.yaml").is_file()
        _FLAT_CHOICES[line] = key if chosen else None
    return _FLAT_CHOICES[line]


_FLAT_CHOICES: Dict[str, Optional[str]] = {}


class _Composer:
    """Hydra compositions for the jobs of a grid. A flat group's choice (see
    :func:`_flat_groups`) only writes its own subtree, so a job's config is the composition of
    its other overrides with each such subtree taken from a composition that made that choice.
    :meth:`prepare` makes one composition serve one choice of every group at once (13
    intermediate x 9 target choices: 1 + 13 compositions instead of 117, or 1 + 13 + 9 one
    group at a time). Checked per composition (nothing outside the chosen groups' subtrees may
    differ from the base's); otherwise a choice is composed alone, or the job whole."""

    def __init__(self, composed: Optional[Dict[Tuple[str, ...], Any]] = None) -> None:
        self._composed: Dict[Tuple[str, ...], Any] = dict(composed or {})
        self._outside: Dict[Tuple[Tuple[str, ...], FrozenSet[str]], Any] = {}
        self._trees: Dict[bool, Dict[Tuple[str, ...], Any]] = {}
        self._plains: Dict[Tuple[str, ...], Any] = {}
        self._converted: Dict[str, Any] = {}
        self._converter: Any = None
        # (fixed lines, group, choice line) -> (the composition to read its subtree from, the
        # groups that composition chose)
        self._sources: Dict[Tuple[Tuple[str, ...], str, str], Tuple[Tuple[str, ...], FrozenSet[str]]] = {}

    def prepare(self, jobs: List[List[Any]]) -> None:
        """Plan the compositions of these jobs' structural overrides: for each set of fixed
        lines, the k-th composition makes the k-th choice of every flat group at once."""
        options: Dict[Tuple[str, ...], Dict[str, Dict[str, None]]] = {}
        distinct = {tuple(o.input_line for o in overrides): overrides for overrides in jobs}
        for overrides in distinct.values():
            split = self._split(overrides)
            if split is not None:
                groups = options.setdefault(tuple(split[0]), {})
                for group, line in split[1].items():
                    groups.setdefault(group, {})[line] = None
        for fixed, groups in options.items():
            lists = {group: list(lines) for group, lines in groups.items()}
            for k in range(max((len(v) for v in lists.values()), default=0)):
                chosen = {group: lines[k] for group, lines in lists.items() if k < len(lines)}
                key = fixed + tuple(chosen.values())
                for group, line in chosen.items():
                    self._sources.setdefault((fixed, group, line), (key, frozenset(chosen)))
        needed = {fixed: None for fixed in options}
        needed.update({key: None for key, _ in self._sources.values()})
        self._composed.update(_compose_many([list(key) for key in needed if key not in self._composed]))

    def _source(self, fixed: List[str], group: str, line: str) -> Optional[Tuple[str, ...]]:
        """The composition holding ``group``'s subtree for this choice, checked to change nothing
        outside its chosen groups; None when even the choice alone does (compose the job whole)."""
        shared = self._sources.get((tuple(fixed), group, line))
        if shared is not None and self._outside_of(list(fixed), shared[1]) == self._outside_of(list(shared[0]), shared[1]):
            return shared[0]
        alone = tuple(fixed) + (line,)
        if self._outside_of(list(fixed), frozenset([group])) == self._outside_of(list(alone), frozenset([group])):
            return alone
        return None

    def compose(self, overrides: List[Any]) -> Any:
        """A fresh config (the caller may change it)."""
        whole = [o.input_line for o in overrides]
        split = self._split(overrides)
        if split is None:  # the same group twice: Hydra's to judge
            return copy.deepcopy(self._get(whole))
        fixed, choices = split
        cfg = copy.deepcopy(self._get(fixed))
        for group, line in choices.items():
            source = self._source(fixed, group, line)
            if source is None:
                return copy.deepcopy(self._get(whole))
            cfg[group] = self._get(list(source))[group]
        return cfg

    def _split(self, overrides: List[Any]) -> Optional[Tuple[List[str], Dict[str, str]]]:
        """(fixed lines, group -> choice line), or None when a group is chosen twice."""
        fixed = [o.input_line for o in overrides if _flat_choice(o) is None]
        choices: Dict[str, str] = {}
        for override in overrides:
            group = _flat_choice(override)
            if group is not None:
                if group in choices:
                    return None
                choices[group] = override.input_line
        return fixed, choices

    def interpolations(self, overrides: List[Any]) -> str:
        """Every interpolation a job's config may hold: those of the composition of its fixed lines
        and those in the option files it chooses (a flat option writes only its own subtree), so
        no composition per choice is needed to know which values interpolations read."""
        split = self._split(overrides)
        if split is None:
            return _interpolations(self.unresolved(overrides))
        fixed, choices = split
        texts = [_interpolations(self._tree(tuple(fixed), resolve=False))]
        for group, line in choices.items():
            option = (CONF_DIR / group / f"{line.split('=', 1)[1]}.yaml").read_text(encoding="utf-8")
            texts += [piece for piece in option.split() if "${" in piece]
        return " ".join(texts)

    def unresolved(self, overrides: List[Any]) -> Any:
        """The job's config as an unresolved plain tree (for its interpolations), assembled from
        the compositions :meth:`compose` would use, without copying a config."""
        split = self._split(overrides)
        sources = {g: self._source(split[0], g, line) for g, line in split[1].items()} if split is not None else None
        if sources is None or any(source is None for source in sources.values()):
            from omegaconf import OmegaConf

            return OmegaConf.to_container(self.compose(overrides), resolve=False)
        tree = dict(self._tree(tuple(split[0]), resolve=False))
        for group, source in sources.items():
            tree[group] = self._tree(source, resolve=False)[group]
        return tree

    def resolved(self, overrides: List[Any]) -> Optional[Any]:
        """The job's resolved config as a read-only :class:`xtask.config.PlainConfig` made of the
        resolved compositions' subtrees (shared, never copied), or None when it cannot be
        assembled that way (a group chosen twice, an interpolation that reads a chosen group from
        outside it, a composition that does not resolve): then the caller composes it whole."""
        from xtask.config import PlainConfig

        split = self._split(overrides)
        if split is None:
            return None
        fixed, choices = split
        base = self._plain(tuple(fixed))
        if base is None:
            return None
        out = dict(base)
        for group, line in choices.items():
            source = self._source(fixed, group, line)
            chosen = self._plain(source) if source is not None else None
            if chosen is None or self._read_from_outside(fixed, group):
                return None
            out[group] = chosen[group]
        return PlainConfig(out)

    def _read_from_outside(self, fixed: List[str], group: str) -> bool:
        """Whether an interpolation outside ``group``'s subtree reads a value inside it."""
        outside = self._outside_of(fixed, frozenset([group])) or {}
        text = _interpolations(outside)
        return f"{group}." in text or "${" + group + "}" in text

    def _tree(self, key: Tuple[str, ...], resolve: bool) -> Any:
        from omegaconf import OmegaConf

        cache = self._trees.setdefault(resolve, {})
        if key not in cache:
            cache[key] = OmegaConf.to_container(self._get(list(key)), resolve=resolve, enum_to_str=True,
                                                throw_on_missing=resolve)
        return cache[key]

    def _plain(self, key: Tuple[str, ...]) -> Optional[Any]:
        """A composition resolved into PlainConfig nodes, once; None when it does not resolve."""
        from xtask.config import plain_config

        if key not in self._plains:
            try:
                self._plains[key] = plain_config(self._tree(key, resolve=True))
            except Exception:  # a missing value or a broken interpolation: composed whole, failing as it would
                self._plains[key] = None
        return self._plains[key]

    def converted(self, override: Any) -> Any:
        """The value as the typed config holds it once set (``lr=1`` on a float field is 1.0): a
        value's conversion depends on its key's type alone, the same in every composition."""
        from omegaconf import OmegaConf

        if override.input_line not in self._converted:
            if self._converter is None:
                self._converter = copy.deepcopy(next(iter(self._composed.values())))
            _set_values(self._converter, [override])
            value = OmegaConf.select(self._converter, override.get_key_element(), throw_on_missing=True)
            self._converted[override.input_line] = _as_container(value)
        return self._converted[override.input_line]

    def _get(self, lines: List[str]) -> Any:
        key = tuple(lines)
        if key not in self._composed:
            self._composed[key] = _compose(lines)
        return self._composed[key]

    def _outside_of(self, lines: List[str], groups: FrozenSet[str]) -> Any:
        """The composition of ``lines`` without the subtrees of ``groups``, unresolved (None when
        a group is absent)."""
        from omegaconf import OmegaConf

        key = (tuple(lines), groups)
        if key not in self._outside:
            tree = OmegaConf.to_container(self._get(lines), resolve=False, enum_to_str=True)
            self._outside[key] = {k: v for k, v in tree.items() if k not in groups} if groups <= set(tree) else None
        return self._outside[key]


def _is_plain_value(override: Any) -> bool:
    """A value of the job config (seed=2, train.inter.lr=...), set on a composition; group
    choices, +/~ and hydra.* go through Hydra."""
    key = override.get_key_element()
    return key == "seed" or (not override.is_sweep_override() and "." in key and not key.startswith(("+", "~", "hydra")))


def _interpolations(tree: Any) -> str:
    """Every interpolation string of an unresolved config tree, joined."""
    if isinstance(tree, dict):
        return " ".join(_interpolations(v) for v in tree.values())
    if isinstance(tree, list):
        return " ".join(_interpolations(v) for v in tree)
    return tree if isinstance(tree, str) and "${" in tree else ""


def _set_after_resolving(override: Any, interpolations: str) -> bool:
    """Whether a value can be set on the resolved config: a scalar or a list of scalars, no
    interpolation itself, at a key no interpolation can read (no part of the key appears in
    any interpolation; ``paths.outputs`` must be set before resolving ``${paths.outputs}/cells``)."""
    value = override.value()
    items = value if isinstance(value, list) else [value]
    if any(isinstance(v, (dict, list)) or (isinstance(v, str) and "${" in v) for v in items):
        return False
    return not any(part in interpolations for part in override.get_key_element().split("."))


def _set_values(cfg: Any, overrides: List[Any]) -> Any:
    """``cfg`` with the values set, as Hydra sets a command line's values on its composition."""
    from omegaconf import OmegaConf

    for override in overrides:
        OmegaConf.update(cfg, override.get_key_element(), override.value(), merge=True)
    return cfg


def _as_container(value: Any) -> Any:
    """A value read from a config as ``to_container(resolve=True, enum_to_str=True)`` gives it."""
    from enum import Enum

    from omegaconf import OmegaConf

    if OmegaConf.is_config(value):
        return OmegaConf.to_container(value, resolve=True, enum_to_str=True)
    return value.name if isinstance(value, Enum) else value


class _Template:
    """The jobs that differ only in values set after resolving: one composition, resolved once.
    ``compose()`` makes a fresh OmegaConf config of the composition (only when a job's config is
    asked for, or to resolve it when ``resolved`` was not assembled)."""

    def __init__(self, compose: Callable[[], Any], resolved: Optional[Any] = None) -> None:
        from omegaconf import OmegaConf

        from xtask.config import plain_config

        self.compose = compose
        self.resolved: Any = resolved
        if resolved is None:
            try:
                self.resolved = plain_config(OmegaConf.to_container(compose(), resolve=True, enum_to_str=True,
                                                                    throw_on_missing=True))
            except Exception:  # a missing value or a broken interpolation: each cell the slow way, failing as it would
                self.resolved = None

    def build(self, late: List[Any]) -> Any:
        """The OmegaConf config of a job of this template."""
        return _set_values(self.compose(), late)


def _plan_jobs(jobs: List[List[str]], composed: Optional[Dict[Tuple[str, ...], Any]] = None,
               ) -> Iterator[Tuple[List[str], Any, Optional[Callable[[], Any]]]]:
    """``(job, Planned or the ConfigError its config raises, builder of its OmegaConf config)``
    per job, each Planned equal to ``plan_cell`` of the job's composed config. Jobs that differ
    in plain values share a composition; values no interpolation reads are set on its resolved
    plain copy (:class:`xtask.config.PlainConfig`), so planning a cell reads plain dicts.
    ``composed``: compositions already made, by their lines."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from xtask.config import ConfigError, with_values
    from xtask.pipeline.cell import plan_cell

    parser = OverridesParser.create()
    lines: Dict[str, Any] = {}  # Hydra's parser takes ~1 ms per line: each distinct line once
    plain: Dict[str, bool] = {}  # ... and so is each line's kind
    set_after: Dict[Tuple[str, Tuple[str, ...]], bool] = {}
    key_of: Dict[str, str] = {}
    composer = _Composer(composed)
    interpolations_of: Dict[Tuple[str, ...], str] = {}
    templates: Dict[Tuple[str, ...], _Template] = {}
    sorted_jobs = []
    for job in jobs:
        for line in job:
            if line not in lines:
                (lines[line],) = parser.parse_overrides([line])
                plain[line] = _is_plain_value(lines[line])
                key_of[line] = lines[line].get_key_element()
        parsed = [lines[line] for line in job]
        structural = [o for o in parsed if not plain[o.input_line]]
        signature = tuple(o.input_line for o in structural)
        if signature not in interpolations_of:
            interpolations_of[signature] = composer.interpolations(structural)
        early, late = [], []
        for override in (o for o in parsed if plain[o.input_line]):
            after = (override.input_line, signature)
            if after not in set_after:
                set_after[after] = _set_after_resolving(override, interpolations_of[signature])
            (late if set_after[after] else early).append(override)
        sorted_jobs.append((job, structural, early, late))
    # Values that interpolations read (paths.outputs=...) are composed with the job, as Hydra would.
    composer.prepare([structural + early for _, structural, early, _ in sorted_jobs])
    for job, structural, early, late in sorted_jobs:
        key = tuple(o.input_line for o in structural + early) + tuple(key_of[o.input_line] for o in late)
        if key not in templates:
            # The job's resolved config is assembled from resolved compositions (no copy); when it
            # cannot be, it is composed and resolved whole.
            templates[key] = _Template(partial(_composed_with, composer, structural, early),
                                       composer.resolved(structural + early))
        template = templates[key]
        build = partial(template.build, late)
        try:
            if template.resolved is None:
                cfg = build()
                yield job, plan_cell(cfg), (lambda cfg=cfg: cfg)
            else:
                cfg = with_values(template.resolved, {key_of[o.input_line]: composer.converted(o) for o in late})
                yield job, plan_cell(cfg), build
        except ConfigError as err:
            yield job, err, None


def _composed_with(composer: _Composer, structural: List[Any], early: List[Any]) -> Any:
    return _set_values(composer.compose(structural), early)


def expand(overrides: Sequence[str]) -> List[List[str]]:
    """One override list per job of ``launch.py -m OVERRIDES``."""
    return _expand(overrides)[0]


def _expand(overrides: Sequence[str]) -> Tuple[List[List[str]], Dict[Tuple[str, ...], Any]]:
    """(the jobs, the composition of the fixed lines that read the sweep's params, without its
    ``hydra`` node: what ``compose`` gives for those lines, so the composer need not repeat it)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import open_dict

    parser = OverridesParser.create()
    parsed = parser.parse_overrides(list(overrides))
    fixed = [o.input_line for o in parsed if not o.is_sweep_override()]
    sweeps: Dict[str, List[str]] = {}
    base = _compose(fixed, with_hydra=True)
    for key, value in (base.hydra.sweeper.get("params") or {}).items():
        (param,) = parser.parse_overrides([f"{key}={value}"])
        sweeps[key] = list(param.sweep_string_iterator()) if param.is_sweep_override() else [param.value()]
    for override in parsed:  # the command line wins over a sweep file's params, as in Hydra
        key = override.get_key_element()
        if override.is_sweep_override():
            sweeps[key] = list(override.sweep_string_iterator())
        elif key in sweeps:
            sweeps[key] = [override.get_value_element_as_str()]
            fixed.remove(override.input_line)
    keys = list(sweeps)
    jobs = [fixed + [f"{k}={v}" for k, v in zip(keys, values)] for values in itertools.product(*sweeps.values())]
    with open_dict(base):  # as hydra.compose does without return_hydra_config
        del base["hydra"]
    return jobs, {tuple(o.input_line for o in parsed if not o.is_sweep_override()): base}


def plan(overrides: Sequence[str]) -> List[PlannedCell]:
    """Every cell of ``launch.py -m OVERRIDES``, composed, checked (a bad value raises
    :class:`xtask.config.ConfigError` naming it) and located, with its state in the store."""
    from xtask.config import ConfigError
    from xtask.store import cells as store
    from xtask.store import encoders

    from xtask.data.sources import remembering_files

    cells = []
    problems: Dict[str, List[str]] = {}
    with _hydra(), remembering_files():
        for job, planned, build in _plan_jobs(*_expand(overrides)):
            if isinstance(planned, ConfigError):
                problems.setdefault(str(planned), []).append(" ".join(job))
                continue
            plan = planned.plan
            state = store.view(planned.folder).state.value
            entry = None
            if planned.inter_key is not None:
                entry = encoders.entry_path(plan.run.cache, plan.inter, planned.inter_key)
            cells.append(PlannedCell(job, planned.folder, state, plan.inter, plan.target.name, plan.model.name,
                                     entry, planned, build))
    if problems:
        raise ConfigError("\n".join(f"{message}\n    in {len(where)} cell(s), e.g. {where[0]}" for message, where in problems.items()))
    return cells


def check_data(cells: List[PlannedCell]) -> Tuple[int, List[str]]:
    """Read every distinct split the cells still to run need (each target's evaluation languages,
    English training and selection sets; each intermediate task's training and dev sets unless
    its encoder is cached), once each: ``(splits checked, problems)``, each problem naming the
    file and line. For a login node, before a grid goes to the cluster."""
    from tqdm.auto import tqdm

    from xtask.data.sources import owner, read_selection, read_split
    from xtask.pipeline.intermediate import phase1_tasks
    from xtask.pipeline.preflight import Reader
    from xtask.tasks import get_task
    from xtask.store import encoders
    from xtask.store.identity import digest

    reader = Reader()
    reads: Dict[Tuple[str, ...], Callable[[], Any]] = {}
    for cell in cells:
        if cell.state in ("done", "stale"):
            continue
        planned = cell.planned
        plan = planned.plan
        ctx, target, split = plan.data, plan.target.resolve(plan.data), plan.phase2.eval_split
        source = digest(str(ctx))
        for lang in planned.languages:
            reads.setdefault((source, target.name, split, lang), partial(read_split, target, ctx, split, lang))
        needs = [target] if target.retrieval is None else []
        if cell.inter_entry is not None and not encoders.is_complete(cell.inter_entry) and plan.phase1 is not None:
            needs += reader(f"{cell.inter} mixture", partial(phase1_tasks, plan.phase1, ctx)) or []
        for task in needs:  # keyed by the task whose data it is (xnli's training set is MNLI's)
            trainer = owner(task, ctx, "train", "en")
            selector = get_task(task.selection_task) if task.selection_task else task
            reads.setdefault((source, trainer.name, "train", "en"), partial(read_split, task, ctx, "train", "en"))
            if task.has_selection_set:
                reads.setdefault((source, selector.name, "dev", "en"), partial(read_selection, task, ctx))
    for key, read in tqdm(list(reads.items()), desc="checking data", unit="split", leave=False):
        reader(" ".join(key[1:]), read)
    return len(reads), list(dict.fromkeys(reader.problems))


def load_costs(path: Optional[Path] = None) -> Dict[str, Any]:
    with open(path or COSTS_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def summarize(cells: List[PlannedCell], costs: Dict[str, Any], force: bool = False) -> Dict[str, Any]:
    """Counts, intermediate trainings left after the cache's deduplication, and GPU-hours from
    ``costs`` — None when ``costs`` has no scale for the grid's model (no estimate beats
    another model's)."""
    from xtask.store import encoders as cache

    # Seed-free cells of several seeds are one computation (one folder): counted once.
    to_run = list({c.folder: c for c in cells if force or c.state not in ("done", "stale")}.values())
    entries = {c.inter_entry for c in to_run if c.inter_entry is not None}
    needed = {e for e in entries if force or not cache.is_complete(e)}
    models = sorted({c.model for c in cells})
    scales = costs.get("model_scale") or {}
    hours: Optional[Dict[str, float]] = None
    if models and all(m in scales for m in models):
        model_of = {c.inter_entry: c.model for c in to_run if c.inter_entry is not None}
        inter_hours = intermediate_hours({e: model_of[e] for e in needed}, costs) or 0.0
        target_hours = sum(float(scales[c.model]) * float(costs["target"].get(c.target, costs["target"].get("default", 0.0)))
                           for c in to_run)
        hours = {"intermediate": inter_hours, "target": target_hours, "total": inter_hours + target_hours}
    by_state: Dict[str, int] = {}
    for c in cells:
        by_state[c.state] = by_state.get(c.state, 0) + 1
    return {
        "cells": len(cells),
        "by_state": by_state,
        "to_run": len(to_run),
        "intermediate_trainings": len(needed),
        "intermediate_cached": len(entries) - len(needed),
        "intermediate_without_cache": sum(1 for c in to_run if c.inter_entry is not None),
        "gpu_hours": hours,
        "models": models,
        "unpriced": [m for m in models if m not in scales],
        "priced_models": sorted(scales),
    }


def intermediate_hours(entries: Dict[Path, str], costs: Dict[str, Any]) -> Optional[float]:
    """GPU-hours of training these phase-1 cache entries (entry -> its model's config name), as
    ``costs`` prices them; None when it has no scale for one of the models."""
    scales = costs.get("model_scale") or {}
    if any(model not in scales for model in entries.values()):
        return None

    def inter_cost(entry: Path) -> float:
        name = entry.name.rsplit("-", 2)[0]
        return float(costs["inter"].get(name, costs["inter"].get("default", 0.0)))

    return sum(float(scales[model]) * inter_cost(entry) for entry, model in entries.items())


def format_hours(value: float) -> str:
    """GPU-hours as plan prints them: small pilot numbers (tiny model, a few cells) keep their digits."""
    return f"{value:.1f}" if value >= 10 or value == 0 else f"{value:.3g}"


def costs_basis(costs_path: Optional[Path]) -> str:
    """What the costs file's hours are, in words (its ``basis``)."""
    return {"paid": "GPU time paid, all attempts and lost work included",
            "prior": "a rough prior for XLM-R Large on one A100, not measured here"}.get(
        str(load_costs(costs_path).get("basis", "")), "as the file gives them")


def unpriced_text(summary: Dict[str, Any], costs_path: Optional[Path]) -> str:
    """Why there is no estimate: the costs file prices none of the grid's models."""
    costs = costs_path or "conf/costs.yaml"
    return (f"none: {costs} has no costs for model(s) {', '.join(summary['unpriced'])} "
            f"(it prices {', '.join(summary['priced_models']) or 'no model'}); measure a pilot with "
            "`xtask costs CELLS --model NAME --out FILE` and pass --costs FILE")


def hours_text(summary: Dict[str, Any], costs_path: Optional[Path]) -> str:
    """The grid's estimated GPU-hours (:func:`summarize`), or why there is none."""
    hours = summary["gpu_hours"]
    if hours is None:
        return unpriced_text(summary, costs_path)
    return (f"{format_hours(hours['total'])} = {format_hours(hours['intermediate'])} intermediate + "
            f"{format_hours(hours['target'])} target (costs: {costs_path or 'conf/costs.yaml'}: "
            f"{costs_basis(costs_path)})")
