"""The corpus-level reduce: from clues to identities, across documents.

For each document the linker weighs its clues against every county-level and
prefecture-level unit of the gazetteer. Each clue is a likelihood ratio (from
``clues.toml``) for the places it points to; a clue shared by many places
lifts each of them equally and so tells little between them, a clue pointing
to one place lifts that place alone. The posterior over places gives the
identity, its confidence and the anonymity set. The corpus takes part: near-
duplicates are grouped and their redactions compared, and a clue that
confident documents about other places also use is discounted.
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .clues import ClueRules
from .forking import ForkedTasks, can_fork
from .gazetteer import Gazetteer, load_gazetteer
from .neardup import group_near_duplicates
from .records import Candidate, Clue, DocumentAnalysis, Identity, Inconsistency
from .rules import LinkerConfig, Rules, default_mask_characters, match_timeout, rule_timeout


@dataclass
class ClueEvidence:
    """All occurrences of one clue text in one document, weighed together."""

    text: str
    kind: str
    level: str
    candidates: tuple[int, ...]
    occurrences: list[Clue] = field(default_factory=list)
    log_ratio: float = 0.0
    counties: frozenset[int] = frozenset()
    prefectures: frozenset[int] = frozenset()  # named as a prefecture (all its counties)
    provinces: frozenset[int] = frozenset()  # named as a province
    # Every county and prefecture the clue lends weight to (a prefecture's name
    # supports all its counties).
    supported_counties: frozenset[int] = frozenset()
    supported_prefectures: frozenset[int] = frozenset()

    def supported(self, level: str) -> frozenset[int]:
        return self.supported_counties if level == "county" else self.supported_prefectures

    # Asked for every copy of a group (occurrences are final once gathered).
    @functools.cached_property
    def elsewhere(self) -> bool:
        return all(c.elsewhere for c in self.occurrences)

    @functools.cached_property
    def short_form(self) -> bool:
        return all(c.short_form for c in self.occurrences)


@dataclass
class Posterior:
    """Probabilities over units of one level; units not listed share ``rest``."""

    probabilities: dict[int, float]
    rest_each: float
    rest_count: int

    def top(self) -> tuple[int | None, float]:
        if not self.probabilities:
            return None, self.rest_each
        uid = max(self.probabilities, key=lambda u: (self.probabilities[u], -u))
        return uid, self.probabilities[uid]

    def ranked(self) -> list[tuple[int, float]]:
        return sorted(self.probabilities.items(), key=lambda kv: (-kv[1], kv[0]))

    def anonymity_set(self, mass: float) -> int:
        total, count = 0.0, 0
        for _, p in self.ranked():
            if total >= mass:
                return count
            total += p
            count += 1
        if total >= mass:
            return count
        if self.rest_each <= 0:
            return count
        return count + min(self.rest_count, math.ceil((mass - total) / self.rest_each - 1e-9))


class EvidenceModel:
    """Weighs clues and turns them into posteriors over counties and prefectures."""

    def __init__(self, gazetteer: Gazetteer, clue_rules: ClueRules, config: LinkerConfig):
        self.gazetteer = gazetteer
        self.weights = clue_rules.weights
        self.config = config
        self.counties = gazetteer.units_at("county")
        self.prefectures = gazetteer.units_at("prefecture")
        self._counties_in: dict[int, tuple[int, ...]] = {}

    def counties_in(self, uid: int) -> tuple[int, ...]:
        cached = self._counties_in.get(uid)
        if cached is None:
            g = self.gazetteer
            cached = tuple(u for u in _descendants_at(g, uid, "county"))
            self._counties_in[uid] = cached
        return cached

    def gather(self, clues: list[Clue]) -> list[ClueEvidence]:
        g = self.gazetteer
        grouped: dict[tuple[str, str], ClueEvidence] = {}
        for clue in clues:
            if not clue.candidates:
                continue
            key = (clue.text, clue.kind)
            evidence = grouped.get(key)
            if evidence is None:
                evidence = grouped[key] = ClueEvidence(clue.text, clue.kind, clue.level, clue.candidates)
            evidence.occurrences.append(clue)
        for evidence in grouped.values():
            counties, prefectures, provinces = set(), set(), set()
            for uid in evidence.candidates:
                level = g.level_of(uid)
                if level == "province":
                    provinces.add(uid)
                elif level == "prefecture":
                    prefectures.add(uid)
                else:
                    county = g.county_of(uid)
                    if county is not None:
                        counties.add(county)
                    else:  # a town directly under a prefecture (东莞, 中山)
                        prefecture = g.prefecture_of(uid)
                        if prefecture is not None:
                            prefectures.add(prefecture)
            evidence.counties = frozenset(counties)
            evidence.prefectures = frozenset(prefectures)
            evidence.provinces = frozenset(provinces)
            self._expand(evidence)
        return list(grouped.values())

    def _expand(self, evidence: ClueEvidence) -> None:
        g = self.gazetteer
        counties = set(evidence.counties)
        prefectures = {g.prefecture_of(k) for k in evidence.counties} - {None}
        # A county-level city directly under a province is its own prefecture.
        prefectures |= {k for k in evidence.counties if g.prefecture_of(k) is None}
        for prefecture in evidence.prefectures:
            prefectures.add(prefecture)
            counties.update(self.counties_in(prefecture))
        for province in evidence.provinces:
            prefectures.update(u for u in g.children(province) if g.level_of(u) == "prefecture")
            counties.update(self.counties_in(province))
        evidence.supported_counties = frozenset(counties)
        evidence.supported_prefectures = frozenset(prefectures)

    def base_ratio(self, evidence: ClueEvidence) -> float:
        w = self.weights
        if evidence.kind == "admin":
            level = evidence.level if evidence.level in ("province", "prefecture", "county", "town") else "village"
            if evidence.short_form and level != "village":
                return w[f"{level}_short"]
            return w[f"{level}_name"]
        if evidence.kind == "landmark":
            return w["landmark"]
        if evidence.kind == "abbreviation":
            pair = any("joined" in c.rule for c in evidence.occurrences)
            return w["abbreviation_pair"] if pair else w["abbreviation"]
        return 1.0

    def weigh(self, evidence: ClueEvidence, outside: int) -> float:
        w = self.weights
        log_ratio = math.log(self.base_ratio(evidence))
        # Copies of one text repeat its clues; count the repeats within one copy.
        repeats = Counter(c.doc for c in evidence.occurrences).most_common(1)[0][1]
        log_ratio *= 1.0 + w["repeat_bonus"] * math.log2(repeats)
        if evidence.elsewhere:
            log_ratio *= w["elsewhere_factor"]
        log_ratio /= 1.0 + self.config.outside_discount * outside
        evidence.log_ratio = log_ratio
        return log_ratio

    def scores(self, evidences: list[ClueEvidence]) -> tuple[dict[int, float], dict[int, float]]:
        """Log-score per county and per prefecture (units with no evidence score 0)."""
        county_score: dict[int, float] = defaultdict(float)
        prefecture_score: dict[int, float] = defaultdict(float)
        for evidence in evidences:
            for county in evidence.supported_counties:
                county_score[county] += evidence.log_ratio
            for prefecture in evidence.supported_prefectures:
                prefecture_score[prefecture] += evidence.log_ratio
        return county_score, prefecture_score

    @staticmethod
    def posterior(scores: dict[int, float], universe: int) -> Posterior:
        if not scores:
            return Posterior({}, 1.0 / max(1, universe), universe)
        peak = max(max(scores.values()), 0.0)
        explicit = {u: math.exp(s - peak) for u, s in scores.items()}
        rest_count = max(0, universe - len(explicit))
        rest_each = math.exp(-peak)
        total = sum(explicit.values()) + rest_count * rest_each
        return Posterior({u: v / total for u, v in explicit.items()}, rest_each / total, rest_count)


def _descendants_at(g: Gazetteer, uid: int, level: str) -> list[int]:
    out, stack = [], [uid]
    while stack:
        current = stack.pop()
        if g.level_of(current) == level:
            out.append(current)
            continue
        if level == "county" and g.level_of(current) in ("town", "village"):
            continue
        stack.extend(g.children(current))
    return out


@dataclass
class DocumentInference:
    identity: Identity
    county: Posterior
    prefecture: Posterior
    evidences: list[ClueEvidence]
    decided_uid: int | None


@dataclass
class GroupInference:
    """The posterior for one text, pooled over its near-duplicate copies: a
    reader who has every copy sees every clue any of them leaves in clear."""

    county: Posterior
    prefecture: Posterior
    evidences: list[ClueEvidence]
    level: str
    decided: int | None
    confidence: float
    anonymity_set: int
    candidates: list[Candidate]
    top_clues: list[Clue]


def infer_group(members: list[DocumentAnalysis], model: EvidenceModel, outside: dict[str, int]) -> GroupInference:
    g = model.gazetteer
    evidences = model.gather([clue for member in members for clue in member.clues])
    for evidence in evidences:
        model.weigh(evidence, outside.get(evidence.text, 0))
    county_scores, prefecture_scores = model.scores(evidences)
    county_post = model.posterior(county_scores, len(model.counties))
    prefecture_post = model.posterior(prefecture_scores, len(model.prefectures))
    top_prefecture, _ = prefecture_post.top()
    representative = max(members, key=lambda a: (len(a.source.text), a.doc))
    level = _decide_level(representative, evidences, top_prefecture, model)
    posterior = county_post if level == "county" else prefecture_post
    decided, confidence = posterior.top()
    supports = [e for e in evidences if decided is not None and e.log_ratio > 0 and decided in e.supported(level)]
    supporting = set(map(id, supports))
    for evidence in evidences:
        # What a clue gave away: its weight, shared among the places it supports.
        contribution = evidence.log_ratio / len(evidence.supported(level)) if id(evidence) in supporting else 0.0
        for clue in evidence.occurrences:
            clue.weight = contribution
    ranked = sorted(supports, key=lambda e: (-e.occurrences[0].weight, -e.log_ratio, e.text))
    return GroupInference(
        county=county_post,
        prefecture=prefecture_post,
        evidences=evidences,
        level=level if decided is not None else "",
        decided=decided,
        confidence=confidence if decided is not None else 0.0,
        anonymity_set=posterior.anonymity_set(model.config.anonymity_mass),
        candidates=[Candidate(g.path(u), level, p) for u, p in posterior.ranked()[:10]],
        top_clues=[e.occurrences[0] for e in ranked[:10]],
    )


def identity_for(analysis: DocumentAnalysis, group: str, inference: GroupInference, model: EvidenceModel) -> DocumentInference:
    g = model.gazetteer
    identity = Identity(
        doc=analysis.doc,
        group=group,
        n_slots=len(analysis.slots),
        identity=g.path(inference.decided) if inference.decided is not None else "",
        identity_level=inference.level,
        confidence=inference.confidence,
        anonymity_set=inference.anonymity_set,
        candidates=list(inference.candidates),
    )
    # Name the clues as they stand in this copy where it has them.
    own: dict[tuple[str, str], Clue] = {}
    for clue in analysis.clues:
        own.setdefault((clue.text, clue.kind), clue)  # the first occurrence
    identity.top_clues = [own.get((c.text, c.kind), c) for c in inference.top_clues]
    if inference.decided is not None:
        identity.names_own_place = _names_own_place(analysis, inference.evidences, inference.decided, g)
    identity.risk = identity.confidence  # the top posterior (issue 12 calibrates it)
    identity.verdict = verdict(identity, model.config)
    return DocumentInference(identity, inference.county, inference.prefecture, inference.evidences, inference.decided)


def verdict(identity: Identity, config: LinkerConfig) -> str:
    if identity.n_slots == 0:
        return "not-anonymised"
    if identity.identity and identity.confidence >= config.reidentified_confidence:
        return "re-identified"
    if identity.identity and identity.anonymity_set <= config.at_risk_anonymity_set:
        return "at-risk"
    return "protected"


def _decide_level(analysis: DocumentAnalysis, evidences: list[ClueEvidence], top_prefecture: int | None, model: EvidenceModel) -> str:
    """County or prefecture: does the text name the counties of a prefecture,
    or the towns and villages of one county?"""
    g = model.gazetteer
    config = model.config
    if top_prefecture is None:
        return "county"
    inside = set(model.counties_in(top_prefecture)) or {top_prefecture}
    # A clear report names its own place most: 阳泉 29 times in 阳泉's report, 盂县 10.
    # A name shared by the prefecture and one of its counties (黄山 of 黄山市 and
    # 黄山区, 恩施 of 恩施州 and 恩施市) tells neither.
    county_cores = {_core(g.name(u)) for u in inside}
    prefecture_mentions = sum(
        len(e.occurrences) for e in evidences
        if e.kind == "admin" and not e.elsewhere and e.level == "prefecture" and top_prefecture in e.prefectures
        and not (e.counties & inside) and e.text not in county_cores
    )
    county_mentions = Counter()
    for e in evidences:
        if e.kind == "admin" and not e.elsewhere and e.level == "county" and len(e.counties) == 1 and e.counties <= inside:
            county_mentions[next(iter(e.counties))] += len(e.occurrences)
    named_counties = set(county_mentions)
    top_county_mentions = max(county_mentions.values(), default=0)
    if prefecture_mentions >= config.own_name_min_mentions and prefecture_mentions >= top_county_mentions:
        return "prefecture"
    cues = _cue_balance(analysis, config)
    # A clear county report names itself far more than any other county.
    ranked_mentions = county_mentions.most_common(2) + [(None, 0)]
    if (cues <= 0 and ranked_mentions[0][1] >= config.own_name_min_mentions
            and ranked_mentions[0][1] > prefecture_mentions and ranked_mentions[0][1] >= 3 * ranked_mentions[1][1]):
        return "county"
    # Several of its counties named again and again, none far more than the
    # others: a report on the prefecture (盂县 10 times, 平定 9 in 阳泉's), not
    # on one county, which would name itself far more often than a neighbour.
    repeated = sorted((n for n in county_mentions.values() if n >= 2), reverse=True)
    if len(repeated) >= 2 and repeated[0] <= 2 * repeated[1]:
        return "prefecture"
    # Evidence pointing at one county inside the prefecture, vs spread over many.
    specific = Counter()
    for e in evidences:
        inner = e.counties & inside
        if inner and len(inner) <= 2 and e.kind != "abbreviation" and not e.elsewhere and e.level != "county":
            for county in inner:
                specific[county] += e.log_ratio / len(inner)
    total = sum(specific.values())
    share = (specific.most_common(1)[0][1] / total) if total else 0.0
    if len(named_counties) + max(0, cues) >= config.prefecture_min_counties:
        return "prefecture"
    if total and share < config.county_min_share and len(specific) >= 3:
        return "prefecture"
    if not total and cues > 0:
        return "prefecture"
    if top_prefecture is not None and not total and not named_counties:
        return "prefecture"
    return "county"


_COUNTY_SUFFIX = re.compile(r"(?:自治县|自治旗|县|区|市|旗)$")


def _core(name: str) -> str:
    """黄山区 → 黄山: what a county shares with a prefecture named like it."""
    core = _COUNTY_SUFFIX.sub("", name)
    return core if len(core) >= 2 else name


def _names_own_place(analysis: DocumentAnalysis, evidences, decided: int, g: Gazetteer) -> list[Clue]:
    """Clear mentions of the document's own place (or of a masked ancestor)."""
    masked_levels = {s.place_level for s in analysis.slots if s.slot_type == "place"}
    own = {decided}
    if "prefecture" in masked_levels:
        own.add(g.prefecture_of(decided))
    if "province" in masked_levels:
        own.add(g.province_of(decided))
    own.discard(None)
    # The evidence pools a group's copies: this copy's own mentions are its
    # clues of the same text and kind.
    named = {
        (evidence.text, evidence.kind) for evidence in evidences
        if evidence.kind == "admin" and not evidence.elsewhere and not own.isdisjoint(evidence.candidates)
    }
    found = [c for c in analysis.clues if c.candidates and (c.text, c.kind) in named]
    return sorted(found, key=lambda c: c.start)


def _outside_counts(inferences: dict[str, DocumentInference], groups: dict[str, str], model: EvidenceModel) -> dict[str, int]:
    """For each clue text, how many confident documents (one per group) about
    other places use it: the corpus's own measure of how specific a clue is."""
    g = model.gazetteer
    seen: dict[str, set[str]] = defaultdict(set)
    for doc, inference in inferences.items():
        identity = inference.identity
        decided = inference.decided_uid
        if decided is None or identity.confidence < model.config.reidentified_confidence:
            continue
        for evidence in inference.evidences:
            if evidence.elsewhere:
                continue
            points_here = (
                decided in evidence.counties
                or decided in evidence.prefectures
                or g.prefecture_of(decided) in evidence.prefectures
                or g.province_of(decided) in evidence.provinces
                or any(g.prefecture_of(k) == decided for k in evidence.counties)
            )
            if not points_here:
                seen[evidence.text].add(groups[doc])
    return {text: len(group_set) for text, group_set in seen.items()}


# Below this many slots in groups of copies, forking costs more than it saves.
FORKED_ALIGNMENT_SLOTS = 20_000


def _cue_balance(analysis: DocumentAnalysis, config: LinkerConfig) -> int:
    """Prefecture cues found minus county cues found (each counted once)."""
    if analysis.source.status == "rule-timeout":
        return 0  # not checked whatever the cues say: one time-out per document is enough
    text = analysis.source.text
    timeout = match_timeout(text)
    found = {"prefecture_cues": 0, "county_cues": 0}
    for key in found:
        for index, pattern in enumerate(getattr(config, key)):
            try:
                found[key] += pattern.search(text, timeout=timeout) is not None
            except TimeoutError:
                analysis.mark_rule_timeout(rule_timeout(f"linker.toml [level] {key}[{index}]", timeout))
                return 0
    return found["prefecture_cues"] - found["county_cues"]


def link_corpus(result, rules: Rules, workers: int = 1) -> None:
    """Fills ``result.identities``, ``result.inconsistencies`` and slot recovery.
    With workers, copies are aligned in forked processes meanwhile."""
    from .recovery import recover

    g = load_gazetteer()
    result.gazetteer = g
    config = rules.linker
    model = EvidenceModel(g, rules.clues, config)
    analyses = [a for a in result.analyses]
    groups = _group_names(analyses, config)
    readable = [a for a in analyses if a.source.ok]
    members: dict[str, list[DocumentAnalysis]] = defaultdict(list)
    for analysis in readable:
        members[groups[analysis.doc]].append(analysis)

    alignment = None
    if workers > 1 and can_fork() and sum(len(a.slots) for a in readable) >= FORKED_ALIGNMENT_SLOTS:
        alignment = _ForkedAlignment(readable, groups, config, workers)

    def infer_all(outside: dict[str, int]) -> dict[str, DocumentInference]:
        inferences = {}
        for group, docs in members.items():
            pooled = infer_group(docs, model, outside)
            for analysis in docs:
                inferences[analysis.doc] = identity_for(analysis, group, pooled, model)
        return inferences

    outside = _outside_counts(infer_all({}), groups, model)
    final = infer_all(outside)
    result.identities = [final[a.doc].identity for a in readable]
    if alignment is not None:
        result.inconsistencies = alignment.result()
    else:
        result.inconsistencies = find_inconsistencies(readable, groups, config)
    recover(result, final, config)


def _group_names(analyses: list[DocumentAnalysis], config: LinkerConfig) -> dict[str, str]:
    roots = group_near_duplicates([a.fingerprint for a in analyses], config.near_duplicate_threshold)
    names: dict[int, str] = {}
    out = {}
    for analysis, root in zip(analyses, roots):
        if root not in names:
            names[root] = f"G{len(names) + 1:03d}"
        out[analysis.doc] = names[root]
    return out


# A value that holds a mask symbol, or is all mask letters (XX), is still masked.
_MASK_CHARACTERS = default_mask_characters()
_MASKISH = re.compile(f"[{_MASK_CHARACTERS.symbol_class()}]|^[{re.escape(_MASK_CHARACTERS.letters)}]+$")


def _copies(analyses: list[DocumentAnalysis], groups: dict[str, str]) -> list[list[DocumentAnalysis]]:
    """The groups of two or more copies, in the order of their first document."""
    members: dict[str, list[DocumentAnalysis]] = defaultdict(list)
    for analysis in analyses:
        members[groups[analysis.doc]].append(analysis)
    return [docs for docs in members.values() if len(docs) > 1]


def find_inconsistencies(analyses: list[DocumentAnalysis], groups: dict[str, str], config: LinkerConfig,
                         max_partners: int = 4) -> list[Inconsistency]:
    """Slots masked in one copy of a text and readable in a near-duplicate."""
    return [found for copies in _copies(analyses, groups) for found in _group_inconsistencies(copies, config, max_partners)]


class _ForkedAlignment:
    """find_inconsistencies in forked processes, while this one infers the
    identities: groups in contiguous runs of about equal work, the results
    in the order a single process gives them."""

    def __init__(self, analyses: list[DocumentAnalysis], groups: dict[str, str], config: LinkerConfig, workers: int):
        copies = _copies(analyses, groups)
        work = [sum(len(d.slots) for d in docs) * len(docs) for docs in copies]
        parts, begin, done, share = [], 0, 0, sum(work) / (workers * 4)
        for index, amount in enumerate(work):
            done += amount
            if done >= share * (len(parts) + 1) or index == len(work) - 1:
                parts.append(range(begin, index + 1))
                begin = index + 1

        def align(part: range) -> list[Inconsistency]:
            return [found for docs in copies[part.start : part.stop] for found in _group_inconsistencies(docs, config)]

        self._tasks = ForkedTasks(align, parts, workers)

    def result(self) -> list[Inconsistency]:
        return [found for part in self._tasks.in_order() for found in part]


def _group_inconsistencies(group_docs: list[DocumentAnalysis], config: LinkerConfig,
                           max_partners: int = 4) -> list[Inconsistency]:
    found = []
    # The clearest copies reveal most: compare with those first.
    clearest = sorted(group_docs, key=lambda d: (len(d.slots), d.doc))[: max_partners + 1]
    # Copies of a text share most slots' surroundings and mostly the same
    # partners: each surrounding is read, and each (anchors, partner)
    # aligned, once.
    anchors: dict[tuple[str, str], tuple[str, str]] = {}
    aligned: dict[tuple[str, str, str], tuple[int, int] | None] = {}
    for analysis in group_docs:
        if not analysis.slots:
            continue
        partners = [d for d in clearest if d is not analysis][:max_partners]
        text = analysis.source.text
        for slot in analysis.slots:
            around = (text[max(0, slot.start - ANCHOR_WINDOW) : slot.start], text[slot.end : slot.end + ANCHOR_WINDOW])
            clear = anchors.get(around)
            if clear is None:
                clear = anchors[around] = (_CLEAR_BEFORE.search(around[0]).group(), _CLEAR_AFTER.match(around[1]).group())
            left, right = clear
            if len(left) < config.anchor_chars or len(right) < config.anchor_chars:
                continue
            for partner in partners:
                key = (left, right, partner.doc)
                if key in aligned:
                    revealed = aligned[key]
                else:
                    revealed = aligned[key] = _align_slot(left, right, partner.source.text)
                if revealed is not None:
                    start, end = revealed
                    found.append(Inconsistency(analysis.doc, slot.slot_id, partner.doc, start, end, partner.source.text[start:end]))
                    break
    return found


ANCHOR_WINDOW = 8  # clear characters on each side that align a slot with a copy
_ANCHOR_STOP = "\n" + _MASK_CHARACTERS.symbol_class()
_CLEAR_BEFORE = re.compile(f"[^{_ANCHOR_STOP}]*$")
_CLEAR_AFTER = re.compile(f"[^{_ANCHOR_STOP}]*")


def clear_anchor(text: str, start: int, end: int, before: bool, want: int) -> str:
    """Up to ``want`` clear characters next to a slot, stopping at a line break or another mask."""
    if before:
        return _CLEAR_BEFORE.search(text, max(0, start - want), start).group()
    return _CLEAR_AFTER.match(text, end, end + want).group()


def _align_slot(left: str, right: str, other: str) -> tuple[int, int] | None:
    """Where ``other`` shows, between a slot's clear neighbours ``left`` and
    ``right``, something other than a mask."""
    # str.find runs in C; a regex compiled per slot would dominate a large group.
    position = other.find(left)
    while position >= 0:
        start = position + len(left)
        end = other.find(right, start + 1, start + 16 + len(right))
        if end > start:
            value = other[start:end]
            if "\n" not in value and not _MASKISH.search(value):
                return start, end
        position = other.find(left, position + 1)
    return None
