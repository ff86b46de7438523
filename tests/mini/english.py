"""The paper's English intermediate tasks as pairs/sentences: ANLI, SNLI, QQP, SST-2, SQuAD 2.0, and
the German/Chinese "translations" of MNLI for translate-train.

Each file is in its dataset's own release format (what ``xtask/tasks/english.py`` reads), English
only, built from the same toy world as every other mini file. Label cues are lexical so a tiny
model learns them in ~100 steps:

- ANLI/SNLI reuse the MNLI item builder (``nli.make_items``: entailment drops the place or says
  "someone", contradiction negates or moves the scene, neutral adds a companion). An ANLI context
  adds one unrelated sentence (another subject and action) before or after the premise.
- QQP: duplicates ask the same question about the same scene in two wordings; non-duplicates ask
  the same thing about another subject/action/place (40% in the very same wording, so wording
  alone is no cue) or ask about another slot of the same scene.
- SST-2: every sentence carries one or two sentiment words of its label's polarity (adverbs,
  adjectives of the subject, the place or the day); ~10% negate an adjective, which flips it.
- SQuAD 2.0: the SQuAD contexts and questions, plus ~1/3 unanswerable questions that ask about a
  subject or place the context does not mention, with the "plausible" answer a reader would pick.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from dataclasses import dataclass, replace
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from mini.common import Utterance, draw_scene, json_text, seeded, tsv
from mini.lexicon import (
    ACTIONS,
    LOCATIONS,
    PERSONS,
    PLACES,
    QUESTION_SLOTS,
    SOMEONE,
    SUBJECTS,
    Scene,
    random_scene,
    render_tokens,
    sentence,
    surface,
)
from mini.nli import LABELS, Item, make_items, mnli_jsonl
from mini.qa import PARAGRAPHS_PER_TITLE, answerable_slots, draw_unseen_context, layout

ANLI_ROUNDS: Tuple[int, ...] = (1, 2, 3)
ANLI_SIZES = {"train": 120, "dev": 24}  # per round (360/72 in all)
SNLI_SIZES = {"train": 240, "dev": 48}  # labelled rows ...
SNLI_NO_CONSENSUS = {"train": 5, "dev": 2}  # ... plus rows with gold_label "-" (readers drop them)
QQP_SIZES = {"train": 600, "dev": 120}
SST2_SIZES = {"train": 600, "dev": 120}
SQUAD_V2_SIZES = {"train": 400, "dev": 80}  # questions, ~1/3 unanswerable
SQUAD_V2_IMPOSSIBLE = 1 / 3
TRANSLATED_LANGUAGES: Tuple[str, ...] = ("de", "zh")
TRANSLATED_TRAIN_SIZE = 600  # the first rows of mnli/train.jsonl; dev = all of mnli/dev_matched

_SPACE_BEFORE = re.compile(r" ([?.,!:;])")


# --- English scene phrases ------------------------------------------------------------------------

def en_parts(scene: Scene) -> Dict[str, str]:
    """The English phrases of ``scene`` as they read mid-sentence: ``S`` subject ("the man",
    "Maria Lopez"), ``V`` verb ("sleeping"), ``P`` place ("in the park"), ``C`` companion ("with
    his mother"); "" where the scene has none."""
    tokens = render_tokens(scene, "en")
    if tokens[0].upos != "PROPN":
        tokens[0] = tokens[0]._replace(form=tokens[0].form.lower())
    slots = {"S": "subject", "V": "verb", "P": "place", "C": "companion"}
    return {key: surface([t for t in tokens if t.slot == slot], "en") for key, slot in slots.items()}


def pronoun(scene: Scene) -> str:
    """"he", "she", or "it" for the dog."""
    if scene.person is None and SUBJECTS[scene.subject] == "the dog":
        return "it"
    return "he" if scene.gender == "m" else "she"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def tidy(text: str) -> str:
    """Join template words: single spaces, none before punctuation, first letter capitalised."""
    return capitalised(_SPACE_BEFORE.sub(r"\1", " ".join(text.split())))


def place_key(scene: Scene) -> Tuple[str, int]:
    return ("location", scene.location) if scene.location is not None else ("place", scene.place or 0)


def subject_key(scene: Scene) -> Tuple[str, int]:
    return ("person", scene.person) if scene.person is not None else ("noun", scene.subject)


def other_place(rng: random.Random, scene: Scene, avoid: Set[Tuple[str, int]]) -> Scene:
    """``scene`` moved to a place (or named location) not in ``avoid`` nor its own."""
    choices = [("place", i) for i in range(len(PLACES))] + [("location", i) for i in range(len(LOCATIONS))]
    kind, index = rng.choice([c for c in choices if c not in avoid and c != place_key(scene)])
    if kind == "place":
        return replace(scene, place=index, location=None)
    return replace(scene, place=None, location=index)


def _confusable(subject: Tuple[str, int]) -> Set[Tuple[str, int]]:
    """Subjects a reader could take for ``subject``: "the man" and "the old man" share a word."""
    man, old_man = SUBJECTS.index("the man"), SUBJECTS.index("the old man")
    if subject in (("noun", man), ("noun", old_man)):
        return {("noun", man), ("noun", old_man)}
    return {subject}


def other_subject(rng: random.Random, scene: Scene, avoid: Set[Tuple[str, int]]) -> Scene:
    """``scene`` with a subject (noun or named person) not in ``avoid``, nor confusable with one."""
    blocked = set()
    for key in avoid | {subject_key(scene)}:
        blocked |= _confusable(key)
    choices = [("noun", i) for i in range(SOMEONE)] + [("person", i) for i in range(len(PERSONS))]
    kind, index = rng.choice([c for c in choices if c not in blocked])
    if kind == "noun":
        return replace(scene, subject=index, person=None)
    return replace(scene, person=index, with_person=None if scene.with_person == index else scene.with_person)


def other_action(rng: random.Random, scene: Scene, avoid: Set[int] = frozenset()) -> Scene:
    return replace(scene, action=rng.choice([a for a in range(len(ACTIONS)) if a != scene.action and a not in avoid]))


# --- ANLI and SNLI --------------------------------------------------------------------------------

def _reason(item: Item) -> str:
    """An annotator-style reason, as ANLI's ``reason`` field (not read by xtask)."""
    p, h = en_parts(item.premise), en_parts(item.hypothesis)
    if item.label == "neutral":
        return f"The context does not say whether {p['S']} is {p['V']} {h['C']}."
    if item.label == "entailment":
        if item.hypothesis.subject == SOMEONE:
            return f"If {p['S']} is {p['V']} {p['P']}, then someone is."
        return f"The context says that {p['S']} is {p['V']}; the statement only leaves out where."
    if item.hypothesis.negated:
        return f"The context says that {p['S']} is {p['V']}."
    return f"The context puts {p['S']} {p['P']}, not {h['P']}."


def _distractor(rng: random.Random, premise: Scene) -> Scene:
    """An unrelated sentence for an ANLI context: another subject and another action."""
    while True:
        scene = random_scene(rng, companion_prob=0.3, negated_prob=0.0)
        if scene.subject not in (premise.subject,) and scene.action != premise.action:
            if {premise.subject, scene.subject} != {0, SUBJECTS.index("the old man")}:
                return scene


def anli_files(seed: int, seen: Set[Tuple[Scene, Scene]]) -> Dict[str, str]:
    """``anli/R{1,2,3}/{train,dev}.jsonl`` (ANLI v1.0 rows; label e/n/c). ``seen`` holds the NLI
    pairs of every other file and is updated, so no pair occurs twice anywhere."""
    files: Dict[str, str] = {}
    for round_ in ANLI_ROUNDS:
        rng = seeded(seed, f"anli-R{round_}")
        for split, n in ANLI_SIZES.items():
            lines = []
            for i, item in enumerate(make_items(rng, n, seen), start=1):
                other = sentence(_distractor(rng, item.premise), "en")
                first = sentence(item.premise, "en")
                context = f"{first} {other}" if rng.random() < 0.5 else f"{other} {first}"
                row = {
                    "uid": f"mini-anli-r{round_}-{split}-{i:06d}",
                    "context": context,
                    "hypothesis": sentence(item.hypothesis, "en"),
                    "label": item.label[0],
                    "reason": _reason(item),
                }
                lines.append(json.dumps(row, ensure_ascii=False) + "\n")
            files[f"anli/R{round_}/{split}.jsonl"] = "".join(lines)
    return files


def _annotators(rng: random.Random, gold: str, split: str) -> List[str]:
    """SNLI's ``annotator_labels``: the author's label (train), or five labels whose majority is
    the gold label (dev); for gold "-" five labels without a 3-vote majority."""
    if gold == "-":
        a, b, c = rng.sample(LABELS, 3)
        labels = [a, a, b, b, c]
    elif split == "train":
        return [gold]
    else:
        agree = rng.choice((3, 4, 5, 5))
        labels = [gold] * agree + [rng.choice([x for x in LABELS if x != gold]) for _ in range(5 - agree)]
    rng.shuffle(labels)
    return labels


def snli_files(seed: int, seen: Set[Tuple[Scene, Scene]]) -> Dict[str, str]:
    """``snli/snli_1.0_{train,dev}.jsonl``: SNLI 1.0 rows, including a few "-" (no consensus)."""
    files: Dict[str, str] = {}
    rng = seeded(seed, "snli")
    for split, n in SNLI_SIZES.items():
        items: List[Tuple[Item, str]] = [(item, item.label) for item in make_items(rng, n, seen)]
        for item in make_items(rng, SNLI_NO_CONSENSUS[split] * 3, seen)[: SNLI_NO_CONSENSUS[split]]:
            items.insert(rng.randrange(len(items) + 1), (item, "-"))
        lines = []
        for i, (item, gold) in enumerate(items, start=1):
            caption = f"mini{split}{i:06d}.jpg#{i % 5}"
            row = {
                "annotator_labels": _annotators(rng, gold, split),
                "captionID": caption,
                "gold_label": gold,
                "pairID": f"{caption}r1{item.label[0]}",
                "sentence1": sentence(item.premise, "en"),
                "sentence2": sentence(item.hypothesis, "en"),
            }
            lines.append(json.dumps(row, ensure_ascii=False) + "\n")
        files[f"snli/snli_1.0_{split}.jsonl"] = "".join(lines)
    return files


# --- QQP --------------------------------------------------------------------------------------------

# Wordings of each QUESTION_SLOTS question; {S} subject, {V} verb, {P} place. The first is the
# lexicon's own question.
QQP_FRAMES: Dict[str, Tuple[str, ...]] = {
    "where": (
        "Where is {S} {V}?", "In which place is {S} {V}?", "Where is {S} {V} right now?",
        "At what place is {S} {V}?",
    ),
    "who": (
        "Who is {V} {P}?", "{P}, who is {V}?", "Which person is {V} {P}?", "Who is the one {V} {P}?",
    ),
    "what": (
        "What is {S} doing {P}?", "{P}, what is {S} doing?", "What activity is {S} doing {P}?",
        "What is {S} busy doing {P}?",
    ),
}
QQP_DUPLICATE_SHARE = 0.5
# Non-duplicates: share with the same wording (another entity), then another wording (another
# entity); the rest ask about another slot of the same scene.
QQP_SAME_WORDING, QQP_OTHER_WORDING = 0.4, 0.3


def qqp_question(scene: Scene, kind: str, frame: int) -> str:
    return tidy(QQP_FRAMES[kind][frame].format(**en_parts(scene)))


def _qqp_change(rng: random.Random, scene: Scene, kind: str) -> Scene:
    """The scene with one thing the ``kind`` question mentions changed."""
    mentioned = {"where": ("subject", "action"), "who": ("action", "place"), "what": ("subject", "place")}[kind]
    what = rng.choice(mentioned)
    if what == "subject":
        return other_subject(rng, scene, set())
    if what == "place":
        return other_place(rng, scene, set())
    return other_action(rng, scene)


def _qqp_pair(rng: random.Random, duplicate: bool) -> Tuple[str, str]:
    scene = draw_scene(rng, person=0.3, location=0.3)
    kind = rng.choice(tuple(QUESTION_SLOTS))
    first, second = rng.sample(range(len(QQP_FRAMES[kind])), 2)
    if duplicate:
        return qqp_question(scene, kind, first), qqp_question(scene, kind, second)
    roll = rng.random()
    if roll < QQP_SAME_WORDING + QQP_OTHER_WORDING:
        frame = first if roll < QQP_SAME_WORDING else second
        return qqp_question(scene, kind, first), qqp_question(_qqp_change(rng, scene, kind), kind, frame)
    other = rng.choice([k for k in QUESTION_SLOTS if k != kind])
    return qqp_question(scene, kind, first), qqp_question(scene, other, rng.randrange(len(QQP_FRAMES[other])))


def qqp_files(seed: int) -> Dict[str, str]:
    """``qqp/{train,dev}.tsv``: GLUE QQP (header ``id qid1 qid2 question1 question2 is_duplicate``;
    a question keeps one qid across both files)."""
    rng = seeded(seed, "qqp")
    files: Dict[str, str] = {}
    seen: Set[FrozenSet[str]] = set()
    qids: Dict[str, int] = {}
    next_id = 0
    for split, n in QQP_SIZES.items():
        labels = [1] * round(n * QQP_DUPLICATE_SHARE) + [0] * (n - round(n * QQP_DUPLICATE_SHARE))
        rng.shuffle(labels)
        rows = [["id", "qid1", "qid2", "question1", "question2", "is_duplicate"]]
        for label in labels:
            while True:
                q1, q2 = _qqp_pair(rng, bool(label))
                if q1 != q2 and frozenset((q1, q2)) not in seen:
                    seen.add(frozenset((q1, q2)))
                    break
            for q in (q1, q2):
                qids.setdefault(q, len(qids) + 1)
            rows.append([str(next_id), str(qids[q1]), str(qids[q2]), q1, q2, str(label)])
            next_id += 1
        files[f"qqp/{split}.tsv"] = tsv(rows)
    return files


# --- SST-2 ------------------------------------------------------------------------------------------

SST_WORDS: Dict[str, Dict[int, Tuple[str, ...]]] = {
    # polarity 1 = positive, 0 = negative
    "adverb": {
        1: ("happily", "cheerfully", "joyfully", "gladly", "merrily"),
        0: ("sadly", "miserably", "angrily", "gloomily", "reluctantly"),
    },
    "feeling": {
        1: ("happy", "cheerful", "delighted", "joyful", "relaxed"),
        0: ("sad", "miserable", "unhappy", "bored", "upset"),
    },
    "place": {
        1: ("beautiful", "sunny", "peaceful", "charming", "lovely"),
        0: ("dirty", "noisy", "ugly", "dreary", "gloomy"),
    },
    "day": {
        1: ("wonderful", "lovely", "great", "pleasant", "perfect"),
        0: ("terrible", "awful", "dreadful", "horrible", "miserable"),
    },
}
SST_NEGATED_SHARE = 0.1


def _sst_place(rng: random.Random, place: str, polarity: int) -> Optional[str]:
    """"in the park" -> "in the beautiful park"; None for places without an article."""
    words = place.split()
    if len(words) != 3 or words[1] != "the":
        return None
    return f"{words[0]} the {rng.choice(SST_WORDS['place'][polarity])} {words[2]}"


def _sst_sentence(rng: random.Random, label: int) -> str:
    scene = draw_scene(rng, person=0.25, location=0.2, companion=0.25, with_person=0.3)
    p = en_parts(scene)
    s, v, place, c = p["S"], p["V"], p["P"], p["C"]
    if rng.random() < SST_NEGATED_SHARE:  # "not happy" is negative, "not sad" positive
        feeling = rng.choice(SST_WORDS["feeling"][1 - label])
        text = f"{s} is not {feeling} while {v} {place} {c}"
    else:
        template = rng.randrange(5)
        fancy = _sst_place(rng, place, label)
        if template == 1 and fancy is None:
            template = 0
        if template == 0:
            text = f"{s} is {rng.choice(SST_WORDS['adverb'][label])} {v} {place} {c}"
        elif template == 1:
            text = f"{s} is {v} {fancy} {c}"
        elif template == 2:
            text = f"{s} looks {rng.choice(SST_WORDS['feeling'][label])} while {v} {place} {c}"
        elif template == 3:
            text = f"what a {rng.choice(SST_WORDS['day'][label])} day : {s} is {v} {place} {c}"
        else:
            adverb = rng.choice(SST_WORDS["adverb"][label])
            text = f"{s} is {adverb} {v} {fancy or place} {c} and feels {rng.choice(SST_WORDS['feeling'][label])}"
    # SST's lower-cased, tokenised text.
    return " ".join(text.lower().split()) + " ."


def sst2_files(seed: int) -> Dict[str, str]:
    """``sst2/{train,dev}.tsv``: GLUE SST-2 (header ``sentence label``; 1 positive, 0 negative)."""
    rng = seeded(seed, "sst2")
    files: Dict[str, str] = {}
    seen: Set[str] = set()
    for split, n in SST2_SIZES.items():
        labels = [1, 0] * (n // 2)
        rng.shuffle(labels)
        rows = [["sentence", "label"]]
        for label in labels:
            while True:
                text = _sst_sentence(rng, label)
                if text not in seen:
                    seen.add(text)
                    break
            rows.append([text, str(label)])
        files[f"sst2/{split}.tsv"] = tsv(rows)
    return files


# --- SQuAD 2.0 --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class V2Question:
    """A question about sentence ``sentence`` of a context; when ``impossible``, ``asked`` is that
    sentence's scene with its subject or place replaced by one the context never mentions, and
    the answer that sentence gives is only "plausible"."""

    qid: str
    sentence: int
    kind: str
    asked: Scene
    impossible: bool


@dataclass(frozen=True)
class V2Paragraph:
    sentences: Tuple[Utterance, ...]
    questions: Tuple[V2Question, ...]


def _unanswerable(rng: random.Random, sentences: Sequence[Utterance], i: int, kind: str) -> Scene:
    """Where/what: a subject the context never mentions; who: a place it never mentions."""
    scenes = [utt.scene for utt in sentences if utt.scene is not None]
    scene = scenes[i]
    if kind == "who":
        return other_place(rng, scene, {place_key(s) for s in scenes})
    # Not a named companion either: "Where is Somchai writing?" is answerable from "... with Somchai".
    mentioned = {subject_key(s) for s in scenes}
    mentioned |= {("person", s.with_person) for s in scenes if s.with_person is not None}
    return other_subject(rng, scene, mentioned)


def _v2_paragraphs(rng: random.Random, n: int, prefix: str, seen: Set[FrozenSet[Any]]) -> List[V2Paragraph]:
    paragraphs: List[V2Paragraph] = []
    count = 0
    while count < n:
        sentences = draw_unseen_context(rng, seen)
        answerable = answerable_slots(sentences)
        rng.shuffle(answerable)
        questions: List[V2Question] = []
        texts: Set[str] = set()
        for _ in range(min(rng.choice((1, 2, 2, 3)), n - count)):
            qid = f"{prefix}-{count + len(questions) + 1:06d}"
            if rng.random() < SQUAD_V2_IMPOSSIBLE or not answerable:
                i, kind = rng.randrange(len(sentences)), rng.choice(tuple(QUESTION_SLOTS))
                q = V2Question(qid, i, kind, _unanswerable(rng, sentences, i, kind), True)
            else:
                i, kind = answerable.pop()
                scene = sentences[i].scene
                assert scene is not None
                q = V2Question(qid, i, kind, scene, False)
            text = qqp_question(q.asked, q.kind, 0)
            if text not in texts:
                texts.add(text)
                questions.append(q)
        count += len(questions)
        paragraphs.append(V2Paragraph(sentences, tuple(questions)))
    return paragraphs


def squad_v2_json(paragraphs: Sequence[V2Paragraph], title: str) -> str:
    """A SQuAD 2.0 file: v1.1's layout plus ``is_impossible``; unanswerable questions have empty
    ``answers`` and the span a careless reader would give as ``plausible_answers``."""
    data = []
    for k in range(0, len(paragraphs), PARAGRAPHS_PER_TITLE):
        pars = []
        for paragraph in paragraphs[k : k + PARAGRAPHS_PER_TITLE]:
            laid = layout(paragraph.sentences, "en")
            qas: List[Dict[str, Any]] = []
            for q in paragraph.questions:
                text, start = laid.answer(q.sentence, q.kind)
                span = [{"text": text, "answer_start": start}]
                item: Dict[str, Any] = {"question": qqp_question(q.asked, q.kind, 0), "id": q.qid}
                if q.impossible:
                    item = {"plausible_answers": span, **item, "answers": [], "is_impossible": True}
                else:
                    item.update({"answers": span, "is_impossible": False})
                qas.append(item)
            pars.append({"qas": qas, "context": laid.context})
        data.append({"title": f"{title}-{k // PARAGRAPHS_PER_TITLE + 1:04d}", "paragraphs": pars})
    return json_text({"version": "v2.0", "data": data})


def squad_v2_files(seed: int, seen: Set[FrozenSet[Any]]) -> Dict[str, str]:
    """``squad_v2/{train,dev}-v2.0.json``; ``seen`` = contexts of the other QA files (updated)."""
    rng = seeded(seed, "squad_v2")
    return {
        f"squad_v2/{split}-v2.0.json": squad_v2_json(
            _v2_paragraphs(rng, n, f"mini-squad_v2-{split}", seen), f"mini-squad_v2-{split}"
        )
        for split, n in SQUAD_V2_SIZES.items()
    }


# --- translate-train ------------------------------------------------------------------------------

def translated_files(mnli: Dict[str, Sequence[Item]]) -> Dict[str, str]:
    """``translated/{lang}/mnli/{train,dev_matched}.jsonl``: MNLI items (same ids, same labels)
    rendered in ``lang``: the first ``TRANSLATED_TRAIN_SIZE`` train rows and all dev rows."""
    files: Dict[str, str] = {}
    for lang in TRANSLATED_LANGUAGES:
        files[f"translated/{lang}/mnli/train.jsonl"] = mnli_jsonl(mnli["train"][:TRANSLATED_TRAIN_SIZE], "train", lang)
        files[f"translated/{lang}/mnli/dev_matched.jsonl"] = mnli_jsonl(mnli["dev_matched"], "dev", lang)
    return files


# --- corpus -----------------------------------------------------------------------------------------

def corpus_texts(files: Dict[str, str]) -> List[str]:
    """The English texts a model reads in the intermediate-task ``files`` (inputs only, no ids or
    labels), file by file in path order: candidates for the tokenizer corpus. A choice comes with
    its question, as a multiple-choice model reads it."""
    texts: List[str] = []

    def choices(question: str, options: Sequence[str]) -> None:
        texts.append(question)
        texts.extend(f"{question} {option}" for option in options)

    for path in sorted(files):
        text = files[path]
        task = path.split("/")[0]
        if task == "translated" or path.endswith((".auto", ".lst")):
            continue  # other languages; CCG words are scene words
        if path.endswith(".jsonl"):
            for line in text.splitlines():
                row = json.loads(line)
                if task == "anli":
                    texts += [row["context"], row["hypothesis"]]
                elif task == "snli":
                    texts += [row["sentence1"], row["sentence2"]]
                elif task == "hellaswag":
                    choices(row["ctx"], row["endings"])
                elif task == "commonsenseqa":
                    choices(row["question"]["stem"], [c["text"] for c in row["question"]["choices"]])
                elif task == "socialiqa":
                    texts.append(row["context"])
                    choices(row["question"], [row["answerA"], row["answerB"], row["answerC"]])
                else:
                    raise ValueError(f"no corpus texts for {path}")
        elif path.endswith(".json"):
            for article in json.loads(text)["data"]:
                for paragraph in article["paragraphs"]:
                    texts.append(paragraph["context"])
                    texts.extend(qa["question"] for qa in paragraph["qas"])
        elif path.endswith(".tsv"):
            rows = list(csv.DictReader(io.StringIO(text), delimiter="\t"))
            for row in rows:
                texts.extend([row["question1"], row["question2"]] if task == "qqp" else [row["sentence"]])
        elif path.endswith(".csv"):
            for row in csv.DictReader(io.StringIO(text)):
                texts.append(row["context"])
                choices(row["question"], [row[f"answer{i}"] for i in range(4)])
        else:
            raise ValueError(f"no corpus texts for {path}")
    return texts
