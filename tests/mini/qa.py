"""Extractive QA in SQuAD v1.1 JSON: SQuAD, XQuAD, MLQA and TyDiQA-GoldP layouts.

A context is 2-4 scene sentences; a question asks where someone is doing something, who is doing
it somewhere, or what someone is doing somewhere (``lexicon.QUESTION_SLOTS``), and its answer is
that sentence's place, subject or verb group, cut out of the context by character offsets.
Why the answers are unambiguous: within a context no two sentences share a subject, an action or
a place, and "who" is only asked about a sentence without a companion ("... with a friend").
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from mini.common import Utterance, draw_scene, json_text, seeded
from mini.lexicon import QUESTION_SLOTS, Token, answer_span, question, surface, surface_spans

SQUAD_SIZES = {"train": 1500, "dev": 200}  # questions, English
XQUAD_LANGUAGES: Tuple[str, ...] = ("en", "es", "de", "ru", "ar", "th", "zh", "hi")
XQUAD_SIZE = 120
MLQA_LANGUAGES: Tuple[str, ...] = ("en", "es", "de", "ar", "hi", "zh")
MLQA_SIZES = {"dev": 100, "test": 100}
TYDIQA_LANGUAGES: Tuple[str, ...] = ("en", "ar", "ru")
TYDIQA_TRAIN_SIZE = 800  # English only
TYDIQA_DEV_SIZE = 100
PARAGRAPHS_PER_TITLE = 5
_NO_SPACE_BETWEEN_SENTENCES = frozenset({"zh", "th"})


@dataclass(frozen=True)
class Question:
    qid: str
    sentence: int  # index of the answered sentence in the paragraph
    kind: str  # a QUESTION_SLOTS key


@dataclass(frozen=True)
class Paragraph:
    sentences: Tuple[Utterance, ...]
    questions: Tuple[Question, ...]


def draw_context(rng: random.Random) -> Tuple[Utterance, ...]:
    """2-4 scene sentences, no two sharing a subject, an action or a place (some place-fronted)."""
    n = rng.choice((2, 3, 3, 4))
    out: List[Utterance] = []
    subjects: Set[Tuple[str, int]] = set()
    actions: Set[int] = set()
    places: Set[Tuple[str, int]] = set()
    while len(out) < n:
        scene = draw_scene(rng, person=0.3, location=0.25, companion=0.3, with_person=0.3)
        subject = ("person", scene.person) if scene.person is not None else ("noun", scene.subject)
        place = ("location", scene.location) if scene.location is not None else ("place", scene.place or 0)
        if subject in subjects or scene.action in actions or place in places:
            continue
        subjects.add(subject)
        actions.add(scene.action)
        places.add(place)
        out.append(Utterance(scene=scene, fronted=rng.random() < 0.2))
    return tuple(out)


def alone(utt: Utterance) -> bool:
    """No companion, so "who is V-ing P?" has one answer."""
    return utt.scene is not None and utt.scene.companion is None and utt.scene.with_person is None


def draw_unseen_context(rng: random.Random, seen: Set[FrozenSet[Any]]) -> Tuple[Utterance, ...]:
    """A context whose scenes are not those of one in ``seen`` (shared by all QA files, so eval
    contexts are unseen); it is added to ``seen``."""
    while True:
        sentences = draw_context(rng)
        key = frozenset(utt.scene for utt in sentences)
        if key not in seen:
            seen.add(key)
            return sentences


def answerable_slots(sentences: Sequence[Utterance]) -> List[Tuple[int, str]]:
    """(sentence, question kind) pairs with exactly one answer in the context."""
    return [(i, kind) for i, utt in enumerate(sentences) for kind in QUESTION_SLOTS if kind != "who" or alone(utt)]


def make_paragraphs(
    rng: random.Random, n_questions: int, prefix: str, seen: Set[FrozenSet[Any]]
) -> List[Paragraph]:
    """Paragraphs with 1-3 questions each, ``n_questions`` in all, ids ``{prefix}-000001``...;
    no context repeats one in ``seen``."""
    paragraphs: List[Paragraph] = []
    count = 0
    while count < n_questions:
        sentences = draw_unseen_context(rng, seen)
        candidates = answerable_slots(sentences)
        rng.shuffle(candidates)
        picked = sorted(candidates[: min(rng.choice((1, 2, 2, 3)), n_questions - count)])
        questions = tuple(
            Question(f"{prefix}-{count + k + 1:06d}", i, kind) for k, (i, kind) in enumerate(picked)
        )
        count += len(questions)
        paragraphs.append(Paragraph(sentences, questions))
    return paragraphs


@dataclass(frozen=True)
class Layout:
    """A context's text in one language, with where each sentence starts and its tokens."""

    context: str
    starts: Tuple[int, ...]
    tokens: Tuple[List[Token], ...]
    lang: str

    def answer(self, sentence: int, kind: str) -> Tuple[str, int]:
        """``(text, answer_start)`` of the ``kind`` slot of sentence ``sentence``, offsets checked."""
        words = self.tokens[sentence]
        first, end = answer_span(words, kind)
        text = surface(words[first:end], self.lang)
        start = self.starts[sentence] + surface_spans(words, self.lang)[1][first][0]
        if self.context[start : start + len(text)] != text:
            raise AssertionError(f"answer {text!r} not at {start} in {self.context!r}")
        return text, start


def layout(sentences: Sequence[Utterance], lang: str) -> Layout:
    joiner = "" if lang in _NO_SPACE_BETWEEN_SENTENCES else " "
    context, starts, tokens = "", [], []
    for i, utt in enumerate(sentences):
        context += joiner if i else ""
        starts.append(len(context))
        tokens.append(utt.tokens(lang))
        context += surface(tokens[-1], lang)
    return Layout(context, tuple(starts), tuple(tokens), lang)


def _paragraph_json(paragraph: Paragraph, lang: str) -> Dict[str, Any]:
    laid = layout(paragraph.sentences, lang)
    context = laid.context
    qas = []
    for q in paragraph.questions:
        answer, start = laid.answer(q.sentence, q.kind)
        scene = paragraph.sentences[q.sentence].scene
        assert scene is not None
        qas.append({
            "answers": [{"answer_start": start, "text": answer}],
            "question": question(scene, lang, q.kind),
            "id": q.qid,
        })
    return {"context": context, "qas": qas}


def squad_json(paragraphs: Sequence[Paragraph], lang: str, title: str) -> str:
    """A SQuAD v1.1 file; paragraphs grouped into articles titled ``{title}-0001``..."""
    data = [
        {
            "title": f"{title}-{k // PARAGRAPHS_PER_TITLE + 1:04d}",
            "paragraphs": [_paragraph_json(p, lang) for p in paragraphs[k : k + PARAGRAPHS_PER_TITLE]],
        }
        for k in range(0, len(paragraphs), PARAGRAPHS_PER_TITLE)
    ]
    return json_text({"version": "1.1", "data": data})


def qa_files(seed: int, seen: Optional[Set[FrozenSet[Any]]] = None) -> Dict[str, str]:
    """Every QA file, keyed by its path under the mini root. ``seen`` (filled in) collects every
    context used, so later QA files (SQuAD 2.0) can avoid them."""
    files: Dict[str, str] = {}
    seen = set() if seen is None else seen
    rng = seeded(seed, "squad")
    for split, n in SQUAD_SIZES.items():
        files[f"squad/{split}-v1.1.json"] = squad_json(
            make_paragraphs(rng, n, f"mini-squad-{split}", seen), "en", f"mini-squad-{split}"
        )
    # XQuAD and MLQA are parallel: the same paragraphs and question ids in every language.
    paragraphs = make_paragraphs(seeded(seed, "xquad"), XQUAD_SIZE, "mini-xquad", seen)
    for lang in XQUAD_LANGUAGES:
        files[f"xquad/xquad.{lang}.json"] = squad_json(paragraphs, lang, "mini-xquad")
    rng = seeded(seed, "mlqa")
    for split, n in MLQA_SIZES.items():
        paragraphs = make_paragraphs(rng, n, f"mini-mlqa-{split}", seen)
        for lang in MLQA_LANGUAGES:
            path = f"mlqa/MLQA_V1/{split}/{split}-context-{lang}-question-{lang}.json"
            files[path] = squad_json(paragraphs, lang, f"mini-mlqa-{split}")
    # TyDiQA is not parallel: each language asks its own questions.
    rng = seeded(seed, "tydiqa")
    train = make_paragraphs(rng, TYDIQA_TRAIN_SIZE, "mini-tydiqa-train-en", seen)
    path = "tydiqa/tydiqa-goldp-v1.1-train/tydiqa.goldp.en.train.json"
    files[path] = squad_json(train, "en", "mini-tydiqa-train-en")
    for lang in TYDIQA_LANGUAGES:
        dev = make_paragraphs(rng, TYDIQA_DEV_SIZE, f"mini-tydiqa-dev-{lang}", seen)
        path = f"tydiqa/tydiqa-goldp-v1.1-dev/tydiqa.goldp.{lang}.dev.json"
        files[path] = squad_json(dev, lang, f"mini-tydiqa-dev-{lang}")
    return files
