"""The paper's English multiple-choice intermediate tasks: HellaSwag, Cosmos QA, CommonsenseQA and
Social IQa, each in its release format (what ``xtask/tasks/english.py`` reads), English only.

Label cues are lexical so a tiny model learns them:

- HellaSwag (4 endings): a scene sentence, then "a moment later," and an ending saying the subject
  is *still* doing the same thing in the same place. The three distractors each break one thing:
  the pronoun's gender ("he" for "the woman"), the place, or the action.
- Cosmos QA (4 answers): a 2-4 sentence context (no two sentences share a subject, action or
  place); questions ask where someone may be, what they may be doing, who may be doing something
  somewhere, or who they are with. Distractors come from the lexicon and (a quarter of the time)
  from another sentence of the context; ~1/8 of the golds are "None of the above choices .".
- CommonsenseQA (5 answers, no context): a fixed table of toy "common sense" (where one goes
  swimming, what one does in a library, where a teacher spends the day); distractors are never
  also right by that table. Stems vary the subject, so no stem repeats across files.
- Social IQa (3 answers): "Maria Lopez was cooking in the kitchen." + what she needed to do before,
  wants to do next, feels afterwards, or why she did it; each action has one answer of each kind,
  the distractors are other actions' answers of the same kind.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from dataclasses import replace
from typing import Callable, Dict, List, Sequence, Set, Tuple

from mini.common import draw_scene, seeded
from mini.english import (
    capitalised,
    en_parts,
    other_action,
    other_place,
    other_subject,
    place_key,
    pronoun,
    subject_key,
    tidy,
)
from mini.lexicon import ACTIONS, COMPANIONS, PERSONS, SOMEONE, Scene, sentence
from mini.qa import draw_context

HELLASWAG_SIZES = {"train": 400, "val": 80}
COSMOSQA_SIZES = {"train": 400, "valid": 80}
COMMONSENSEQA_SIZES = {"train": 400, "dev": 80}
SOCIALIQA_SIZES = {"train": 400, "dev": 80}

Choice = Tuple[List[str], int]  # (options, gold index)


def _place_gold(rng: random.Random, gold: str, distractors: Sequence[str]) -> Choice:
    """Options with ``gold`` at a uniformly drawn position among the (ordered) distractors."""
    options = list(distractors)
    index = rng.randrange(len(options) + 1)
    options.insert(index, gold)
    assert len(set(options)) == len(options), options
    return options, index


def _jsonl(rows: Sequence[Dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def _unique(
    rng: random.Random, n: int, make: Callable[[random.Random], Tuple[str, Dict]], seen: Set[str]
) -> List[Dict]:
    """``n`` items from ``make(rng) -> (key, item)`` whose keys are not in ``seen`` (updated)."""
    out: List[Dict] = []
    while len(out) < n:
        key, item = make(rng)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


# --- HellaSwag --------------------------------------------------------------------------------------

HELLASWAG_LINKS: Tuple[str, ...] = ("a moment later,", "after a while,", "ten minutes later,", "an hour later,")
HELLASWAG_FRAMES: Tuple[str, ...] = ("{pro} is still {V} {P}.", "{pro} keeps {V} {P}.", "{pro} goes on {V} {P}.")


def _hellaswag_item(rng: random.Random) -> Tuple[str, Dict]:
    scene = draw_scene(rng, person=0.3, location=0.25, companion=0.3, with_person=0.3)
    while pronoun(scene) == "it":  # "he"/"she" would both fit a dog: no wrong-gender distractor
        scene = draw_scene(rng, person=0.3, location=0.25, companion=0.3, with_person=0.3)
    fronted = rng.random() < 0.2
    ctx_a = sentence(scene, "en", fronted)
    ctx_b = rng.choice(HELLASWAG_LINKS)
    frame = rng.choice(HELLASWAG_FRAMES)
    pro = pronoun(scene)
    wrong = {"he": "she", "she": "he"}[pro]
    parts = en_parts(scene)

    def ending(pro_: str, s: Scene) -> str:
        p = en_parts(s)
        return frame.format(pro=pro_, V=p["V"], P=p["P"])

    gold = ending(pro, scene)
    distractors = [
        ending(wrong, scene), ending(pro, other_place(rng, scene, set())), ending(pro, other_action(rng, scene)),
    ]
    rng.shuffle(distractors)
    endings, label = _place_gold(rng, gold, distractors)
    item = {
        "activity_label": capitalised(parts["V"]),
        "ctx_a": ctx_a,
        "ctx_b": ctx_b,
        "ctx": f"{ctx_a} {ctx_b}",
        "endings": endings,
        "label": label,
    }
    return f"{ctx_a} {gold}", item


def hellaswag_files(seed: int) -> Dict[str, str]:
    """``hellaswag/hellaswag_{train,val}.jsonl`` (rowanz/hellaswag release rows)."""
    rng = seeded(seed, "hellaswag")
    files: Dict[str, str] = {}
    seen: Set[str] = set()
    ind = 0
    for split, n in HELLASWAG_SIZES.items():
        rows = []
        for item in _unique(rng, n, _hellaswag_item, seen):
            rows.append({
                "ind": ind,
                "activity_label": item["activity_label"],
                "ctx_a": item["ctx_a"],
                "ctx_b": item["ctx_b"],
                "ctx": item["ctx"],
                "split": split,
                "split_type": "indomain",
                "label": item["label"],
                "endings": item["endings"],
                "source_id": f"mini~scene-{ind:06d}",
            })
            ind += 1
        files[f"hellaswag/hellaswag_{split}.jsonl"] = _jsonl(rows)
    return files


# --- Cosmos QA --------------------------------------------------------------------------------------

COSMOS_NONE = "None of the above choices ."
COSMOS_NONE_GOLD = 1 / 8  # share of questions whose gold is COSMOS_NONE
COSMOS_NONE_DISTRACTOR = 0.25  # share of the others that offer COSMOS_NONE as a distractor
# Share of questions with a distractor that another sentence of the context gives (the rest can be
# answered by spotting the one option the context mentions; these need who-did-what-where).
COSMOS_IN_CONTEXT = 0.25


def _cosmos_answer(kind: str, scene: Scene) -> str:
    p = en_parts(scene)
    if kind == "where":
        return capitalised(p["P"]) + "."
    if kind == "what":
        return f"{capitalised(pronoun(scene))} is {p['V']}."
    if kind == "who":
        return capitalised(p["S"]) + "."
    return capitalised(p["C"][len("with "):]) + "."  # "with his mother" -> "His mother."


def _cosmos_variant(rng: random.Random, kind: str, scene: Scene, scenes: Sequence[Scene]) -> Scene:
    """The scene with the asked-about part changed to one no sentence of the context mentions
    (a distractor's source)."""
    named = {s.with_person for s in scenes if s.with_person is not None}
    if kind == "where":
        return other_place(rng, scene, {place_key(s) for s in scenes})
    if kind == "what":
        return other_action(rng, scene, {s.action for s in scenes})
    if kind == "who":  # not a companion either: they are doing it too
        return other_subject(rng, scene, {subject_key(s) for s in scenes} | {("person", i) for i in named})
    if rng.random() < 0.3:  # a named companion
        mentioned = named | {s.person for s in scenes if s.person is not None}
        names = [i for i in range(len(PERSONS)) if i not in mentioned]
        return replace(scene, companion=None, with_person=rng.choice(names))
    used = {s.companion for s in scenes}
    return replace(scene, companion=rng.choice([i for i in range(len(COMPANIONS)) if i not in used]), with_person=None)


def _cosmos_question(kind: str, scene: Scene) -> str:
    p = en_parts(scene)
    return tidy({
        "where": "Where might {S} be?",
        "what": "What may {S} be doing {P}?",
        "who": "Who may be {V} {P}?",
        "with": "Who might {S} be {V} with?",
    }[kind].format(**p))


def _cosmos_item(rng: random.Random) -> Tuple[str, Dict]:
    sentences = draw_context(rng)
    scenes = [utt.scene for utt in sentences if utt.scene is not None]
    context = " ".join(utt.text("en") for utt in sentences)
    i = rng.randrange(len(scenes))
    scene = scenes[i]
    accompanied = scene.companion is not None or scene.with_person is not None
    kinds = ["where", "what", "who"] + (["with"] * 2 if accompanied else [])
    kind = rng.choice(kinds)
    question = _cosmos_question(kind, scene)
    gold = _cosmos_answer(kind, scene)
    wrong: List[str] = []
    if kind != "with" and len(scenes) > 1 and rng.random() < COSMOS_IN_CONTEXT:  # another sentence's answer
        wrong.append(_cosmos_answer(kind, scenes[rng.choice([j for j in range(len(scenes)) if j != i])]))
    none_gold = rng.random() < COSMOS_NONE_GOLD
    none_wrong = not none_gold and rng.random() < COSMOS_NONE_DISTRACTOR
    while len(wrong) < 3 - none_wrong + none_gold:
        text = _cosmos_answer(kind, _cosmos_variant(rng, kind, scene, scenes))
        if text != gold and text not in wrong:
            wrong.append(text)
    if none_gold:
        gold = COSMOS_NONE
        wrong.pop(rng.randrange(len(wrong)))
        wrong = wrong[:3]
    if none_wrong:
        wrong.append(COSMOS_NONE)
    rng.shuffle(wrong)
    options, label = _place_gold(rng, gold, wrong)
    return f"{context} {question}", {"context": context, "question": question, "options": options, "label": label}


def cosmosqa_files(seed: int) -> Dict[str, str]:
    """``cosmosqa/{train,valid}.csv``: header ``id,context,question,answer0..answer3,label``."""
    rng = seeded(seed, "cosmosqa")
    files: Dict[str, str] = {}
    seen: Set[str] = set()
    for split, n in COSMOSQA_SIZES.items():
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["id", "context", "question", "answer0", "answer1", "answer2", "answer3", "label"])
        for k, item in enumerate(_unique(rng, n, _cosmos_item, seen), start=1):
            writer.writerow([f"mini-cosmosqa-{split}-{k:06d}", item["context"], item["question"],
                             *item["options"], str(item["label"])])
        files[f"cosmosqa/{split}.csv"] = buf.getvalue()
    return files


# --- CommonsenseQA ----------------------------------------------------------------------------------

# The toy world's "common sense": where an activity is typically done (and where it is also
# plausible), and where someone spends the day. A distractor is never typical nor plausible for
# what the stem asks, so exactly one choice is right. Answers are bare nouns, as in CommonsenseQA.
ACTION_PLACES: Dict[str, Tuple[Tuple[str, ...], Tuple[str, ...]]] = {
    "sleeping": (("bedroom",), ("home",)),
    "reading": (("library",), ("school", "bedroom", "home", "office")),
    "cooking": (("kitchen",), ("restaurant", "home")),
    "swimming": (("pool", "river", "beach"), ()),
    "running": (("stadium", "park"), ("beach",)),
    "writing": (("office",), ("school", "library", "home")),
    "singing": (("concert",), ("ballroom", "school")),
    "dancing": (("ballroom", "disco"), ("concert",)),
    "eating": (("restaurant",), ("kitchen", "home", "park", "school", "office")),
    "working": (("factory", "office"), ("school", "library", "hospital", "farm", "restaurant", "kitchen")),
}
SUBJECT_PLACES: Dict[str, Tuple[Tuple[str, ...], Tuple[str, ...]]] = {
    "the teacher": (("school",), ("library", "home")),
    "the doctor": (("hospital",), ("office",)),
    "the farmer": (("farm",), ("market", "garden")),
    "the student": (("school", "library"), ("home",)),
    "the dog": (("kennel", "park"), ("home", "garden")),
    "the child": (("school", "playground"), ("park", "home", "garden", "beach", "pool")),
}
CSQA_PLACES: Tuple[str, ...] = tuple(sorted(
    {p for table in (ACTION_PLACES, SUBJECT_PLACES) for pair in table.values() for ps in pair for p in ps}
    | {"market", "garden"}
))
# How a stem says "at <place>", for the places some activity is typical of.
CSQA_AT: Dict[str, str] = {
    "bedroom": "in the bedroom", "library": "in the library", "kitchen": "in the kitchen", "pool": "in the pool",
    "river": "by the river", "beach": "on the beach", "stadium": "at the stadium", "park": "in the park",
    "office": "at the office", "concert": "at a concert", "ballroom": "in the ballroom", "disco": "at the disco",
    "restaurant": "at a restaurant", "factory": "in the factory",
}
CSQA_ACTION_STEMS: Tuple[str, ...] = (
    "Where would {S} most likely be {V}?", "Where is a good place for {S} to be {V}?",
    "{S} loves {V}. Where does {pro} probably spend a lot of time?",
    "If {S} feels like {V}, where should {pro} go?",
)
CSQA_PLACE_STEMS: Tuple[str, ...] = (
    "What is {S} most likely doing {at}?", "{S} is {at} right now. What is {pro} probably doing?",
    "What would {S} usually be doing {at}?",
)
CSQA_SUBJECT_STEMS: Tuple[str, ...] = (
    "Where would you most likely find {S} on a {day}?", "Where does {S} usually spend a {day}?",
    "On a {day}, where is {S} most likely to be?",
)
CSQA_DAYS: Tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CSQA_LABELS = "ABCDE"


def _csqa_subject(rng: random.Random) -> Scene:
    """A subject for a stem: a common noun or a named person (stems then vary a lot)."""
    if rng.random() < 0.5:
        return Scene(rng.randrange(SOMEONE), 0, 0, person=rng.randrange(len(PERSONS)))
    return Scene(rng.randrange(SOMEONE), 0, 0)


def _csqa_item(rng: random.Random) -> Tuple[str, Dict]:
    relation = rng.choices(("action", "place", "subject"), weights=(5, 4, 2))[0]
    subject = _csqa_subject(rng)
    s, pro = en_parts(subject)["S"], pronoun(subject)
    if relation == "action":
        action = rng.choice(sorted(ACTION_PLACES))
        typical, plausible = ACTION_PLACES[action]
        gold = rng.choice(typical)
        pool = [p for p in CSQA_PLACES if p not in typical + plausible]
        stem = rng.choice(CSQA_ACTION_STEMS).format(S=s, V=action, pro=pro)
        concept = action
    elif relation == "place":
        place = rng.choice(sorted(CSQA_AT))
        right = [a for a, (typical, _) in ACTION_PLACES.items() if place in typical]
        gold = rng.choice(right)
        pool = [a for a, (typical, plausible) in ACTION_PLACES.items() if place not in typical + plausible]
        stem = rng.choice(CSQA_PLACE_STEMS).format(S=s, at=CSQA_AT[place], pro=pro)
        concept = place
    else:
        who = rng.choice(sorted(SUBJECT_PLACES))
        typical, plausible = SUBJECT_PLACES[who]
        gold = rng.choice(typical)
        pool = [p for p in CSQA_PLACES if p not in typical + plausible]
        stem = rng.choice(CSQA_SUBJECT_STEMS).format(S=who, day=rng.choice(CSQA_DAYS))
        concept = who.split()[-1]
    stem = capitalised(stem)
    texts, label = _place_gold(rng, gold, rng.sample(pool, 4))
    question = {
        "question_concept": concept,
        "choices": [{"label": CSQA_LABELS[k], "text": text} for k, text in enumerate(texts)],
        "stem": stem,
    }
    return stem, {"answerKey": CSQA_LABELS[label], "question": question}


def commonsenseqa_files(seed: int) -> Dict[str, str]:
    """``commonsenseqa/{train,dev}_rand_split.jsonl`` in the original release layout."""
    rng = seeded(seed, "commonsenseqa")
    files: Dict[str, str] = {}
    seen: Set[str] = set()
    for split, n in COMMONSENSEQA_SIZES.items():
        rows = []
        for item in _unique(rng, n, _csqa_item, seen):
            qid = hashlib.md5(f"mini-commonsenseqa:{item['question']['stem']}".encode("utf-8")).hexdigest()
            rows.append({"answerKey": item["answerKey"], "id": qid, "question": item["question"]})
        files[f"commonsenseqa/{split}_rand_split.jsonl"] = _jsonl(rows)
    return files


# --- Social IQa -------------------------------------------------------------------------------------

# Per action: what one needs to do before, wants to do next, feels afterwards, and why one does it.
SOCIAL: Dict[str, Dict[str, str]] = {
    "sleeping": {"before": "go to bed", "after": "wake up", "feel": "rested", "why": "was very tired"},
    "eating": {"before": "get some food", "after": "wash the dishes", "feel": "full", "why": "was hungry"},
    "reading": {"before": "find a good book", "after": "talk about the story", "feel": "curious",
                "why": "wanted to learn something"},
    "singing": {"before": "learn the song", "after": "take a bow", "feel": "proud", "why": "loves music"},
    "running": {"before": "put on running shoes", "after": "drink some water", "feel": "tired",
                "why": "wanted to stay fit"},
    "cooking": {"before": "buy vegetables", "after": "serve the meal", "feel": "creative",
                "why": "wanted to make dinner"},
    "writing": {"before": "find a pen", "after": "send the letter", "feel": "thoughtful", "why": "had a story to tell"},
    "swimming": {"before": "put on a swimsuit", "after": "dry off with a towel", "feel": "refreshed",
                 "why": "wanted to cool off"},
    "dancing": {"before": "put on some music", "after": "catch their breath", "feel": "joyful",
                "why": "was celebrating"},
    "working": {"before": "get dressed for work", "after": "go home", "feel": "productive", "why": "needed the money"},
}
SOCIAL_QUESTIONS: Dict[str, str] = {
    "before": "What does {N} need to do before this?",
    "after": "What will {N} want to do next?",
    "feel": "How would {N} feel afterwards?",
    "why": "Why did {N} do this?",
}
SOCIAL_CONTEXTS: Tuple[str, ...] = (
    "{N} was {V} {P}.", "{N} spent the afternoon {V} {P}.", "{N} was {V} {P} {C}.",
    "{N} and {M} were {V} {P} together.",
)


def _social_answer(kind: str, action: str, pro: str) -> str:
    text = SOCIAL[action][kind]
    return f"{pro} {text}" if kind == "why" else text


def _social_item(rng: random.Random) -> Tuple[str, Dict]:
    name, friend = rng.sample(range(len(PERSONS)), 2)
    scene = replace(draw_scene(rng, companion=1.0, location=0.25), person=name)
    p = en_parts(scene)
    context = tidy(rng.choice(SOCIAL_CONTEXTS).format(N=p["S"], M=PERSONS[friend], V=p["V"], P=p["P"], C=p["C"]))
    kind = rng.choice(tuple(SOCIAL_QUESTIONS))
    action = ACTIONS[scene.action]
    pro = pronoun(scene)
    gold = _social_answer(kind, action, pro)
    wrong = [_social_answer(kind, a, pro) for a in rng.sample([a for a in ACTIONS if a != action], 2)]
    options, label = _place_gold(rng, gold, wrong)
    question = SOCIAL_QUESTIONS[kind].format(N=p["S"])
    item = {"context": context, "question": question, "answerA": options[0], "answerB": options[1],
            "answerC": options[2], "label": label + 1}
    return f"{context} {question}", item


def socialiqa_files(seed: int) -> Dict[str, str]:
    """``socialiqa/{train,dev}.jsonl`` and ``socialiqa/{train,dev}-labels.lst`` (1-based labels)."""
    rng = seeded(seed, "socialiqa")
    files: Dict[str, str] = {}
    seen: Set[str] = set()
    for split, n in SOCIALIQA_SIZES.items():
        items = _unique(rng, n, _social_item, seen)
        files[f"socialiqa/{split}.jsonl"] = _jsonl([{k: v for k, v in it.items() if k != "label"} for it in items])
        files[f"socialiqa/{split}-labels.lst"] = "".join(f"{it['label']}\n" for it in items)
    return files


def choice_files(seed: int) -> Dict[str, str]:
    files: Dict[str, str] = {}
    files.update(hellaswag_files(seed))
    files.update(cosmosqa_files(seed))
    files.update(commonsenseqa_files(seed))
    files.update(socialiqa_files(seed))
    return files
