"""Is a candidate place name an ordinary word here? One estimate in [0, 1].

A string the gazetteer knows as a name (兴县, 竹海, 上两, 市南) is often
something else where it stands: a slogan (工业兴县), a generic noun (竹海), a
phrase across a word boundary (历史上|两市, 城市|南环路), an honour (创建“平安镇”).
:class:`OrdinaryWordJudge` weighs, for one candidate in its line:

1. **General-language frequency against the bearers.** From jionlp's word
   distribution (6.2 billion tokens, see :meth:`Gazetteer.word_count`), how often
   general text holds the string, as one word (``as_word``) and as a run of
   other words (``across_words``: the most likely split into listed words, each
   word's probability multiplied, as a unigram language model does); and how
   often its bearers would explain it: per unit, its level's rate of naming
   (:func:`auditor.gazetteer.build._name_rates`). The share of the string's
   occurrences its bearers do not explain is the *prior*.
2. **The context.** A name named right after one of its own ancestors
   (吕梁市兴县) or in a list beside a place of the same county or prefecture
   (子干、新原) is a name; one inside an honour, a slogan or a company name
   (rules/clues.toml ``[ordinary]``) is not the document's place.
3. **The segmenter's decision, where the frequency leaves it in doubt.**
   pkuseg's model (slow, loaded on first need) cuts the candidate's clause: a
   candidate cut as one word, or as a word and its unit suffix, keeps the
   share of its *one-word* uses its bearers do not explain (温泉 and 竹海 as
   words are still mostly nouns); one the model cuts inside, or across, is an
   ordinary phrase.

A candidate judged at least :data:`DROP_AT` is no clue; every kept one carries
its estimate in :attr:`Clue.ordinary` for the linker to scale by.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..gazetteer import Gazetteer
from ..memo import SIZES
from ..rules import MATCH_TIMEOUT_SECONDS, ClueRules, rule_timeout
from .segment import shared_segmenter

# More likely an ordinary word than a name: even odds is where a reader's
# reading turns.
DROP_AT = 0.5
# The longest split tried when the string is read as a run of words.
_MAX_WORD = 6
# Provinces and prefectures are what people mean by their names (太原, 朝阳,
# 大连): their prior is 0, only the context can say otherwise.
_NEVER_ORDINARY_LEVELS = frozenset({"province", "prefecture"})
# What a unit of a level may be listed beside and still be its sibling.
_SIBLING_LEVEL = {"town": "county", "village": "county", "county": "prefecture"}
_LIST_MARKS = frozenset("、和及与")


@dataclass(frozen=True, slots=True)
class Frequencies:
    """How often general text holds a string, and how often its bearers explain it."""

    as_word: float
    across_words: float
    typical: float  # the bearers' median rate summed (a string said more often is in doubt)
    explained: float  # the bearers' 90th-percentile rate summed

    @property
    def prior(self) -> float:
        """Share of the string's occurrences its bearers do not explain."""
        total = self.as_word + self.across_words
        return max(0.0, total - self.explained) / total if total > 0 else 0.0

    @property
    def as_one_word(self) -> float:
        """The same share among the string's uses as one word."""
        return max(0.0, self.as_word - self.explained) / self.as_word if self.as_word > 0 else 0.0

    @property
    def in_doubt(self) -> bool:
        """General text uses the string more than its bearers typically explain."""
        return self.as_word + self.across_words > self.typical


@dataclass(frozen=True, slots=True)
class Judgement:
    ordinary: float  # 0: surely a name
    elsewhere: bool = False  # a place named inside a company or brand name
    why: str = ""


class OrdinaryWordJudge:
    """Judges admin-name candidates of one line (see the module docstring)."""

    def __init__(self, gazetteer: Gazetteer, clue_rules: ClueRules, model_segmenter=None):
        self.gazetteer = gazetteer
        self.rules = clue_rules
        self._model = model_segmenter  # pkuseg's Segmenter, made on first need
        self._word_probability = lru_cache(maxsize=SIZES["word-probability"])(self._word_probability_uncached)
        self._frequencies = lru_cache(maxsize=SIZES["frequencies"])(self._frequencies_uncached)

    # -- frequencies ---------------------------------------------------------

    def _word_probability_uncached(self, word: str) -> float:
        count = self.gazetteer.word_count(word)
        if not count and len(word) == 1:
            count = 1  # a character general text hardly uses: rare, not impossible
        return count / self.gazetteer.word_total

    def across_words(self, text: str) -> float:
        """Expected occurrences of ``text`` as a run of two or more listed words
        (the most likely such split)."""
        if len(text) < 2:
            return 0.0
        probability = self._word_probability
        # best[i]: the most likely split of text[:i] (best_multi: into two words or more)
        best = [1.0] + [0.0] * len(text)
        best_multi = [0.0] * (len(text) + 1)
        for i in range(1, len(text) + 1):
            for j in range(max(0, i - _MAX_WORD), i):
                p = probability(text[j:i])
                if not p:
                    continue
                if j == 0:
                    best[i] = max(best[i], p)
                else:
                    joined = max(best[j], best_multi[j]) * p
                    best_multi[i] = max(best_multi[i], joined)
                    best[i] = max(best[i], joined)
        return best_multi[len(text)] * self.gazetteer.word_total

    def _frequencies_uncached(self, text: str, uids: tuple[int, ...]) -> Frequencies:
        gazetteer = self.gazetteer
        typical = explained = 0.0
        for uid in uids:
            median, high = gazetteer.name_rates.get(gazetteer.level_of(uid), (1.0, 1.0))
            typical += median
            explained += high
        return Frequencies(float(gazetteer.word_count(text)), self.across_words(text), typical, explained)

    def frequencies(self, text: str, uids: tuple[int, ...]) -> Frequencies:
        return self._frequencies(text, uids)

    # -- the judgement -------------------------------------------------------

    def judge(self, line: str, start: int, end: int, core_end: int, uids: tuple[int, ...],
              neighbours: list[tuple[int, int, tuple[int, ...]]]) -> Judgement:
        """How ordinary ``line[start:end]`` is here: ``core_end`` is where its
        unit suffix begins (``end`` for a short form); ``neighbours`` are the
        other candidates of the line as (start, end, uids)."""
        text = line[start:end]
        rules = self.rules
        if text in rules.ordinary_names:
            return Judgement(0.0, why="listed as a name")
        for word in rules.ordinary_words:
            if _covered_by(line, start, end, word):
                return Judgement(1.0, why=f"inside the listed ordinary word {word}")
        if self._after_ancestor(start, uids, neighbours):
            return Judgement(0.0, why="named after its own ancestor")
        if _search(rules.ordinary_title_before, line[max(0, start - 8) : start], "title_before") or \
                _match(rules.ordinary_title_after, line[end : end + 8], "title_after"):
            return Judgement(1.0, why="an honour or title")
        if rules.ordinary_slogan is not None and \
                _match(rules.ordinary_slogan, line[max(0, start - 2) : end], "slogan", full=True):
            return Judgement(1.0, why="a slogan")
        if _match(rules.ordinary_listed_as, line[end : end + 40], "listed_as"):
            return Judgement(1.0, why="one of a list of scenic spots or the like, not the unit")
        company = _match(rules.ordinary_company_after, line[end : end + 16], "company_after")
        levels = {self.gazetteer.level_of(u) for u in uids}
        if levels & _NEVER_ORDINARY_LEVELS:
            return Judgement(0.0, company, "in a company or brand name" if company else "")
        freq = self.frequencies(text, uids)
        # A short form of two characters is a piece of countless phrases
        # (维护|安全, 山青水秀), and one only one place bears decides a short text
        # on its own (linker.sole_names): both always get the segmenter's
        # reading, as 护安, 田湖 of 山水林田湖草 and 马铃 of 马铃薯 need.
        decisive = core_end == end and (len(text) <= 2 or self._one_place(uids))
        if not freq.in_doubt and not decisive:
            return Judgement(freq.prior, company, "in a company or brand name" if company else "")
        if self._beside_sibling(start, end, line, uids, neighbours):
            return Judgement(0.0, company, "listed beside a place of the same county or prefecture")
        cut = self._model_cut(line, start, end, core_end)
        if cut == "word":
            return Judgement(freq.as_one_word, company, "the segmenter cuts it as a word")
        return Judgement(max(freq.prior, DROP_AT), why=f"the segmenter cuts it {cut}")

    def _one_place(self, uids) -> bool:
        """Every bearer lies in one county."""
        counties = {self.gazetteer.county_of(uid) for uid in uids}
        return len(counties) == 1 and None not in counties

    def _after_ancestor(self, start: int, uids, neighbours) -> bool:
        gazetteer = self.gazetteer
        for s, e, others in neighbours:
            if e == start and others:
                for uid in uids:
                    for other in others:
                        if other != uid and gazetteer.ancestor(uid, gazetteer.level_of(other)) == other:
                            return True
        return False

    def _beside_sibling(self, start: int, end: int, line: str, uids, neighbours) -> bool:
        gazetteer = self.gazetteer
        parents = set()
        for uid in uids:
            level = _SIBLING_LEVEL.get(gazetteer.level_of(uid))
            if level:
                parents.add(gazetteer.ancestor(uid, level))
        parents.discard(None)
        if not parents:
            return False
        for s, e, others in neighbours:
            between = line[e:start] if e <= start else line[end:s] if s >= end else None
            if between is None or len(between) != 1 or between not in _LIST_MARKS:
                continue
            for other in others:
                level = _SIBLING_LEVEL.get(gazetteer.level_of(other))
                if level and gazetteer.ancestor(other, level) in parents and other not in uids:
                    return True
        return False

    def _model_cut(self, line: str, start: int, end: int, core_end: int) -> str:
        """'word' (one word, or a word and the unit suffix), 'inside' or 'across'."""
        if self._model is None:
            self._model = shared_segmenter("pkuseg")
        cuts = set()
        for s, e in self._model.word_spans(line, start, end):
            cuts.add(s)
            cuts.add(e)
        lo = min(cuts, default=start)
        hi = max(cuts, default=end)
        cuts |= {lo, hi}
        if start not in cuts or (end not in cuts and core_end not in cuts):
            return "across"
        if any(start < c < end for c in cuts if c != core_end):
            return "inside"
        return "word"


def _covered_by(line: str, start: int, end: int, word: str) -> bool:
    first = max(0, end - len(word))
    found = line.find(word, first, start + len(word))
    while 0 <= found <= start:
        if found + len(word) >= end:
            return True
        found = line.find(word, found + 1, start + len(word))
    return False


def _search(pattern, text: str, key: str) -> bool:
    if pattern is None:
        return False
    try:
        return pattern.search(text, timeout=MATCH_TIMEOUT_SECONDS) is not None
    except TimeoutError:
        raise rule_timeout(f"clues.toml [ordinary] {key}", MATCH_TIMEOUT_SECONDS) from None


def _match(pattern, text: str, key: str, full: bool = False) -> bool:
    if pattern is None:
        return False
    try:
        if full:
            return pattern.fullmatch(text, timeout=MATCH_TIMEOUT_SECONDS) is not None
        return pattern.match(text, timeout=MATCH_TIMEOUT_SECONDS) is not None
    except TimeoutError:
        raise rule_timeout(f"clues.toml [ordinary] {key}", MATCH_TIMEOUT_SECONDS) from None

