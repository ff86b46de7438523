"""COPA and XCOPA in their release formats: two-choice causal reasoning over toy scenes.

A premise is a scene ("The student is reading in the library with a friend."); its plausible
alternative keeps the premise's subject and action ("The student is reading."), the other one
changes both ("The old man is swimming."), for either question (``cause`` / ``effect``). A
model that relates the premise to its alternatives learns it; the labels are balanced.

Layout as released: COPA (SuperGLUE) ``copa/{train,val}.jsonl``; XCOPA
``xcopa/LANG/{val,test}.LANG.jsonl`` for the XCOPA languages the mini lexicon has (th, zh).
Fields: ``premise``, ``choice1``, ``choice2``, ``question``, ``label`` (0/1), ``idx``
(XCOPA adds ``changed``).
"""

from __future__ import annotations

import json
import random
from typing import Dict, List, Tuple

from mini.common import seeded
from mini.lexicon import ACTIONS, LANGUAGES, SOMEONE, Scene, random_scene, sentence

COPA_SIZES = {"train": 400, "val": 100}
XCOPA_SIZES = {"val": 50, "test": 100}
# XCOPA's languages that the mini lexicon renders.
XCOPA_LANGUAGES: Tuple[str, ...] = tuple(lang for lang in ("et", "ht", "id", "it", "qu", "sw", "ta", "th", "tr", "vi", "zh")
                                         if lang in LANGUAGES)


def _item(rng: random.Random) -> Tuple[Scene, Scene, Scene, str, int]:
    premise = random_scene(rng, companion_prob=0.3, negated_prob=0.0)
    plausible = Scene(premise.subject, premise.action)
    subject = rng.choice([s for s in range(SOMEONE) if s != premise.subject])
    action = rng.choice([a for a in range(len(ACTIONS)) if a != premise.action])
    implausible = Scene(subject, action)
    return premise, plausible, implausible, rng.choice(["cause", "effect"]), rng.randrange(2)


def _rows(items: List[Tuple[Scene, Scene, Scene, str, int]], lang: str, xcopa: bool) -> str:
    lines = []
    for idx, (premise, plausible, implausible, question, label) in enumerate(items, start=1):
        choices = [plausible, implausible] if label == 0 else [implausible, plausible]
        row = {"premise": sentence(premise, lang), "choice1": sentence(choices[0], lang),
               "choice2": sentence(choices[1], lang), "question": question, "label": label, "idx": idx}
        if xcopa:
            row["changed"] = False
        lines.append(json.dumps(row, ensure_ascii=False) + "\n")
    return "".join(lines)


def xcopa_files(seed: int) -> Dict[str, str]:
    rng = seeded(seed, "copa")
    files: Dict[str, str] = {}
    for split, n in COPA_SIZES.items():
        files[f"copa/{split}.jsonl"] = _rows([_item(rng) for _ in range(n)], "en", xcopa=False)
    for split, n in XCOPA_SIZES.items():
        items = [_item(rng) for _ in range(n)]  # parallel across languages, as XCOPA is
        for lang in XCOPA_LANGUAGES:
            files[f"xcopa/{lang}/{split}.{lang}.jsonl"] = _rows(items, lang, xcopa=True)
    return files
