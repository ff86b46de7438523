"""Sentence retrieval without training data: Tatoeba (parallel lines) and BUCC 2018 (bitext mining).

Why the non-gold BUCC sentences cannot be unlisted translations: every sentence of a file pair
comes from a different scene (up to word order: a place-fronted sentence means the same as the
default one), and the lexicon renders different scenes differently in each language.
"""

from __future__ import annotations

import random
from typing import Dict, Hashable, List, Set, Tuple

from mini.common import Utterance, distinct, draw_utterance

TATOEBA_LANGUAGES: Tuple[str, ...] = ("ar", "de", "es", "fr", "hi", "ru", "th", "zh")
TATOEBA_SIZE = 100
BUCC_LANGUAGES: Tuple[str, ...] = ("de", "fr", "ru", "zh")
BUCC_GOLD = 50  # translation pairs per split and language
BUCC_UNRELATED = 100  # sentences per side without a translation on the other side


def _draw(rng: random.Random) -> Utterance:
    return draw_utterance(rng, entity_share=0.15, question_share=0.1)


def _lines(utterances: List[Utterance], lang: str) -> str:
    return "".join(utt.text(lang) + "\n" for utt in utterances)


def tatoeba_files(rng: random.Random) -> Dict[str, str]:
    """``tatoeba/{lang}-en.{lang}`` and ``.en``: line i of one translates line i of the other.

    (XTREME's copy sorts the English side; ours stays aligned so gold is the same line index.)
    """
    files: Dict[str, str] = {}
    for lang in TATOEBA_LANGUAGES:
        utterances = distinct(rng, _draw, TATOEBA_SIZE, set(), (lang, "en"))
        files[f"tatoeba/{lang}-en.{lang}"] = _lines(utterances, lang)
        files[f"tatoeba/{lang}-en.en"] = _lines(utterances, "en")
    return files


def _side(rng: random.Random, utterances: List[Utterance], lang: str) -> Tuple[str, Dict[int, str]]:
    """Shuffled ``ID<TAB>sentence`` lines; returns the text and each utterance's id by position."""
    order = list(range(len(utterances)))
    rng.shuffle(order)
    ids = {k: f"{lang}-{line:06d}" for line, k in enumerate(order, start=1)}
    text = "".join(f"{ids[k]}\t{utterances[k].text(lang)}\n" for k in order)
    return text, ids


def bucc_files(rng: random.Random) -> Dict[str, str]:
    """``bucc2018/{lang}-en.{split}.{lang|en|gold}`` for dev and test (test keeps its gold)."""
    files: Dict[str, str] = {}
    for lang in BUCC_LANGUAGES:
        seen: Set[Hashable] = set()
        for split in ("dev", "test"):
            pool = distinct(rng, _draw, BUCC_GOLD + 2 * BUCC_UNRELATED, seen, (lang, "en"))
            gold = pool[:BUCC_GOLD]
            source_only = pool[BUCC_GOLD : BUCC_GOLD + BUCC_UNRELATED]
            english_only = pool[BUCC_GOLD + BUCC_UNRELATED :]
            prefix = f"bucc2018/{lang}-en.{split}"
            files[f"{prefix}.{lang}"], src_ids = _side(rng, gold + source_only, lang)
            files[f"{prefix}.en"], en_ids = _side(rng, gold + english_only, "en")
            pairs = sorted((src_ids[k], en_ids[k]) for k in range(BUCC_GOLD))
            files[f"{prefix}.gold"] = "".join(f"{src}\t{en}\n" for src, en in pairs)
    return files
