"""Write the synthetic mini datasets (every XTREME task, the English intermediate tasks, corpora).

Usage: ``python tests/mini/generate.py [--out DIR] [--check]`` (from the repository's root).

Why: tests and smoke runs need data in the exact on-disk layouts of the real benchmarks (as
XTREME's ``scripts/download_data.sh`` leaves them) without downloading anything. Everything is
drawn from ``random.Random`` with fixed seeds, so the output is byte-identical on every run and
``--check`` can verify the committed copy. The task modules (``nli``, ``tagging``, ``qa``,
``retrieval``; ``english``, ``choice``, ``ccg`` for the intermediate tasks) say how each task's
examples and label cues are built.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: its package `mini` lives in tests/
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import filecmp
import random
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from mini.ccg import ccg_files
from mini.choice import choice_files
from mini.common import draw_utterance, seeded
from mini.english import (
    anli_files,
    corpus_texts,
    qqp_files,
    snli_files,
    squad_v2_files,
    sst2_files,
    translated_files,
)
from mini.lexicon import (
    LANGUAGES,
    SOMEONE,
    Scene,
    Token,
    coverage_sentences,
    random_scene,
    render_tokens,
    surface,
)
from mini.nli import (
    MNLI_SIZES,
    PAWSX_LANGUAGES,
    PAWSX_SIZES,
    XNLI_SIZE,
    Item,
    make_items,
    make_paws_items,
    mnli_jsonl,
    pawsx_tsv,
    xnli_tsv,
)
from mini.qa import qa_files
from mini.readme import readme
from mini.retrieval import bucc_files, tatoeba_files
from mini.tagging import panx_files, udpos_files
from mini.xcopa import xcopa_files

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "xtask" / "resources" / "mini"
SEED = 20240917
CORPUS_SIZE = 400  # random scene sentences per language
CORPUS_EXTRA = 200  # then names, questions, fronted orders and entity sentences
_WORD = re.compile(r"\w+|[^\w\s]")


def corpus(
    rng: random.Random, lang: str, n: int, extra_rng: random.Random, texts: Sequence[str] = ()
) -> str:
    """Distinct monolingual sentences, one per line, covering every construction and every word.

    ``n`` plain scenes first, then ``CORPUS_EXTRA`` varied sentences, then whichever of the
    lexicon's coverage sentences bring a word not seen yet (the tokenizer is trained on this), then
    whichever of ``texts`` (English: the intermediate tasks' texts) bring a word not seen yet.
    """
    lines: List[str] = []
    seen: Set[str] = set()
    forms: Set[str] = set()

    def add(tokens: List[Token]) -> None:
        text = surface(tokens, lang)
        if text not in seen:
            seen.add(text)
            forms.update(tok.form for tok in tokens)
            lines.append(text + "\n")

    while len(lines) < n:
        scene = random_scene(rng, companion_prob=0.3, negated_prob=0.25)
        roll = rng.random()
        if roll < 0.1:  # "someone" subjects, as in entailment hypotheses
            scene = Scene(SOMEONE, scene.action, scene.place, scene.companion)
        elif roll < 0.25:  # no place, as in shortened hypotheses
            scene = Scene(scene.subject, scene.action, negated=scene.negated)
        add(render_tokens(scene, lang))
    while len(lines) < n + CORPUS_EXTRA:
        add(draw_utterance(extra_rng, entity_share=0.2, question_share=0.2).tokens(lang))
    for tokens in coverage_sentences(lang):
        if any(tok.form not in forms for tok in tokens):
            add(tokens)
    for text in texts:
        words = set(_WORD.findall(text))
        if text not in seen and not words <= forms:
            seen.add(text)
            forms.update(words)
            lines.append(text + "\n")
    return "".join(lines)


def build(seed: int = SEED) -> Dict[str, str]:
    """Every file's text, keyed by its path relative to the output folder."""
    files: Dict[str, str] = {}
    rng = random.Random(seed)
    seen: Set[Tuple[Scene, Scene]] = set()
    mnli: Dict[str, List[Item]] = {}
    for split, n in MNLI_SIZES.items():
        mnli[split] = make_items(rng, n, seen)
        files[f"mnli/{split}.jsonl"] = mnli_jsonl(mnli[split], split.split("_")[0])
    for split in ("dev", "test"):
        items = make_items(rng, XNLI_SIZE, seen)
        for lang in LANGUAGES:
            files[f"xnli/{split}-{lang}.tsv"] = xnli_tsv(items, lang)
    # The English intermediate tasks (each its own RNG; NLI pairs and QA contexts kept apart from
    # the other files'), and MNLI rendered in other languages for translate-train.
    intermediate: Dict[str, str] = {}
    intermediate.update(anli_files(seed, seen))
    intermediate.update(snli_files(seed, seen))
    intermediate.update(qqp_files(seed))
    intermediate.update(sst2_files(seed))
    qa_seen: Set[FrozenSet[Any]] = set()
    files.update(qa_files(seed, qa_seen))
    intermediate.update(squad_v2_files(seed, qa_seen))
    intermediate.update(choice_files(seed))
    intermediate.update(ccg_files(seed))
    intermediate.update(translated_files(mnli))
    for k, lang in enumerate(LANGUAGES):
        files[f"corpus/{lang}.txt"] = corpus(
            random.Random(seed + 1 + k), lang, CORPUS_SIZE, seeded(seed, f"corpus-{lang}"),
            corpus_texts(intermediate) if lang == "en" else (),
        )

    paws_rng = seeded(seed, "pawsx")
    paws_seen: Set[FrozenSet[Scene]] = set()
    for split, n in PAWSX_SIZES.items():
        paws = make_paws_items(paws_rng, n, paws_seen)
        for lang in ("en",) if split == "train" else PAWSX_LANGUAGES:
            files[f"pawsx/{split}-{lang}.tsv"] = pawsx_tsv(paws, lang)
    files.update(udpos_files(seeded(seed, "udpos")))
    files.update(panx_files(seeded(seed, "panx")))
    files.update(tatoeba_files(seeded(seed, "tatoeba")))
    files.update(bucc_files(seeded(seed, "bucc2018")))
    files.update(intermediate)
    # After the corpus (which includes the intermediate tasks' English text): COPA/XCOPA leave
    # the tiny model's tokenizer, and so every earlier number, unchanged.
    files.update(xcopa_files(seed))
    files["README.md"] = readme()
    return files


def generate(out: Path, seed: int = SEED) -> List[Path]:
    """Write all files under ``out``; returns their paths. Deterministic for a given seed."""
    paths = []
    for rel, text in build(seed).items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        paths.append(path)
    return paths


def _relative_files(root: Path) -> Set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def check(out: Path) -> List[str]:
    """Regenerate into a temporary folder; return the files under ``out`` that differ."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        generate(fresh)
        expected = _relative_files(fresh)
        actual = _relative_files(out) if out.is_dir() else set()
        differing = [f"{rel} (missing)" for rel in sorted(expected - actual)]
        differing += [f"{rel} (unexpected)" for rel in sorted(actual - expected)]
        differing += [
            f"{rel} (content differs)"
            for rel in sorted(expected & actual)
            if not filecmp.cmp(fresh / rel, out / rel, shallow=False)
        ]
    return differing


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python tests/mini/generate.py", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: %(default)s)")
    parser.add_argument(
        "--check", action="store_true", help="verify that --out matches a fresh generation; write nothing"
    )
    args = parser.parse_args(argv)
    if args.check:
        differing = check(args.out)
        if differing:
            print(f"{args.out}: {len(differing)} file(s) differ from a fresh generation:", file=sys.stderr)
            for line in differing:
                print(f"  {line}", file=sys.stderr)
            return 1
        print(f"{args.out}: up to date")
        return 0
    paths = generate(args.out)
    print(f"wrote {len(paths)} files under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
