"""CCG supertagging data in CCGbank's AUTO format, synthetic (CCGbank itself is LDC-licensed).

Sentences are the toy world's English scenes (some negated, place-fronted or with names) and
sentences about companies. Each gets a small CCG derivation built from its parts: determiners
``NP[nb]/N``, nouns ``N`` (names ``N/N .. N`` under a unary ``NP``), the progressive auxiliary
``(S[dcl]\\NP)/(S[ng]\\NP)``, the -ing verb ``S[ng]\\NP``, adjunct prepositions
``((S\\NP)\\(S\\NP))/NP`` (``(S/S)/NP`` when fronted), ``not`` ``(S\\NP)\\(S\\NP)``, punctuation as
itself. The derivations are plausible, not checked against a grammar.

AUTO layout: per sentence a line ``ID=wsj_SSFF.N PARSER=GOLD NUMPARSE=1`` then the derivation on
one line: ``(<T CAT HEAD NCHILDREN> child ... )`` nodes and ``(<L CAT POS POS WORD PRED_ARG_CAT>)``
leaves (``HEAD`` 0/1 = which child is the head).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Dict, Hashable, List, Sequence, Set, Tuple, Union

from mini.common import Utterance, distinct, draw_utterance, seeded
from mini.lexicon import ENTITY_TEMPLATES, Token

CCG_SIZES = {"train": 300, "dev": 60, "test": 60}
# CCGbank's split: train = sections 02-21, dev = 00, test = 23; one file each here.
CCG_FILES = {"train": "02/wsj_0201.auto", "dev": "00/wsj_0001.auto", "test": "23/wsj_2301.auto"}

# Categories with their predicate-argument form (AUTO's last leaf field; indices mark shared heads).
_PRED_ARG: Dict[str, str] = {
    "NP[nb]/N": "NP[nb]_1/N_1",
    "N/N": "N_1/N_1",
    "(S[dcl]\\NP)/(S[ng]\\NP)": "(S[dcl]\\NP_1)/(S[ng]_2\\NP_1)_2",
    "(S\\NP)\\(S\\NP)": "(S_1\\NP_2)_1\\(S_1\\NP_2)_1",
    "((S\\NP)\\(S\\NP))/NP": "((S_1\\NP_2)_1\\(S_1\\NP_2)_1)/NP_3",
    "(S/S)/NP": "(S_1/S_1)_1/NP_2",
    "S[ng]\\NP": "S[ng]\\NP_1",
    "(S[dcl]\\NP)/PP": "(S[dcl]\\NP_1)/PP_2",
    "(S[dcl]\\NP)/NP": "(S[dcl]\\NP_1)/NP_2",
    "PP/NP": "PP/NP_1",
    "(NP\\NP)/NP": "(NP_1\\NP_1)/NP_2",
}
_POS: Dict[str, str] = {"DET": "DT", "ADJ": "JJ", "NOUN": "NN", "PROPN": "NNP", "ADP": "IN", "VERB": "VBG"}


@dataclass(frozen=True)
class Leaf:
    cat: str
    pos: str
    word: str

    def auto(self) -> str:
        return f"(<L {self.cat} {self.pos} {self.pos} {self.word} {_PRED_ARG.get(self.cat, self.cat)}>)"


@dataclass(frozen=True)
class Node:
    cat: str
    head: int
    children: Tuple["Tree", ...]

    def auto(self) -> str:
        inner = " ".join(child.auto() for child in self.children)
        return f"(<T {self.cat} {self.head} {len(self.children)}> {inner} )"


Tree = Union[Leaf, Node]


def _leaf(tok: Token, cat: str) -> Leaf:
    if tok.upos == "PRON":
        pos = "PRP$" if cat == "NP[nb]/N" else "NN"  # my/his/her; "someone"
    elif tok.upos == "PUNCT":
        pos = tok.form
    elif tok.form.lower() in ("is", "works", "has"):
        pos = "VBZ"
    elif tok.form.lower() == "not":
        pos = "RB"
    elif tok.upos == "NOUN" and tok.form.endswith("ren"):  # children
        pos = "NNS"
    else:
        pos = _POS[tok.upos]
    return Leaf(cat, pos, tok.form)


def _noun(tokens: Sequence[Token]) -> Tree:
    """``N`` from adjectives/name parts (``N/N``) and a last noun, right-branching."""
    tree: Tree = _leaf(tokens[-1], "N")
    for tok in reversed(tokens[:-1]):
        tree = Node("N", 1, (_leaf(tok, "N/N"), tree))
    return tree


def noun_phrase(tokens: Sequence[Token]) -> Tree:
    if len(tokens) == 1 and tokens[0].upos == "PRON":  # "someone"
        return _leaf(tokens[0], "NP")
    if tokens[0].upos in ("DET", "PRON"):  # the/a/my/his + N
        return Node("NP[nb]", 0, (_leaf(tokens[0], "NP[nb]/N"), _noun(tokens[1:])))
    return Node("NP", 0, (_noun(tokens),))  # bare noun or name: unary N -> NP


def _adjunct(tokens: Sequence[Token], fronted: bool = False) -> Tree:
    """"in the park" / "with a friend" as a VP modifier, or a fronted sentence modifier."""
    if fronted:
        return Node("S/S", 0, (_leaf(tokens[0], "(S/S)/NP"), noun_phrase(tokens[1:])))
    return Node("(S\\NP)\\(S\\NP)", 0, (_leaf(tokens[0], "((S\\NP)\\(S\\NP))/NP"), noun_phrase(tokens[1:])))


def _scene_tree(tokens: Sequence[Token], fronted: bool) -> Tree:
    part = {slot: [t for t in tokens if t.slot == slot] for slot in ("subject", "verb", "place", "companion")}
    glue = {t.form.lower(): t for t in tokens if not t.slot}
    vp: Tree = _leaf(part["verb"][0], "S[ng]\\NP")
    for adjunct in ([] if fronted else [part["place"]]) + [part["companion"]]:
        if adjunct:
            vp = Node("S[ng]\\NP", 0, (vp, _adjunct(adjunct)))
    aux: Tree = _leaf(glue["is"], "(S[dcl]\\NP)/(S[ng]\\NP)")
    if "not" in glue:  # backward crossed composition: is + not
        aux = Node("(S[dcl]\\NP)/(S[ng]\\NP)", 0, (aux, _leaf(glue["not"], "(S\\NP)\\(S\\NP)")))
    sentence: Tree = Node("S[dcl]", 1, (noun_phrase(part["subject"]), Node("S[dcl]\\NP", 0, (aux, vp))))
    if fronted:
        modifier = Node("S/S", 0, (_adjunct(part["place"], fronted=True), _leaf(glue[","], ",")))
        sentence = Node("S[dcl]", 1, (modifier, sentence))
    return Node("S[dcl]", 0, (sentence, _leaf(glue["."], ".")))


def _entity_tree(tokens: Sequence[Token], template: str) -> Tree:
    person = [t for t in tokens if t.slot == "subject"]
    org = [t for t in tokens if t.ner.endswith("ORG")]
    location = [t for t in tokens if t.slot == "place"]
    word = {t.form: t for t in tokens if not t.slot and t.ner == "O"}
    if template == "works_for":
        works = Node("S[dcl]\\NP", 0, (_leaf(word["works"], "(S[dcl]\\NP)/PP"),
                                       Node("PP", 0, (_leaf(word["for"], "PP/NP"), noun_phrase(org)))))
        sentence = Node("S[dcl]", 1, (noun_phrase(person), Node("S[dcl]\\NP", 0, (works, _adjunct(location)))))
    else:  # "{org} has an office {location}."
        office = noun_phrase([word["an"], word["office"]])
        where = Node("NP\\NP", 0, (_leaf(location[0], "(NP\\NP)/NP"), noun_phrase(location[1:])))
        has = Node("S[dcl]\\NP", 0, (_leaf(word["has"], "(S[dcl]\\NP)/NP"), Node("NP", 0, (office, where))))
        sentence = Node("S[dcl]", 1, (noun_phrase(org), has))
    return Node("S[dcl]", 0, (sentence, _leaf(word["."], ".")))


def derivation(utt: Utterance) -> Tree:
    tokens = utt.tokens("en")
    if utt.entity is not None:
        return _entity_tree(tokens, ENTITY_TEMPLATES[utt.entity.template])
    return _scene_tree(tokens, utt.fronted)


def leaves(tree: Tree) -> List[Leaf]:
    if isinstance(tree, Leaf):
        return [tree]
    return [leaf for child in tree.children for leaf in leaves(child)]


def _draw(rng: random.Random) -> Utterance:
    return draw_utterance(rng, entity_share=0.2, question_share=0.0)


def auto_file(utterances: Sequence[Utterance], file_id: str) -> str:
    lines = []
    for n, utt in enumerate(utterances, start=1):
        tree = derivation(utt)
        assert [leaf.word for leaf in leaves(tree)] == [t.form for t in utt.tokens("en")], utt
        lines.append(f"ID={file_id}.{n} PARSER=GOLD NUMPARSE=1\n{tree.auto()}\n")
    return "".join(lines)


def ccg_files(seed: int) -> Dict[str, str]:
    """``ccg/AUTO/{02,00,23}/wsj_*.auto``: train, dev and test; no sentence in two files."""
    rng = seeded(seed, "ccg")
    seen: Set[Hashable] = set()
    files: Dict[str, str] = {}
    for split, n in CCG_SIZES.items():
        rel = CCG_FILES[split]
        file_id = rel.split("/")[1].split(".")[0]
        files[f"ccg/AUTO/{rel}"] = auto_file(distinct(rng, _draw, n, seen, ("en",)), file_id)
    return files
