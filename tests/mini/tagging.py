"""Token tagging: UD part-of-speech (UDPOS) and named entities (PAN-X / WikiANN).

Both use the lexicon's per-word tags, so the tags are exact by construction. UDPOS sentences mix
scenes (some negated, some place-fronted), questions and entity-template sentences; every PAN-X
sentence names at least one person, location or organisation.
"""

from __future__ import annotations

import random
from typing import Dict, Hashable, List, Sequence, Set, Tuple

from mini.common import (
    Draw,
    Utterance,
    distinct,
    draw_entity_sentence,
    draw_scene,
    draw_utterance,
    word_tag_file,
)
from mini.lexicon import LANGUAGES

UDPOS_LANGUAGES: Tuple[str, ...] = LANGUAGES  # all 9 are in XTREME's list
PANX_LANGUAGES: Tuple[str, ...] = LANGUAGES
TAGGING_SIZES = {"train": 1500, "dev": 100, "test": 100}  # sentences; train: English only


def _udpos_utterance(rng: random.Random) -> Utterance:
    return draw_utterance(rng, entity_share=0.15, question_share=0.15)


def _panx_utterance(rng: random.Random) -> Utterance:
    if rng.random() < 0.4:
        return Utterance(entity=draw_entity_sentence(rng))
    while True:
        scene = draw_scene(rng, person=0.6, location=0.6, companion=0.4, with_person=0.5, negated=0.15)
        if scene.person is not None or scene.location is not None or scene.with_person is not None:
            return Utterance(scene=scene, fronted=rng.random() < 0.25)


def _files(task: str, rng: random.Random, draw: Draw, tag_of: str) -> Dict[str, str]:
    """``{task}/{split}-{lang}.tsv`` for every split; dev/test are parallel across languages."""
    files: Dict[str, str] = {}
    seen: Set[Hashable] = set()
    for split, n in TAGGING_SIZES.items():
        langs: Sequence[str] = ("en",) if split == "train" else LANGUAGES
        utterances = distinct(rng, draw, n, seen, langs)
        for lang in langs:
            sentences: List[List[Tuple[str, str]]] = [
                [(tok.form, getattr(tok, tag_of)) for tok in utt.tokens(lang)] for utt in utterances
            ]
            files[f"{task}/{split}-{lang}.tsv"] = word_tag_file(sentences)
    return files


def udpos_files(rng: random.Random) -> Dict[str, str]:
    """``udpos/{train,dev,test}-{lang}.tsv``: ``word<TAB>UPOS`` lines."""
    return _files("udpos", rng, _udpos_utterance, "upos")


def panx_files(rng: random.Random) -> Dict[str, str]:
    """``panx/{train,dev,test}-{lang}.tsv``: ``token<TAB>IOB2 tag`` lines."""
    return _files("panx", rng, _panx_utterance, "ner")
