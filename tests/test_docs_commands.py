"""Every command shown in README.md and docs/*.md is one xtask knows, every link leads somewhere,
and every test the docs cite exists.

Commands are the lines of the ```bash blocks (every fenced block must say its language, so a
command cannot hide in an untagged one). Each command is checked for what it is:

* ``[.venv/bin/]python launch.py [-m] [--cfg job] OVERRIDES``: every job it would run is composed
  (a multirun: enough of its jobs that every swept value is composed once) and validated, as
  ``--cfg job`` and the multirun's start do, in-process;
* ``[.venv/bin/]xtask CMD ARGS``: the arguments parse with the ``xtask`` command's own parser;
  the overrides of ``plan``, ``predict`` and ``bench`` are composed and validated as above;
* ``make TARGET``: TARGET is a rule of the Makefile;
* ``python SCRIPT.py --opt``: the script exists and defines each option;
* ``conda env create -f FILE`` / ``conda activate NAME`` / ``mkdir -p`` / ``cp SRC DST``: FILE and
  SRC exist, NAME is environment.yml's;
* ``[python -m] pytest -m EXPR [PATH]``: EXPR names only registered markers, PATH exists.

Any other form fails: a new kind of command in the docs needs a check here.
"""

from __future__ import annotations

import copy
import re
import shlex
from pathlib import Path
from typing import Dict, Iterator, List, Sequence, Tuple

import pytest
import yaml

from conftest import REPO

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SHELL = ("bash", "sh", "shell")
FENCE = re.compile(r"^(\s*)```(.*)$")


def _blocks(path: Path) -> Iterator[Tuple[int, str, List[Tuple[int, str]]]]:
    """(line of the opening fence, language, [(line, text)]) of each fenced block."""
    block = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = FENCE.match(line)
        if match and block is None:
            block = (number, match.group(2).strip(), [])
        elif match:
            yield block
            block = None
        elif block is not None:
            block[2].append((number, line))
    assert block is None, f"{path.name}:{block[0]}: a code block is not closed"


def _commands() -> List[Tuple[str, List[str]]]:
    """(where, argv) of every command in the docs' shell blocks; ``NAME="..."`` lines set
    variables that later lines of the block use as ``$NAME``."""
    found = []
    for path in DOCS:
        for _, language, lines in _blocks(path):
            if language not in SHELL:
                continue
            variables: Dict[str, str] = {}
            for number, line in lines:
                for name, value in variables.items():
                    line = line.replace(f"${name}", value)
                line = re.sub(r"<([^<>]*)>", lambda m: m.group(1).replace(" ", "_").upper(), line)  # placeholders
                words = shlex.split(line, comments=True)
                if len(words) == 1 and re.fullmatch(r"[A-Za-z_]\w*=.*", words[0]):
                    name, value = words[0].split("=", 1)
                    variables[name] = value
                    continue
                command: List[str] = []
                for word in words + ["&&"]:
                    if word == "&&":
                        if command:
                            found.append((f"{path.relative_to(REPO)}:{number}", command))
                        command = []
                    else:
                        command.append(word)
    return found


COMMANDS = _commands()


# --------------------------------------------------------------------------- what each form means

def _check_overrides(overrides: Sequence[str], multirun: bool) -> None:
    """Compose and validate the launch; for a multirun, its first job, and each value the other
    jobs sweep: a config group's option must exist (every option composes: test_config.py), a
    plain value is set on the first job's config (the typed schema checks it) and validated."""
    if not multirun:
        _compose(overrides)
        return
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    from xtask.plan.validate import validate
    from xtask.ops.plan import expand

    jobs = expand(list(overrides))
    assert jobs, f"{' '.join(overrides)}: a multirun of no jobs"
    first = _compose(jobs[0])
    parser = OverridesParser.create()
    for item in sorted({item for job in jobs[1:] for item in job} - set(jobs[0])):
        override = parser.parse_override(item)
        key = override.get_key_element().lstrip("+")
        if (REPO / "conf" / key).is_dir():
            assert (REPO / "conf" / key / f"{override.value()}.yaml").is_file(), f"{item}: no such option"
            continue
        cfg = copy.deepcopy(first)
        try:
            OmegaConf.update(cfg, key, override.value(), merge=True)
            validate(cfg)
        except Exception as err:  # noqa: BLE001 - the schema's and validate's errors alike
            pytest.fail(f"{item} (with {' '.join(jobs[0])}): {type(err).__name__}: {err}")


_COMPOSED: Dict[Tuple[str, ...], object] = {}


@pytest.fixture(scope="module", autouse=True)
def _hydra() -> Iterator[None]:
    """Hydra's compose API over conf/, initialised once for the module's many compositions."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from xtask.config import register_configs

    register_configs()
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base="1.3"):
        yield
    GlobalHydra.instance().clear()


def _compose(overrides: Sequence[str], with_hydra: bool = False):
    """The config launch.py composes for these overrides, validated; a problem fails the test,
    naming it (each distinct job is composed once per session)."""
    job = tuple(overrides)
    if job not in _COMPOSED:
        from hydra import compose

        from xtask.plan.validate import validate

        try:
            cfg = compose(config_name="config", overrides=list(job))
            validate(cfg)
            _COMPOSED[job] = cfg
        except Exception as err:  # noqa: BLE001 - Hydra's errors and ours: any of them is the finding
            _COMPOSED[job] = f"{type(err).__name__}: {err}"
    assert not isinstance(_COMPOSED[job], str), f"launch.py {' '.join(job)}\n{_COMPOSED[job]}"
    return _COMPOSED[job]


def _check_launch(args: List[str]) -> None:
    multirun = False
    overrides = []
    rest = iter(args)
    for arg in rest:
        if arg in ("-m", "--multirun"):
            multirun = True
        elif arg == "--cfg":
            assert next(rest, None) in ("job", "hydra", "all"), "--cfg takes job, hydra or all"
        elif arg.startswith("-"):
            pytest.fail(f"launch.py option {arg!r}: not a form this test knows")
        else:
            overrides.append(arg)
    _check_overrides(overrides, multirun)


def _check_xtask(args: List[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if args[:1] == ["bench"]:  # its own parser: parse and compose, measure nothing
        import xtask.ops.plan
        from xtask.ops import bench

        seen = []
        monkeypatch.setattr(xtask.ops.plan, "_compose", _compose)
        monkeypatch.setattr(bench, "measure", lambda cfg, *rest, **options: seen.append(cfg) or {})
        monkeypatch.setattr(bench, "render", lambda figures: "")
        monkeypatch.chdir(tmp_path)  # --json writes here
        assert bench.main(args[1:]) == 0 and len(seen) == 1
        return
    from xtask.cli import build_parser

    try:
        parsed = build_parser().parse_args(args)
    except SystemExit as err:
        pytest.fail(f"xtask {' '.join(args)}: the parser refuses it (exit {err.code})")
    if parsed.command in ("plan", "predict"):  # both take launch.py -m's overrides
        _check_overrides(parsed.overrides, multirun=True)


def _make_targets() -> set:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*):", text, flags=re.MULTILINE))


def _markers() -> set:
    """The markers pyproject.toml registers (its ``markers = ["name: what", ...]`` list)."""
    block = re.search(r"^markers = \[(.*?)^\]", (REPO / "pyproject.toml").read_text(), flags=re.MULTILINE | re.DOTALL)
    return set(re.findall(r'^\s*"(\w+):', block.group(1), flags=re.MULTILINE))


def _check_pytest(args: List[str]) -> None:
    rest = iter(args)
    for arg in rest:
        if arg == "-m":
            expression = next(rest)
            names = set(re.findall(r"[A-Za-z_]\w*", expression)) - {"and", "or", "not"}
            assert names <= _markers(), f"unregistered markers {sorted(names - _markers())}"
        elif arg in ("-q", "-x", "-v"):
            continue
        elif arg.startswith("-"):
            pytest.fail(f"pytest option {arg!r}: not a form this test knows")
        else:
            assert (REPO / arg.split("::")[0]).exists(), f"{arg}: no such test file"


def _is_python(word: str) -> bool:
    return Path(word).name in ("python", "python3")


def check(argv: List[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    while argv and re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", argv[0]):  # HF_HUB_OFFLINE=1 ...
        argv = argv[1:]
    head, args = argv[0], argv[1:]
    if _is_python(head) and args[:1] == ["launch.py"]:
        _check_launch(args[1:])
    elif _is_python(head) and args[:2] == ["-m", "pytest"] or head == "pytest":
        _check_pytest(args[2:] if _is_python(head) else args)
    elif _is_python(head) and args and args[0].endswith(".py"):
        script = REPO / args[0]
        assert script.is_file(), f"{args[0]}: no such script"
        text = script.read_text(encoding="utf-8")
        for option in (a.split("=")[0] for a in args[1:] if a.startswith("--")):
            assert f'"{option}"' in text, f"{args[0]} has no option {option}"
    elif Path(head).name == "xtask":
        _check_xtask(args, monkeypatch, tmp_path)
    elif head == "make":
        targets = [a for a in args if "=" not in a]
        assert targets and set(targets) <= _make_targets(), f"make {' '.join(args)}: not a Makefile rule"
        makefile = (REPO / "Makefile").read_text(encoding="utf-8")
        for name in (a.split("=", 1)[0] for a in args if "=" in a):  # make NAME=VALUE: a variable it reads
            assert f"$({name})" in makefile, f"make {' '.join(args)}: the Makefile reads no variable {name}"
    elif head == "conda" and args[:2] == ["env", "create"]:
        assert args[2] == "-f" and (REPO / args[3]).is_file(), args
    elif head == "conda" and args[:1] == ["activate"]:
        assert args[1] == yaml.safe_load((REPO / "environment.yml").read_text())["name"]
    elif head == "mkdir" and args[:1] == ["-p"]:
        pass
    elif head == "cp":
        assert (REPO / args[0]).is_file(), f"cp {args[0]}: no such file"
    else:
        pytest.fail(f"{' '.join(argv)}: not a command form this test knows (add a check for it)")


# --------------------------------------------------------------------------- the tests

def test_the_docs_show_commands() -> None:
    forms = {Path(argv[0]).name if not _is_python(argv[0]) else argv[1] for _, argv in COMMANDS}
    assert {"launch.py", "xtask", "make"} <= forms and len(COMMANDS) >= 30


@pytest.mark.parametrize("where,argv", COMMANDS, ids=[where for where, _ in COMMANDS])
def test_every_command_in_the_docs_is_known(where: str, argv: List[str], monkeypatch, tmp_path) -> None:
    check(argv, monkeypatch, tmp_path)


@pytest.mark.parametrize("argv,message", [
    (["xtask", "submission", "CELL", "--out", "s/", "--benchmark", "xtreme_r"], "parser refuses"),
    (["python", "launch.py", "inter=mnlii"], "mnlii"),
    (["python", "launch.py", "-m", "target=xnli,xnlii"], "xnlii"),
    (["python", "launch.py", "train.target.epochs=-1"], "epochs"),
    (["xtask", "plan", "+sweep=demo", "seed=x"], "seed"),
    (["python", "launch.py", "-m", "+sweep=demo", "seed=1,x"], "seed=x"),
    (["python", "launch.py", "-m", "inter=none", "train.target.lr=1e-5,-1"], "train.target.lr=-1"),
    (["make", "tests"], "not a Makefile rule"),
    (["pytest", "-m", "not slowly"], "unregistered"),
    (["git", "status"], "not a command form"),
])
def test_a_wrong_command_fails_the_check(argv, message, monkeypatch, tmp_path) -> None:
    with pytest.raises(BaseException) as err:  # pytest.fail raises Failed, a BaseException
        check(argv, monkeypatch, tmp_path)
    assert message in str(err.value)


def test_every_code_block_says_its_language() -> None:
    for path in DOCS:
        for number, language, _ in _blocks(path):
            assert language, f"{path.relative_to(REPO)}:{number}: say ```bash (checked) or ```text (output)"


def _slug(title: str) -> str:
    """GitHub's anchor of a heading."""
    title = re.sub(r"[^\w\- ]", "", title.strip().lower())
    return title.replace(" ", "-")


def test_every_link_leads_somewhere() -> None:
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            file, _, anchor = target.partition("#")
            linked = (path.parent / file).resolve() if file else path
            assert linked.exists(), f"{path.relative_to(REPO)}: link to {target}: no such file"
            if anchor and linked.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", linked.read_text(encoding="utf-8"), flags=re.MULTILINE)
                assert anchor in {_slug(h) for h in headings}, f"{path.relative_to(REPO)}: link to {target}: no such heading"


def test_every_test_the_docs_cite_exists() -> None:
    source = {p.name: p.read_text(encoding="utf-8") for p in (REPO / "tests").glob("test_*.py")}
    cited = 0
    for path in DOCS:
        for span in re.findall(r"`([^`\n]+)`", path.read_text(encoding="utf-8")):
            for file, name, alone in re.findall(r"(test_\w+\.py)(?:::(test_\w+))?|\b(test_\w+)\b", span):
                if file:
                    assert file in source, f"{path.relative_to(REPO)}: cites {file}: no such test file"
                name = name or alone
                if name:
                    where = [source[file]] if file else list(source.values())
                    assert any(f"def {name}(" in text for text in where), f"{path.relative_to(REPO)}: cites {name}: no such test"
                    cited += 1
    assert cited >= 20


def test_the_readme_is_a_door() -> None:
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines: move the detail to docs/"
    for page in ("architecture", "extending"):
        assert f"(docs/{page}.md)" in "\n".join(lines)


def test_the_configuration_reference_lists_every_option() -> None:
    from conftest import config_options

    rows = {}
    for line in (REPO / "docs" / "configuration.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) > 3 and re.fullmatch(r"`[\w/]+`", cells[1]):
            rows[cells[1].strip("`")] = set(re.findall(r"`(\w+)`", cells[2]))
    for group in ("model", "inter", "target", "data", "train", "logger"):
        assert rows.get(group) == set(config_options(group)), f"docs/configuration.md, row {group}"
    assert rows.get("hydra/launcher", set()) | {"basic"} >= set(config_options("hydra/launcher"))


def _first_column(page: str, header: str) -> set:
    """The backticked names in the first column of the table whose header row starts with ``header``."""
    names, inside = set(), False
    for line in (REPO / "docs" / page).read_text(encoding="utf-8").splitlines():
        if line.startswith(f"| {header} |"):
            inside = True
        elif inside and line.startswith("|"):
            names |= set(re.findall(r"`(\w+)`", line.split("|")[1]))
        elif inside:
            break
    return names


def test_the_tables_of_sweeps_and_tasks_are_complete() -> None:
    from conftest import SWEEPS
    from xtask.tasks import INTERMEDIATE_TASKS, MULTITASK, NO_INTERMEDIATE, TARGET_TASKS

    assert _first_column("grids.md", "sweep") == set(SWEEPS)
    assert _first_column("tasks.md", "target") == set(TARGET_TASKS)
    assert _first_column("tasks.md", "`inter=`") == set(INTERMEDIATE_TASKS) | {NO_INTERMEDIATE, MULTITASK}
