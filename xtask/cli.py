"""The ``xtask`` command: plan, measure, watch, score and report grids (running them is launch.py's job).

    xtask matrix outputs/multirun/<sweep>     # transfer matrix of a sweep
    xtask matrix outputs/cells                # ... of every cell ever run here
    xtask aggregate outputs/multirun/<sweep>  # full report: matrices, deltas, heatmap, LaTeX, best per target
    xtask aggregate outputs --compare prediction  # ... and how well the stored predictions ranked each target
    xtask score --predictions P --labels L    # XTREME's evaluate.py numbers for P/TASK/test-LANG.*
    xtask plan +sweep=paper model=xlmr_large  # what a launch would run, dedup'd trainings, GPU-hours
    xtask predict inter=none,mnli,squad target=xnli  # rank intermediate tasks per target before running them
    xtask costs outputs/cells --out conf/local/costs.yaml  # GPU-hours measured by finished cells, for plan
    xtask bench model=xlmr_large target=xquad # steps/s, examples/s, peak memory of one phase here
    xtask submission CELL... --out sub/      # one cell per target -> XTREME's submission folder
    xtask status outputs/multirun/<sweep>     # state of every cell; exit 1 if any failed
    xtask prune outputs [--failed] [--apply]  # remove failures a finished rerun superseded (dry run by default)
    xtask sync outputs/wandb                  # upload offline W&B runs later
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional, Tuple, Union


def _collect(args: argparse.Namespace):
    """(long table, notes, where) from W&B or from the folders given; None after an error."""
    from xtask.report import collect

    if getattr(args, "wandb_group", None):
        if not args.wandb_project:
            print("error: --wandb-group needs --wandb-project (and usually --wandb-entity)", file=sys.stderr)
            return None
        try:
            long, notes = collect.load_wandb(args.wandb_group, args.wandb_project, args.wandb_entity)
        except RuntimeError as err:
            print(f"error: {err}", file=sys.stderr)
            return None
        return long, notes, f"W&B group {args.wandb_group!r} of {args.wandb_project}"
    missing = [str(path) for path in args.paths if not Path(path).exists()]
    if missing:
        print(f"error: {', '.join(missing)} does not exist (give cell folders, cells folders, sweep folders or an "
              "outputs tree)", file=sys.stderr)
        return None
    long, notes = collect.load_long(args.paths, borrow=not args.no_borrow)
    if long.empty:
        print(f"no cells found below {', '.join(map(str, args.paths))} (looked for cell folders, cells folders and "
              "sweep folders under it; a cell folder holds spec.json/status.json)", file=sys.stderr)
        return None
    return long, notes, ", ".join(map(str, args.paths))


def _matrix(args: argparse.Namespace) -> int:
    """The transfer matrix of the cells below the folders given, printed (the same numbers as
    ``xtask aggregate``, which also writes the files)."""
    from xtask.report import aggregate

    found = _collect(args)
    if found is None:
        return 1
    long, notes, _ = found
    for report in aggregate.build_all(long, all_targets=False, benchmark=args.benchmark, resamples=args.resamples):
        report.notes[:0] = notes
        print(report.console())
        print()
    return 0


def _seed_list(text: str) -> Tuple[int, ...]:
    """``1,2``: the seeds of --prediction-seeds."""
    try:
        seeds = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give seeds as integers separated by commas, e.g. 1 or 2,3") from None
    return seeds


def _aggregate(args: argparse.Namespace) -> int:
    from xtask.report import aggregate

    papers = [c for c in args.compare if c != "prediction"]
    if len(papers) > 1:
        print(f"error: --compare names {len(papers)} papers ({', '.join(papers)}): give one (and `prediction`)",
              file=sys.stderr)
        return 2
    if papers and papers[0] != "paper" and not Path(papers[0]).is_file():
        print(f"error: --compare {papers[0]}: neither 'paper' nor a CSV file (the layout of "
              "xtask/resources/paper/phang2020.csv; `prediction` judges the stored predictions instead)", file=sys.stderr)
        return 2
    for given, flag in ((args.signal, "--signal"), (args.prediction_seeds, "--prediction-seeds")):
        if given is not None and "prediction" not in args.compare:
            print(f"error: {flag} chooses among stored predictions: it needs --compare prediction", file=sys.stderr)
            return 2
    prediction = None
    if "prediction" in args.compare:
        from xtask.predict import quality

        root = args.predictions or _outputs_root()
        try:
            prediction = aggregate.PredictionCompare(quality.read_predictions(root), args.signal, args.resamples,
                                                     args.prediction_seeds)
            quality.signals_of(prediction.predictions, args.signal)
            if args.prediction_seeds:
                quality.choose_seeds(prediction.predictions, (), args.prediction_seeds)
        except quality.PredictionError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        if prediction.predictions.empty:
            print(f"error: no stored predictions under {root} (`xtask predict OVERRIDES` makes them; --predictions "
                  "ROOT reads another outputs tree)", file=sys.stderr)
            return 2
    found = _collect(args)
    if found is None:
        return 1
    long, notes, _ = found
    out = args.out or (Path("outputs") / "aggregate" / args.wandb_group if args.wandb_group else args.paths[0])
    try:
        reports = aggregate.run(long, out, args.format, papers[0] if papers else None, notes=notes,
                                benchmark=args.benchmark, resamples=args.resamples, baselines=args.baseline,
                                prediction=prediction)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for report in reports:
        print(report.console())
        print()
        print(report.best_md)
        if report.prediction_md:
            print()
            print(report.prediction_md)
        extra = "".join(f"; {what} in {name}" for what, name, shown in (
            ("paper comparison", "compare_paper.md", report.compare_md),
            ("prediction quality", "compare_prediction.md", report.prediction_md)) if shown)
        print(f"\n(report written to {report.out}{extra})\n")
        if args.seeds_needed is not None:
            print(_seeds_needed_text(report, args.seeds_needed))
            print()
    return 0


def _outputs_root() -> Path:
    from xtask.ops.paths import outputs

    return outputs()


def _seeds_needed_text(report, delta: float) -> str:
    from xtask.report import stats, tables

    if report.analysis is None:
        return "seeds needed: no intervals were computed (--resamples 0, or no finished cell)"
    return stats.seeds_text(stats.seeds_needed(tables.cell_table(report.long), report.analysis, delta))


def _score(args: argparse.Namespace) -> int:
    from xtask.atomic import write_json_atomic
    from xtask.scoring.files import ScoringError
    from xtask.scoring.xtreme import format_scores, score_folders

    try:
        overall, detailed = score_folders(args.predictions, args.labels, args.benchmark, args.partial,
                                          args.ignore_unknown)
    except ScoringError as err:
        message = " ".join(str(err).splitlines())  # one line, whatever the file names hold
        print(f"error: {message}", file=sys.stderr)
        return 1
    print(format_scores(overall, detailed, args.benchmark))
    if args.json is not None:
        write_json_atomic(args.json, {"overall": overall, "detailed": detailed})
    return 0


def _older_keys(cells: list) -> Optional[tuple]:
    """(cells folder, count) of cells written under older keys (records schema < today's), if any."""
    from xtask.store import records

    roots = {cell.folder.parent for cell in cells}
    for root in sorted(roots):
        count = 0
        for spec_file in root.glob(f"*/{records.SPEC_FILE}"):
            spec = records.read_spec(spec_file.parent)
            if isinstance(spec, records.CellSpec) and spec.schema < records.SCHEMA:
                count += 1
        if count:
            return root, count
    return None


def _planned_grid(args: argparse.Namespace) -> Union[list, int]:
    """The grid's planned cells (:func:`xtask.ops.plan.plan`), or the exit code after an error
    (a missing --costs file, a bad override, no cells)."""
    from xtask.config import ConfigError
    from xtask.ops.plan import plan

    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    if args.costs is not None and not args.costs.is_file():
        print(f"error: --costs {args.costs}: no such file (`xtask costs CELLS --out FILE` writes one; the default "
              "is conf/costs.yaml)", file=sys.stderr)
        return 2
    try:
        cells = plan(args.overrides)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (HydraException, OmegaConfBaseException) as err:  # an unknown option, a typo in a group name
        lines = [line for line in str(err).splitlines() if line.strip() and "provider=" not in line
                 and "Config search path" not in line]
        print(f"error: {' '.join(line.strip() for line in lines[:60])}", file=sys.stderr)
        return 2
    if not cells:
        print("no cells: nothing to plan", file=sys.stderr)
        return 1
    return cells


def _plan(args: argparse.Namespace) -> int:
    from xtask.ops.plan import check_data, hours_text, load_costs, summarize

    cells = _planned_grid(args)
    if isinstance(cells, int):
        return cells
    summary = summarize(cells, load_costs(args.costs), force="force=true" in args.overrides)
    if args.list:
        listed = set()
        for cell in cells:
            again = "  (the same computation as above: nothing in it depends on the seed)" if cell.folder in listed else ""
            print(f"{cell.state:<11} {cell.folder.name}{again}")
            listed.add(cell.folder)
        print()
    if args.show:
        from xtask.plan.resolve import describe

        for cell in {c.folder: c for c in cells}.values():
            print(f"# {cell.folder.name}\n{describe(cell.plan)}\n")
    older = _older_keys(cells)
    if older:
        print(f"note: {older[1]} cell(s) under {older[0]} were keyed by an older xtask (before keys were functions of "
              f"the plan): `xtask migrate {older[0]}` gives them today's keys, so that this grid finds them")
    states = ", ".join(f"{n} {s}" for s, n in sorted(summary["by_state"].items()))
    print(f"cells:                   {summary['cells']} ({states}); {summary['to_run']} to run")
    if summary["by_state"].get("stale"):
        print(f"                         {summary['by_state']['stale']} stale (computed by an older results version: "
              "kept and reported; recompute_stale=true recomputes them)")
    print(f"intermediate trainings:  {summary['intermediate_trainings']} to train "
          f"(+{summary['intermediate_cached']} cached) with the shared cache, "
          f"vs {summary['intermediate_without_cache']} without it (one per cell)")
    print(f"estimated GPU-hours:     {hours_text(summary, args.costs)}")
    if args.pilot:
        print()
        print(_pilot_seeds(args.pilot, args.seeds_needed, sorted({c.target for c in cells}), cells))
    if not args.check_data:
        return 0
    needs, problems = check_data(cells)
    # Problems are not splits (one split can have several, a mixture's list none): counted apart.
    found = f"{len(problems)} problem(s) found" if problems else "all without a problem"
    print(f"data:                    {needs} split(s) read, {found} "
          "(each target's evaluation languages, English training and selection sets; each intermediate task's "
          "training and dev sets when its encoder is not cached)")
    for problem in problems:
        print(f"  problem: {problem}")
    return 1 if problems else 0


def _predict(args: argparse.Namespace) -> int:
    """Cheap transferability signals for every (intermediate, target) pair of a grid, ranked."""
    from xtask.data.errors import MissingDataError
    from xtask.ops.plan import intermediate_hours, load_costs, summarize
    from xtask.predict import predictor, render

    if args.examples < 2:
        print(f"error: --examples {args.examples}: LogME and SEmb need at least 2 examples (default "
              f"{predictor.DEFAULT_EXAMPLES})", file=sys.stderr)
        return 2
    cells = _planned_grid(args)
    if isinstance(cells, int):
        return cells
    signals = predictor.TIERS[args.tier]
    costs = load_costs(args.costs)
    summary = summarize(cells, costs, force="force=true" in args.overrides)
    needed, cached = predictor.phase1_entries(cells, signals)
    hours = intermediate_hours(needed, costs)
    try:
        outcome = predictor.predict(cells, signals, args.examples, args.cached_only)
    except (MissingDataError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(render.tables(outcome, signals))
    print(render.cost_lines(outcome, render.Costs(len(needed), cached, hours, summary, args.costs)))
    return 0


def _pilot_seeds(pilot: List[Path], delta: float, targets: List[str], cells) -> str:
    """The seeds a planned grid needs per target, from a finished pilot's seed and example variance."""
    from xtask.report import aggregate, collect, stats, tables

    long, _ = collect.load_long(pilot)
    if long.empty:
        return f"seeds needed: no cells found below {', '.join(map(str, pilot))}"
    lines = []
    seeds: dict = {}
    for cell in cells:
        parsed = collect.parse_name(cell.folder.name)
        seeds.setdefault(cell.target, set()).add(parsed["seed"] if parsed else None)
    planned = {target: len(found) for target, found in seeds.items()}
    for report in aggregate.build_all(long[long["target"].isin(targets)], all_targets=False):
        table = stats.seeds_needed(tables.cell_table(report.long), report.analysis, delta) if report.analysis else None
        if table is None or table.empty:
            lines.append(f"{report.model}: no finished pilot cell of the planned targets")
            continue
        lines.append(f"pilot {report.model}: " + stats.seeds_text(table))
        lines += [f"  {t}: the plan has {planned.get(t, 0)} seed(s) per configuration"
                  for t in table["target"] if t in planned]
    missing = [t for t in targets if not (long["target"] == t).any()]
    if missing:
        lines.append(f"no pilot cells for {', '.join(missing)}: no estimate there")
    return "\n".join(lines)


def _costs(args: argparse.Namespace) -> int:
    from xtask.ops import costs
    from xtask.atomic import write_text_atomic

    models = costs.models_in(args.paths)
    if not models:
        print(f"no finished cells under {', '.join(map(str, args.paths))}: nothing measured", file=sys.stderr)
        return 1
    model = args.model or (models[0] if len(models) == 1 else None)
    if model not in models:
        print(f"error: {'--model is needed' if model is None else f'no finished cells of model {model!r}'}; "
              f"models with finished cells here: {', '.join(models)}", file=sys.stderr)
        return 2
    measured = costs.measure(args.paths, model)
    print(costs.render(measured))
    if args.out is not None:
        write_text_atomic(args.out, costs.to_yaml(measured))
        print(f"\n(written to {args.out}; use it with `xtask plan --costs {args.out}`)")
    return 0


def _submission(args: argparse.Namespace) -> int:
    from xtask.ops.submission import SubmissionError, build

    try:
        missing = build(args.cells, args.out, args.split)
    except SubmissionError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} ({len(args.cells)} task(s))")
    if args.zip:
        import shutil

        print(f"zipped: {shutil.make_archive(str(args.out), 'zip', root_dir=args.out)}")
    for line in missing:
        print(f"incomplete: {line}", file=sys.stderr)
    return 1 if missing else 0


def _status(args: argparse.Namespace) -> int:
    from xtask.ops.status import collect, render

    if not args.path.exists():
        print(f"error: {args.path} does not exist (give a sweep folder, a cells folder or an outputs tree; "
              "XTASK_OUTPUTS moves the default outputs)", file=sys.stderr)
        return 2
    if not args.path.is_dir():
        print(f"error: {args.path} is not a folder (give a sweep folder, a cells folder or an outputs tree)",
              file=sys.stderr)
        return 2
    rows = collect(args.path)
    print(render(rows))
    if not rows:
        print(f"no cells found below {args.path}", file=sys.stderr)
        return 1
    return 1 if any(r.needs_attention for r in rows) else 0


def _cache(args: argparse.Namespace) -> int:
    """List, verify, or mark for rebuilding the shared intermediate encoders."""
    from xtask.store import encoders

    if args.action == "rebuild" and not args.entries:
        print("error: name the entries to rebuild (`xtask cache list` lists them)", file=sys.stderr)
        return 2
    if args.cache is None:
        from xtask.ops.paths import configured

        args.cache = configured()["cache"]
    if not args.cache.is_dir():
        print(f"error: the cache folder {args.cache} does not exist (paths.cache; XTASK_OUTPUTS or --cache "
              "points elsewhere)", file=sys.stderr)
        return 2
    entries = encoders.entries(args.cache)
    if not entries and args.action != "rebuild":
        print(f"error: {args.cache} holds no intermediate encoder (no entry under {args.cache / 'intermediate'}): "
              "nothing to check", file=sys.stderr)
        return 1
    chosen = [e for e in entries if not args.entries or e.name in args.entries or str(e) in args.entries]
    unknown = [name for name in args.entries if not any(name in (e.name, str(e)) for e in entries)]
    if unknown:
        print(f"error: no cache entry {', '.join(unknown)} under {args.cache}/intermediate "
              f"(`xtask cache list {args.cache}` lists them)", file=sys.stderr)
        return 2
    bad = 0
    for entry in chosen:
        if args.action == "list":
            print(entry.name)
        elif args.action == "verify":
            problem = encoders.check(entry)
            bad += problem is not None
            print(f"{entry.name}: {problem or 'ok'}")
        elif args.action == "rebuild":
            encoders.mark_for_rebuild(entry)
            print(f"{entry.name}: marked for rebuilding (the next cell that needs it trains it again)")
    return 1 if bad else 0


def _prune(args: argparse.Namespace) -> int:
    """Remove superseded failures (and with --failed / --stale every failed / stale cell); a dry
    run unless --apply."""
    from xtask.store.superseded import prune

    chosen = prune(args.paths, args.failed, args.stale, args.apply)
    if not chosen:
        print("nothing to prune (no superseded failure" + (", failed" if args.failed else "")
              + (", stale" if args.stale else "") + f" cell below {', '.join(map(str, args.paths))})")
        return 0
    for item in chosen:
        done = "removed" if item.removed else (f"kept: {item.skipped}" if item.skipped else "would remove")
        print(f"{done}: {item.folder} ({item.why})")
    if not args.apply:
        print(f"(dry run: {len(chosen)} cell folder(s) would be removed; add --apply to remove them)")
        return 0
    return 1 if any(item.skipped for item in chosen) else 0


def _migrate(args: argparse.Namespace) -> int:
    from xtask.ops.migrate import migrate

    report = migrate(args.path, dry_run=args.dry_run)
    print(report.render())
    return 1 if report.failed else 0


def _sync(args: argparse.Namespace) -> int:
    from xtask.tracking import sync

    result = sync(args.paths)
    print(result.render())
    return 0 if result.ok else 1


def build_parser() -> argparse.ArgumentParser:
    from xtask.ops.paths import outputs as default_outputs
    from xtask.tasks.benchmarks import BENCHMARKS

    outputs = default_outputs()  # XTASK_OUTPUTS, as launches use it

    parser = argparse.ArgumentParser(prog="xtask", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    matrix = commands.add_parser("matrix", help="print the transfer matrix of cell folders or sweep folders")
    matrix.add_argument("paths", nargs="*", type=Path, default=[outputs],
                        help="any folders: cells are found below them (default outputs)")
    matrix.add_argument("--no-borrow", action="store_true", help="do not add baselines from the cell store")
    matrix.add_argument("--benchmark", default="xtreme", choices=sorted(BENCHMARKS), help="whose score is avg (default xtreme)")
    matrix.add_argument("--resamples", type=int, default=1000,
                        help="bootstrap resamples of the intervals (default 1000; 0: none)")
    matrix.set_defaults(handler=_matrix, wandb_group=None)
    agg = commands.add_parser("aggregate", help="full report of cell folders: transfer/delta matrices (csv, md, tex), "
                              "heatmap, best intermediate task per target, per-language tables")
    agg.add_argument("paths", nargs="*", type=Path, default=[outputs],
                     help="any folders: cell folders, cells folders, sweep folders, a whole outputs tree (default outputs)")
    agg.add_argument("--benchmark", default="xtreme", choices=sorted(BENCHMARKS),
                     help="the benchmark whose targets are the columns and whose score is avg (default xtreme)")
    agg.add_argument("--out", type=Path, default=None, help="where to write the report (default: the first path)")
    agg.add_argument("--format", choices=["csv", "parquet"], default="csv",
                     help="the long table: csv always, parquet too when pyarrow is installed")
    agg.add_argument("--compare", action="append", default=[], metavar="paper|CSV|prediction",
                     help="put Phang et al. (2020)'s numbers (or a CSV in the same layout) beside ours; `prediction`: "
                          "judge the stored predicted rankings (xtask predict) against this matrix (repeatable)")
    agg.add_argument("--signal", default=None, metavar="NAME",
                     help="with --compare prediction: judge this signal only (default: every stored signal)")
    agg.add_argument("--prediction-seeds", type=_seed_list, default=None, metavar="S[,S...]",
                     help="with --compare prediction: judge the predictions of these seeds (their phase-1 encoders' "
                          "seeds; default: the seeds the matrix's cells have, e.g. a held-out seed's prediction "
                          "against the other seeds' matrix)")
    agg.add_argument("--predictions", type=Path, default=None, metavar="ROOT",
                     help="with --compare prediction: the outputs tree holding the predictions (default: outputs, "
                          "or XTASK_OUTPUTS)")
    agg.add_argument("--no-borrow", action="store_true",
                     help="do not take the inter=none cells a grid lacks from the cell store beside its cells")
    agg.add_argument("--resamples", type=int, default=1000,
                     help="bootstrap resamples of the intervals and tests (default 1000; 0: none)")
    agg.add_argument("--baseline", action="append", default=[], metavar="ROW",
                     help="also test every row against ROW (delta_stats.csv; repeatable)")
    agg.add_argument("--seeds-needed", type=float, default=None, metavar="DELTA",
                     help="print, per target, the seeds a DELTA-point difference needs at 80%% power")
    agg.add_argument("--wandb-group", default=None, help="read the runs of this W&B group (sweep name) instead; needs W&B online")
    agg.add_argument("--wandb-project", default=None)
    agg.add_argument("--wandb-entity", default=None)
    agg.set_defaults(handler=_aggregate)
    score = commands.add_parser("score", help="score prediction files against label files as XTREME's evaluate.py")
    score.add_argument("--predictions", type=Path, required=True, help="folder of TASK/test-LANG.{tsv,json} predictions")
    score.add_argument("--labels", type=Path, required=True, help="folder of TASK/test-LANG.{tsv,json} labels")
    score.add_argument("--json", type=Path, default=None, metavar="OUT", help="also write {overall, detailed} to OUT")
    score.add_argument("--benchmark", default="xtreme", choices=sorted(BENCHMARKS),
                       help="whose tasks are scored and make the overall score (default xtreme)")
    score.add_argument("--partial", action="store_true",
                       help="skip tasks and languages that have predictions without labels or labels without predictions "
                            "(they are errors otherwise)")
    score.add_argument("--ignore-unknown", action="store_true",
                       help="pass over folders and files that name no task or language (they are errors otherwise)")
    score.set_defaults(handler=_score)
    planner = commands.add_parser("plan", help="list the cells a launch would run, without launching")
    planner.add_argument("overrides", nargs="*", help="the overrides you would give launch.py -m")
    planner.add_argument("--costs", type=Path, default=None, help="GPU-hour costs YAML (default conf/costs.yaml)")
    planner.add_argument("--list", action="store_true", help="also list every cell and its state")
    planner.add_argument("--show", action="store_true",
                         help="also print each cell's resolved plan (what its phases run; its result fields are its key)")
    planner.add_argument("--check-data", action="store_true",
                         help="read every dataset the cells to run need (once each); exit 1 if any is missing")
    planner.add_argument("--pilot", type=Path, nargs="+", default=None, metavar="DIR",
                         help="a finished pilot's cells: print the seeds each planned target needs (see --seeds-needed)")
    planner.add_argument("--seeds-needed", type=float, default=1.0, metavar="DELTA",
                         help="with --pilot: the difference in points to find at 80%% power (default 1.0)")
    planner.set_defaults(handler=_plan)
    from xtask.predict.predictor import DEFAULT_EXAMPLES, TIERS

    predictor = commands.add_parser("predict", help="rank each target's intermediate tasks by cheap transferability "
                                    "signals (SEmb, LogME) before running the grid (docs/prediction.md)")
    predictor.add_argument("overrides", nargs="*", help="the overrides you would give launch.py -m")
    predictor.add_argument("--tier", choices=list(TIERS), default="all",
                           help="semb: pretrained encoder only (nothing trained); logme: after phase 1 (trains the "
                                "phase-1 encoders the cache lacks); all: both (default)")
    predictor.add_argument("--examples", type=int, default=DEFAULT_EXAMPLES,
                           help=f"examples sampled per task and language (default {DEFAULT_EXAMPLES})")
    predictor.add_argument("--cached-only", action="store_true",
                           help="train no phase-1 encoder: list those the cache lacks instead")
    predictor.add_argument("--costs", type=Path, default=None, help="GPU-hour costs YAML (default conf/costs.yaml)")
    predictor.set_defaults(handler=_predict)
    commands.add_parser("bench", help="throughput and memory of a phase's training step here (see xtask bench -h)",
                        add_help=False)
    sub = commands.add_parser("submission", help="one cell per target -> an XTREME submission folder TASK/test-LANG.*")
    sub.add_argument("cells", nargs="+", type=Path, help="the cell folders, one per target (run with target.eval_split=test)")
    sub.add_argument("--out", type=Path, required=True, help="the submission folder to write")
    sub.add_argument("--split", default="test", help="the split the cells must have been evaluated on (default test)")
    sub.add_argument("--zip", action="store_true", help="also write OUT.zip")
    sub.set_defaults(handler=_submission)
    coster = commands.add_parser("costs", help="GPU-hours per job measured from finished cells, as a costs file for plan")
    coster.add_argument("paths", nargs="*", type=Path, default=[outputs / "cells"],
                        help="cell folders, cells parents or Hydra sweep folders (default outputs/cells)")
    coster.add_argument("--model", default=None, help="the model config name to measure (needed when several)")
    coster.add_argument("--out", type=Path, default=None, help="write a costs YAML for `xtask plan --costs`")
    coster.set_defaults(handler=_costs)
    status = commands.add_parser("status", help="state of the cells of a sweep folder or a cells folder")
    status.add_argument("path", nargs="?", type=Path, default=outputs,
                        help="any folder: a sweep, a cells folder, an outputs tree (default outputs)")
    status.set_defaults(handler=_status)
    cache = commands.add_parser("cache", help="list, verify (checksums) or mark for rebuilding the shared intermediate encoders")
    cache.add_argument("action", choices=["list", "verify", "rebuild"])
    cache.add_argument("entries", nargs="*", help="entry names (default: all; rebuild needs names)")
    cache.add_argument("--cache", type=Path, default=None,
                       help="the cache folder (default: paths.cache as a launch resolves it: XTASK_OUTPUTS/cache, or "
                            "outputs/cache, or conf/local's)")
    cache.set_defaults(handler=_cache)
    pruner = commands.add_parser("prune", help="remove failed cells a finished rerun superseded (--failed: every failed "
                                 "cell, --stale: every stale one); a dry run unless --apply")
    pruner.add_argument("paths", nargs="*", type=Path, default=[outputs], help="any folders (default: the outputs tree)")
    pruner.add_argument("--failed", action="store_true", help="also every failed cell, superseded or not")
    pruner.add_argument("--stale", action="store_true", help="also every stale cell (computed by an older results version)")
    pruner.add_argument("--apply", action="store_true", help="remove them (default: only list what would go)")
    pruner.set_defaults(handler=_prune)
    migrate = commands.add_parser("migrate", help="move cells written by xtask 0.1 (full-config signatures) to their new keys")
    migrate.add_argument("path", nargs="?", type=Path, default=outputs, help="an outputs tree or cells folder")
    migrate.add_argument("--dry-run", action="store_true", help="say what would move, move nothing")
    migrate.set_defaults(handler=_migrate)
    syncer = commands.add_parser("sync", help="upload offline W&B runs (needs network and a W&B key)")
    syncer.add_argument("paths", nargs="*", type=Path, default=[outputs / "wandb"])
    syncer.set_defaults(handler=_sync)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:  # its own parser: launch.py overrides mixed with options
        from xtask.ops import bench

        return bench.main(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        code = args.handler(args)
        sys.stdout.flush()
    except BrokenPipeError:
        return _reader_left()
    return code


def _reader_left() -> int:
    """The reader of our output left (``xtask status | head``): stop quietly, as ``cat`` does
    (exit 141 = 128 + SIGPIPE), without the traceback Python would print when it flushes."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141


if __name__ == "__main__":
    raise SystemExit(main())
