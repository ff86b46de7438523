"""What the task writers share: utterances, seeded sampling and the on-disk text formats.

Why a separate module: every task draws sentences from the same world and writes one of a few
layouts (tsv, word-per-line tag files, SQuAD JSON); keeping those in one place keeps the layouts
identical across tasks and the task modules short.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass
from typing import Any, Callable, Dict, Hashable, Iterable, List, Optional, Sequence, Set, Tuple

from mini.lexicon import (
    ACTIONS,
    COMPANIONS,
    ENTITY_TEMPLATES,
    LOCATIONS,
    ORGANISATIONS,
    PERSONS,
    PLACES,
    SOMEONE,
    EntitySentence,
    Scene,
    Token,
    entity_tokens,
    question_tokens,
    render_tokens,
    surface,
)


@dataclass(frozen=True)
class Utterance:
    """One sentence of any kind: a scene (default or place-fronted order), a question about a
    scene (``question`` = a ``QUESTION_SLOTS`` kind), or an entity-template sentence."""

    scene: Optional[Scene] = None
    fronted: bool = False
    question: Optional[str] = None
    entity: Optional[EntitySentence] = None

    def tokens(self, lang: str) -> List[Token]:
        if self.entity is not None:
            return entity_tokens(self.entity, lang)
        assert self.scene is not None
        if self.question is not None:
            return question_tokens(self.scene, lang, self.question)
        return render_tokens(self.scene, lang, self.fronted)

    def text(self, lang: str) -> str:
        return surface(self.tokens(lang), lang)

    @property
    def meaning(self) -> Hashable:
        """Identity up to paraphrase: both word orders of a scene mean the same thing, so
        "no translation of X elsewhere" checks compare meanings, not utterances."""
        return (self.scene, self.question, self.entity)


def seeded(seed: int, task: str) -> random.Random:
    """An RNG per task, so adding or resizing one task never changes another task's files."""
    return random.Random(f"{seed}:{task}")


def draw_scene(
    rng: random.Random,
    person: float = 0.0,
    location: float = 0.0,
    companion: float = 0.0,
    with_person: float = 0.0,
    negated: float = 0.0,
) -> Scene:
    """A scene with a place; each argument is the probability of that feature. ``with_person`` is
    the share of companions that are named people. Always makes the same number of draws."""
    subject, action = rng.randrange(SOMEONE), rng.randrange(len(ACTIONS))
    place, loc = rng.randrange(len(PLACES)), rng.randrange(len(LOCATIONS))
    comp, name = rng.randrange(len(COMPANIONS)), rng.randrange(len(PERSONS))
    other = rng.randrange(len(PERSONS) - 1)
    use_person, use_location, use_companion, use_with, use_neg = (rng.random() for _ in range(5))
    named_companion = use_companion < companion and use_with < with_person
    return Scene(
        subject=subject,
        action=action,
        place=None if use_location < location else place,
        companion=comp if use_companion < companion and not named_companion else None,
        negated=use_neg < negated,
        person=name if use_person < person else None,
        location=loc if use_location < location else None,
        # A different person from the subject: skip the subject's index.
        with_person=(other if other < name else other + 1) if named_companion else None,
    )


def draw_entity_sentence(rng: random.Random) -> EntitySentence:
    return EntitySentence(
        rng.randrange(len(ENTITY_TEMPLATES)), rng.randrange(len(PERSONS)),
        rng.randrange(len(ORGANISATIONS)), rng.randrange(len(LOCATIONS)),
    )


def draw_utterance(rng: random.Random, entity_share: float, question_share: float) -> Utterance:
    """A varied sentence: an entity-template sentence (``entity_share``), a question
    (``question_share``), else a scene (some negated, some fronted, some with names)."""
    roll = rng.random()
    if roll < entity_share:
        return Utterance(entity=draw_entity_sentence(rng))
    if roll < entity_share + question_share:
        scene = draw_scene(rng, person=0.3, location=0.3)
        return Utterance(scene=scene, question=rng.choice(("where", "who", "what")))
    scene = draw_scene(rng, person=0.3, location=0.3, companion=0.35, with_person=0.3, negated=0.2)
    return Utterance(scene=scene, fronted=rng.random() < 0.25)


def tsv(rows: Iterable[Sequence[str]]) -> str:
    """Rows as ``csv.writer(delimiter="\\t")`` writes them (as XTREME's preprocessing does), with
    ``\\n`` line ends like our XNLI files."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="\t", lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue()


def word_tag_file(sentences: Sequence[Sequence[Tuple[str, str]]]) -> str:
    """XTREME's processed UDPOS/PAN-X layout: ``word<TAB>tag`` lines, one blank line between
    sentences, and the file ends after the last word's newline (no trailing blank line)."""
    for words in sentences:
        for form, tag in words:
            if not form or any(ch.isspace() for ch in form) or not tag:
                raise ValueError(f"word {form!r}/{tag!r} would break the word<TAB>tag layout")
    blocks = ["\n".join(f"{form}\t{tag}" for form, tag in words) for words in sentences]
    return "\n\n".join(blocks) + "\n"


def json_text(obj: Any) -> str:
    """Deterministic JSON (UTF-8 characters kept readable), one trailing newline."""
    return json.dumps(obj, ensure_ascii=False) + "\n"


Draw = Callable[[random.Random], Utterance]


def distinct(
    rng: random.Random, draw: Draw, n: int, seen: Set[Hashable], langs: Sequence[str]
) -> List[Utterance]:
    """``n`` utterances from ``draw(rng)`` whose meanings are not in ``seen`` (which is updated) and
    whose texts are new in every language of ``langs`` (a few scenes render alike in a language)."""
    texts: Dict[str, Set[str]] = {lang: set() for lang in langs}
    out: List[Utterance] = []
    while len(out) < n:
        utt = draw(rng)
        if utt.meaning in seen:
            continue
        rendered = {lang: utt.text(lang) for lang in langs}
        if any(rendered[lang] in texts[lang] for lang in langs):
            continue
        seen.add(utt.meaning)
        for lang in langs:
            texts[lang].add(rendered[lang])
        out.append(utt)
    return out
