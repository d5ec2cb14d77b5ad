"""The corpus-level reduce: from clues to identities, across documents.

For each document the linker weighs its clues against every county-level and
prefecture-level unit of the gazetteer. Each clue is a likelihood ratio for
the places that bear its name: large when few places bear it and general text
rarely uses the string (a reader takes 崞阳镇 for one town), near 1 when many
places bear it or it is an everyday word (see :meth:`EvidenceModel.base_ratio`).
A clue shared by many places lifts each of them equally and so tells little
between them. The posterior over places gives the identity and its risk
(:mod:`auditor.reduce.risk`). The corpus takes part: near-duplicates are grouped and
their redactions compared, and a clue that confident documents about other
places also use is discounted.
"""
from __future__ import annotations

import bisect
import functools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from ..rules import ClueRules
from .anchors import ANCHOR_WINDOW, CLEAR_AFTER, CLEAR_BEFORE
from ..gazetteer import Gazetteer, load_gazetteer
from .inference import DocumentInference, Posterior
from .mask_length import MaskLengths, read_mask_lengths
from ..map.neardup import group_near_duplicates
from ..map.ordinary import OrdinaryWordJudge
from ..records import Candidate, Clue, DocumentAnalysis, Identity, Inconsistency, Slot
from .recovery import check_recovery_patterns, recover
from .risk import DEFAULT_K, calibrated, verdict_for
from ..rules import LEVEL_FEATURES, LinkerConfig, Rules, default_mask_characters, match_timeout, rule_timeout
from ..runner import DaskRunner, Runner


@dataclass
class ClueEvidence:
    """All occurrences of one clue text in one document, weighed together."""

    text: str
    kind: str
    level: str
    candidates: tuple[int, ...]
    occurrences: list[Clue] = field(default_factory=list)
    log_ratio: float = 0.0  # at county level
    log_ratio_prefecture: float = 0.0
    counties: frozenset[int] = frozenset()
    prefectures: frozenset[int] = frozenset()  # named as a prefecture (all its counties)
    provinces: frozenset[int] = frozenset()  # named as a province
    # Every county and prefecture the clue lends weight to (a prefecture's name
    # supports all its counties).
    supported_counties: frozenset[int] = frozenset()
    supported_prefectures: frozenset[int] = frozenset()
    # Named in clear as the document's own subject (我市原平, 原平市人民政府成立).
    subject: bool = False

    def supported(self, level: str) -> frozenset[int]:
        return self.supported_counties if level == "county" else self.supported_prefectures

    def log_ratio_at(self, level: str) -> float:
        return self.log_ratio if level == "county" else self.log_ratio_prefecture

    # Asked for every copy of a group (occurrences are final once gathered).
    @functools.cached_property
    def elsewhere(self) -> bool:
        return all(c.elsewhere for c in self.occurrences)

    @functools.cached_property
    def short_form(self) -> bool:
        return all(c.short_form for c in self.occurrences)

    @functools.cached_property
    def ordinary(self) -> float:
        """The clearest occurrence decides: a reader needs only one."""
        return min(c.ordinary for c in self.occurrences)


class EvidenceModel:
    """Weighs clues and turns them into posteriors over counties and prefectures."""

    def __init__(self, gazetteer: Gazetteer, clue_rules: ClueRules, config: LinkerConfig):
        self.gazetteer = gazetteer
        self.weights = clue_rules.weights
        self.clue_rules = clue_rules
        self.config = config
        self.counties = gazetteer.units_at("county")
        self.prefectures = gazetteer.units_at("prefecture")
        self._counties_in: dict[int, tuple[int, ...]] = {}
        # General-language frequencies of a clue's string (no segmenter needed for those).
        self.frequencies = OrdinaryWordJudge(gazetteer, clue_rules)
        # How many counties and prefectures a character could abbreviate (its short form's first).
        self.initials = gazetteer.initials()

    def counties_in(self, uid: int) -> tuple[int, ...]:
        cached = self._counties_in.get(uid)
        if cached is None:
            g = self.gazetteer
            cached = tuple(g.descendants_at(uid, "county"))
            self._counties_in[uid] = cached
        return cached

    def gather(self, clues: list[Clue], texts: dict[str, str] | None = None) -> list[ClueEvidence]:
        """The clues grouped by text and kind; ``texts`` (doc → text) lets the
        subject patterns read around each clue."""
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
            if texts is not None and not evidence.subject and self.is_subject(clue, texts.get(clue.doc, "")):
                evidence.subject = True
        for evidence in grouped.values():
            if evidence.subject:  # 太原 as the text's own subject is the city, not 彭水's 太原镇
                evidence.candidates = tuple(u for u in evidence.candidates
                                            if g.level_of(u) == evidence.level) or evidence.candidates
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

    def is_subject(self, clue: Clue, text: str) -> bool:
        """A county or prefecture named in clear as the document's own subject:
        right after 我市/本县 or before 人民政府成立 (linker.toml [subject])."""
        config = self.config
        if clue.kind != "admin" or clue.elsewhere or clue.level not in ("county", "prefecture") or not text:
            return False
        timeout = match_timeout(text)
        before, after = config.subject_before, config.subject_after
        try:
            return bool((before is not None and before.search(text[max(0, clue.start - 6) : clue.start], timeout=timeout))
                        or (after is not None and after.match(text[clue.end : clue.end + 12], timeout=timeout)))
        except TimeoutError:
            return False  # the level cues' time-out marks the document; a subject unread is no subject

    def base_ratio(self, evidence: ClueEvidence, level: str) -> float:
        """The likelihood ratio of one clue for each place of ``level`` it fits:
        1 + (1 − ordinary) × local_rate / (bearers + general_rate × f). The bearers
        are the places of that level the name fits (a town: its county; 成都:
        each of its twenty counties, as 河北 fits 170), so a name that fits many
        answers tells little between them; f is how
        often general text uses the string as something other than the name of
        its bearers (per million words, jionlp's word distribution, as a word or a
        run of words: ordinary.Frequencies). A name one place bears and
        general text hardly uses gives local_rate; one many places bear, or an
        everyday word, gives little. Both rates are fitted on dev-eval."""
        w = self.weights
        if evidence.subject:
            return self.config.subject_ratio
        if evidence.kind == "geography":
            per_million = 0.0  # the sentence states the relation: how often the name is a word does not matter
        else:
            frequency = self.frequencies.frequencies(evidence.text, evidence.candidates)
            # The uses its bearers do not explain: the string as an ordinary word.
            ordinary_uses = frequency.prior * (frequency.as_word + frequency.across_words)
            per_million = ordinary_uses * 1e6 / self.gazetteer.word_total
        bearers = max(1, len(evidence.candidates), len(evidence.supported(level)))
        if evidence.kind == "abbreviation":
            # Every reading of the characters is a bearer, not only the related
            # pairs the recognizer kept (津石: 天津 + 石家庄 as well as 津市 + 石门).
            readings = math.prod(max(1, self.initials[ch]) for ch in evidence.text)
            bearers = max(bearers, readings)
        return 1.0 + (1.0 - evidence.ordinary) * w["local_rate"] / (bearers + w["general_rate"] * per_million)

    def weigh(self, evidence: ClueEvidence, outside: int) -> None:
        w = self.weights
        # Copies of one text repeat its clues; count the repeats within one copy.
        repeats = Counter(c.doc for c in evidence.occurrences).most_common(1)[0][1]
        scale = 1.0 + w["repeat_bonus"] * math.log2(repeats)
        if evidence.elsewhere:
            scale *= w["elsewhere_factor"]
        if not evidence.subject:
            scale /= 1.0 + self.config.outside_discount * outside
        evidence.log_ratio = scale * math.log(self.base_ratio(evidence, "county"))
        evidence.log_ratio_prefecture = scale * math.log(self.base_ratio(evidence, "prefecture"))

    def scores(self, evidences: list[ClueEvidence]) -> tuple[dict[int, float], dict[int, float]]:
        """Log-score per county and per prefecture (units with no evidence score 0)."""
        county_score: dict[int, float] = defaultdict(float)
        prefecture_score: dict[int, float] = defaultdict(float)
        for evidence in evidences:
            for county in evidence.supported_counties:
                county_score[county] += evidence.log_ratio
            for prefecture in evidence.supported_prefectures:
                prefecture_score[prefecture] += evidence.log_ratio_prefecture
        return county_score, prefecture_score

    def with_lengths(self, scores: dict[int, float], lengths: MaskLengths, level: str) -> dict[int, float]:
        """``scores`` with the mask-length channel: a unit whose name the
        level's own mask cannot hide loses log(mismatch_ratio); every such unit
        of the level is scored (the rest of the posterior is no longer uniform)."""
        if not lengths.keeps or level not in lengths.own:
            return scores
        g = self.gazetteer
        penalty = math.log(self.config.mask_length_mismatch_ratio)
        adjusted = dict(scores)
        for uid in (self.counties if level == "county" else self.prefectures):
            unit = g.units[uid]
            if lengths.fits(unit.name, unit.short, level) is False:
                adjusted[uid] = adjusted.get(uid, 0.0) + penalty
        return adjusted

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


@dataclass
class GroupInference:
    """The posterior for one text, pooled over its near-duplicate copies: a
    reader who has every copy sees every clue any of them leaves in clear."""

    county: Posterior
    prefecture: Posterior
    evidences: list[ClueEvidence]
    level: str
    decided: int | None
    confidence: float  # the top posterior, calibrated (risk.calibrated)
    anonymity_set: int
    candidates: list[Candidate]
    top_clues: list[Clue]
    level_features: tuple[float, ...]
    subject: bool  # a clue names the decided place as the document's subject
    # The least risk that the names only one place bears carry, and those names (sole_names).
    sole_name_risk: float = 0.0
    sole_name_clues: list[Clue] = field(default_factory=list)
    mask_lengths: str = ""  # what the masks' lengths tell, in words (mask_length.MaskLengths.note)
    weights: ClueWeights = field(default_factory=lambda: ClueWeights({}))


class ClueWeights:
    """What each clue of a group gave away for the decided place, and the clues
    with that weight: new records, made once per clue (the map's stay as they are)."""

    def __init__(self, by_clue: dict[int, float]) -> None:
        self._by_clue = by_clue  # id(clue) -> weight, for the clues of the group's analyses
        self._weighted: dict[int, Clue] = {}

    def __call__(self, clue: Clue) -> Clue:
        weight = self._by_clue.get(id(clue), 0.0)
        if weight == clue.weight:
            return clue
        weighted = self._weighted.get(id(clue))
        if weighted is None:
            weighted = self._weighted[id(clue)] = replace(clue, weight=weight)
        return weighted


def infer_group(members: list[DocumentAnalysis], model: EvidenceModel, outside: dict[str, int],
                timeouts: dict[str, TimeoutError] | None = None) -> GroupInference:
    g = model.gazetteer
    config = model.config
    texts = {member.doc: member.source.text for member in members}
    evidences = model.gather([clue for member in members for clue in member.clues], texts)
    for evidence in evidences:
        model.weigh(evidence, outside.get(evidence.text, 0))
    county_scores, prefecture_scores = model.scores(evidences)
    representative = max(members, key=lambda a: (len(a.source.text), a.doc))
    lengths = read_mask_lengths(representative.slots, config.mask_length_min_slots, config.mask_length_max_glyphs)
    # Without the mask lengths too: the gate's risk is the larger of the two
    # (a publisher whose masks vary for another reason must not lower it).
    plain_county = model.posterior(county_scores, len(model.counties))
    plain_prefecture = model.posterior(prefecture_scores, len(model.prefectures))
    county_post, prefecture_post = plain_county, plain_prefecture
    if lengths.keeps and lengths.own:
        county_post = model.posterior(model.with_lengths(county_scores, lengths, "county"), len(model.counties))
        prefecture_post = model.posterior(model.with_lengths(prefecture_scores, lengths, "prefecture"),
                                          len(model.prefectures))
    top_prefecture, _ = prefecture_post.top()
    features = level_features(representative, evidences, top_prefecture, model, timeouts)
    level = decide_level(features, config) if top_prefecture is not None else "county"
    subjects = {e.level for e in evidences if e.subject}
    if subjects == {"prefecture"}:
        # The text names its own prefecture: one county of it is no answer.
        # (A county named so may be the subject of a prefecture's report that
        # promotes it: the level model decides.)
        level = "prefecture"
    if level == "county" and top_prefecture is not None and not model.counties_in(top_prefecture):
        level = "prefecture"  # 东莞, 中山: a prefecture with towns and no counties
    posterior = county_post if level == "county" else prefecture_post
    plain = plain_county if level == "county" else plain_prefecture
    decided, top = posterior.top()
    top = max(top, plain.top()[1])
    confidence = calibrated(top, *config.calibration) if decided is not None else 0.0
    sole_risk, sole = sole_names(evidences, g, model.clue_rules.generic_endings)
    supports = [e for e in evidences if decided is not None and e.log_ratio_at(level) > 0 and decided in e.supported(level)]
    # What a clue gave away: its weight for the decided place.
    weights = ClueWeights({id(clue): evidence.log_ratio_at(level) for evidence in supports
                           for clue in evidence.occurrences})
    ranked = sorted(supports, key=lambda e: (-e.log_ratio_at(level), e.text))
    return GroupInference(
        county=county_post,
        prefecture=prefecture_post,
        evidences=evidences,
        level=level if decided is not None else "",
        decided=decided,
        confidence=confidence,
        anonymity_set=min(posterior.anonymity_set(config.anonymity_factor), plain.anonymity_set(config.anonymity_factor)),
        candidates=[Candidate(g.path(u), level, p) for u, p in posterior.ranked()[:10]],
        top_clues=[e.occurrences[0] for e in ranked[:10]],
        level_features=features,
        subject=any(e.subject for e in supports),
        sole_name_risk=sole_risk,
        sole_name_clues=[e.occurrences[0] for e in sole[:10]],
        mask_lengths=lengths.note(),
        weights=weights,
    )


def sole_place(evidence: ClueEvidence, g: Gazetteer, generic_endings: tuple[str, ...] = ()) -> int | None:
    """The one county-level unit every bearer of the clue's name lies in (a
    town's county, a county, a landmark's place; an abbreviation's place, of
    any level), or None: bearers spread over several, or a prefecture's or
    province's name, which reports about other places name all the time."""
    # A community named after a street or a station (迎宾大道, 火车南站社区)
    # shares its name with streets of every town.
    if evidence.level == "village" and evidence.text.endswith(generic_endings):
        return None
    units = set()
    for uid in evidence.candidates:
        county = g.county_of(uid)
        if county is None and evidence.kind != "abbreviation":
            return None
        units.add(county if county is not None else uid)
        if len(units) > 1:
            return None
    return units.pop() if units else None


def sole_names(evidences: list[ClueEvidence], g: Gazetteer, generic_endings: tuple[str, ...] = ()
               ) -> tuple[float, list[ClueEvidence]]:
    """A name only one place bears (a town, a distinctive village, a landmark)
    is enough for a reader, however short the text, whatever else the text
    says: the gate cannot tell which of several such names is the document's
    place, and each would give it away if it were. So the risk is at least
    the chance that the likeliest of them is meant as a place (1 − ordinary),
    named or not as elsewhere (周边五台山 tells a reader where to look). Returns
    that bound and the names, likeliest first."""
    found = [e for e in evidences if sole_place(e, g, generic_endings) is not None]
    found.sort(key=lambda e: (e.ordinary, -len(e.occurrences), e.text))
    return (1.0 - found[0].ordinary if found else 0.0), found


def identity_for(analysis: DocumentAnalysis, group: str, inference: GroupInference, model: EvidenceModel) -> DocumentInference:
    g = model.gazetteer
    weighted = inference.weights
    # Name the clues as they stand in this copy where it has them.
    own: dict[tuple[str, str], Clue] = {}
    for clue in analysis.clues:
        own.setdefault((clue.text, clue.kind), clue)  # the first occurrence
    top = inference.top_clues
    config = model.config
    if verdict_for(inference.sole_name_risk, True, DEFAULT_K, config.reidentified_confidence) != \
            verdict_for(inference.confidence, True, DEFAULT_K, config.reidentified_confidence) and \
            inference.sole_name_risk > inference.confidence:
        # The names only one place bears, not the posterior, make the risk: they come first.
        top = list({(c.text, c.kind): c for c in inference.sole_name_clues + top}.values())
    names_own_place = []
    if inference.decided is not None:
        names_own_place = [weighted(c) for c in _names_own_place(analysis, inference.evidences, inference.decided, g)]
    risk = max(inference.confidence, inference.sole_name_risk)
    if inference.subject:
        # A text that names its place as its subject (我市原平) has told the reader.
        risk = max(risk, config.reidentified_confidence)
    n_slots = len(analysis.slots)
    identity = Identity(
        doc=analysis.doc,
        group=group,
        n_slots=n_slots,
        identity=g.path(inference.decided) if inference.decided is not None else "",
        identity_level=inference.level,
        confidence=inference.confidence,
        anonymity_set=inference.anonymity_set,
        verdict=verdict_for(risk, n_slots > 0, DEFAULT_K, config.reidentified_confidence),
        risk=risk,
        candidates=list(inference.candidates),
        top_clues=[weighted(own.get((c.text, c.kind), c)) for c in top[:10]],
        names_own_place=names_own_place,
        mask_lengths=inference.mask_lengths,
    )
    return DocumentInference(identity, inference.county, inference.prefecture, inference.evidences, inference.decided,
                             inference.level_features, weighted)


def verdict(identity: Identity, config: LinkerConfig, k: int = DEFAULT_K) -> str:
    """The verdict under K (the policy's: gate.Policy.verdict): see :func:`auditor.reduce.risk.verdict_for`."""
    return verdict_for(identity.risk, identity.n_slots > 0, k, config.reidentified_confidence)


def level_features(analysis: DocumentAnalysis, evidences: list[ClueEvidence], top_prefecture: int | None,
                   model: EvidenceModel, timeouts: dict[str, TimeoutError] | None = None) -> tuple[float, ...]:
    """What tells a prefecture's report from one of its counties' (LEVEL_FEATURES, in order):
    the text's self-descriptions (各县区 vs 各乡镇), how many of the best prefecture's
    counties it names, whether one county holds most of the evidence inside the
    prefecture, whether it names the prefecture more than any county, and what
    its place masks hide (×县 vs ×市)."""
    g = model.gazetteer
    cues = _cue_counts(analysis, model.config, timeouts if timeouts is not None else {})
    if top_prefecture is None:
        inside: set[int] = set()
    else:
        inside = set(model.counties_in(top_prefecture)) or {top_prefecture}
    # A name shared by the prefecture and one of its counties (黄山 of 黄山市 and
    # 黄山区, 恩施 of 恩施州 and 恩施市) tells neither.
    county_cores = {_core(g.name(u)) for u in inside}
    prefecture_mentions = sum(
        len(e.occurrences) for e in evidences
        if e.kind == "admin" and not e.elsewhere and e.level == "prefecture" and top_prefecture in e.prefectures
        and not (e.counties & inside) and e.text not in county_cores
    )
    county_mentions: Counter = Counter()
    for e in evidences:
        if e.kind == "admin" and not e.elsewhere and e.level == "county" and len(e.counties) == 1 and e.counties <= inside:
            county_mentions[next(iter(e.counties))] += len(e.occurrences)
    top_county_mentions = max(county_mentions.values(), default=0)
    # Evidence pointing at one county inside the prefecture, vs spread over many.
    specific: Counter = Counter()
    for e in evidences:
        inner = e.counties & inside
        if inner and len(inner) <= 2 and e.kind != "abbreviation" and not e.elsewhere and e.log_ratio > 0:
            for county in inner:
                specific[county] += e.log_ratio / len(inner)
    total = sum(specific.values())
    share = specific.most_common(1)[0][1] / total if total else 0.0
    levels = Counter(s.place_level for s in analysis.slots if s.slot_type == "place")
    masked = levels["county"] + levels["prefecture"]
    county_slot_share = levels["county"] / masked if masked else 0.5
    own_name_balance = math.log1p(prefecture_mentions) - math.log1p(top_county_mentions)
    values = {
        "bias": 1.0,
        "prefecture_cues": float(cues["prefecture_cues"]),
        "county_cues": float(cues["county_cues"]),
        "named_counties": math.log1p(len(county_mentions)),
        "top_county_share": share,
        "own_name_balance": own_name_balance,
        "county_slot_share": county_slot_share,
        "unmasked": 0.0 if masked else 1.0,
        "own_name_balance_unmasked": 0.0 if masked else own_name_balance,
    }
    return tuple(values[name] for name in LEVEL_FEATURES)


def prefecture_probability(features: tuple[float, ...], weights: tuple[float, ...]) -> float:
    """The level model: the probability that the text is about the prefecture rather than one county."""
    z = sum(w * x for w, x in zip(weights, features))
    return 1.0 / (1.0 + math.exp(-z)) if z >= -500 else 0.0


def decide_level(features: tuple[float, ...], config: LinkerConfig) -> str:
    return "prefecture" if prefecture_probability(features, config.level_model) >= 0.5 else "county"


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


# Below this many slots in groups of copies, other processes cost more than they save.
FORKED_ALIGNMENT_SLOTS = 20_000


def _cue_counts(analysis: DocumentAnalysis, config: LinkerConfig, timeouts: dict[str, TimeoutError]) -> dict[str, int]:
    """How many of the prefecture cues and of the county cues the text holds
    (each counted once). A pattern that runs out of time is entered in
    ``timeouts`` (the document is then not checked)."""
    found = {"prefecture_cues": 0, "county_cues": 0}
    if analysis.source.status == "rule-timeout" or analysis.doc in timeouts:
        return found  # not checked whatever the cues say: one time-out per document is enough
    text = analysis.source.text
    timeout = match_timeout(text)
    for key in found:
        for index, pattern in enumerate(getattr(config, key)):
            try:
                found[key] += pattern.search(text, timeout=timeout) is not None
            except TimeoutError:
                timeouts[analysis.doc] = rule_timeout(f"linker.toml [level] {key}[{index}]", timeout)
                return {"prefecture_cues": 0, "county_cues": 0}
    return found


class KeptLink:
    """What one link of a corpus keeps for the next (fix re-links the corpus after each round
    of masking, and a round changes few documents), for the groups of copies whose members
    are the very records of then: their inferences, by the outside counts of their clue texts
    (:func:`infer_group` is a function of those alone), and the slots their copies reveal
    (:func:`_group_inconsistencies`, of the members alone)."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        # member ids -> (the members, kept alive so that their ids stay theirs; per outside counts
        # of the group's clue texts: the inference and the rule timeouts it met)
        self._groups: dict[tuple[int, ...], tuple[list[DocumentAnalysis], dict]] = {}
        # member ids -> (the members, the slots they reveal)
        self._revealed: dict[tuple[int, ...], tuple[list[DocumentAnalysis], list[Inconsistency]]] = {}
        # A group with one copy masked anew is aligned again: its other copies' alignments hold.
        self.aligner = SlotAligner(rules.linker)
        self.hits = self.misses = 0

    def keep_only(self, groups: Iterable[list[DocumentAnalysis]]) -> None:
        """Forgets the groups of records no longer in the corpus."""
        wanted = {tuple(map(id, docs)) for docs in groups}
        self._groups = {key: kept for key, kept in self._groups.items() if key in wanted}
        self._revealed = {key: kept for key, kept in self._revealed.items() if key in wanted}

    def inconsistencies(self, copies: list[DocumentAnalysis]) -> list[Inconsistency]:
        key = tuple(map(id, copies))
        kept = self._revealed.get(key)
        if kept is None:
            kept = self._revealed[key] = (copies, _group_inconsistencies(copies, self.aligner))
        return kept[1]

    def infer(self, docs: list[DocumentAnalysis], model: "EvidenceModel", outside: dict[str, int],
              timeouts: dict[str, TimeoutError]) -> GroupInference:
        key = tuple(map(id, docs))
        kept = self._groups.setdefault(key, (docs, {}))[1]
        texts = next((inference.evidences for inference, _ in kept.values()), None)
        if texts is not None:
            read = frozenset((e.text, outside[e.text]) for e in texts if e.text in outside)
            if read in kept:
                self.hits += 1
                inference, met = kept[read]
                timeouts.update(met)
                return inference
        self.misses += 1
        met: dict[str, TimeoutError] = {}
        inference = infer_group(docs, model, outside, met)
        timeouts.update(met)
        kept[frozenset((e.text, outside[e.text]) for e in inference.evidences if e.text in outside)] = (inference, met)
        return inference


def infer_identities(analyses: list[DocumentAnalysis], rules: Rules, groups: dict[str, str] | None = None,
                     gazetteer: Gazetteer | None = None, timeouts: dict[str, TimeoutError] | None = None,
                     kept: KeptLink | None = None) -> dict[str, DocumentInference]:
    """Each readable document's inference, its copies pooled (``groups``: doc →
    group name, found from the fingerprints when not given): two passes, the
    second discounting clues that confident documents about other places use.
    A rule pattern that runs out of time on a document is entered in ``timeouts``.
    ``kept``: what an earlier link of the corpus kept (:class:`KeptLink`), reused where it
    holds (and this link's kept for the next)."""
    return infer_with_outside_counts(analyses, rules, groups, gazetteer, timeouts, kept)[0]


def infer_with_outside_counts(analyses: list[DocumentAnalysis], rules: Rules, groups: dict[str, str] | None = None,
                              gazetteer: Gazetteer | None = None, timeouts: dict[str, TimeoutError] | None = None,
                              kept: KeptLink | None = None) -> tuple[dict[str, DocumentInference], dict[str, int]]:
    """:func:`infer_identities`, and the outside counts its second pass weighed the clues by
    (:func:`_outside_counts` of the first)."""
    timeouts = {} if timeouts is None else timeouts
    g = gazetteer or load_gazetteer()
    model = EvidenceModel(g, rules.clues, rules.linker)
    if groups is None:
        groups = _group_names(analyses, rules.linker)
    members: dict[str, list[DocumentAnalysis]] = defaultdict(list)
    for analysis in analyses:
        if analysis.source.ok:
            members[groups[analysis.doc]].append(analysis)
    infer = infer_group
    if kept is not None:
        if kept.rules is not rules:
            raise ValueError("what was kept is of other rules")
        kept.keep_only(members.values())
        infer = kept.infer

    def infer_all(outside: dict[str, int]) -> dict[str, DocumentInference]:
        inferences = {}
        for group, docs in members.items():
            pooled = infer(docs, model, outside, timeouts)
            for analysis in docs:
                inferences[analysis.doc] = identity_for(analysis, group, pooled, model)
        return inferences

    outside = _outside_counts(infer_all({}), groups, model)
    return infer_all(outside), outside


def reinfer_group(members: list[DocumentAnalysis], group: str, model: EvidenceModel, outside: dict[str, int],
                  only: Iterable[str] | None = None) -> list[tuple[DocumentAnalysis, DocumentInference]]:
    """One group's members inferred again as the second pass of a link whose outside counts were
    ``outside`` infers them (what a change to their clues alone would make of them): each member
    with its clues weighed, and its inference. ``only``: the docs of the members wanted (the
    pooled inference is still of them all); None: every member."""
    pooled = infer_group(members, model, outside, {})
    wanted = None if only is None else set(only)
    found = []
    for analysis in members:
        if wanted is not None and analysis.doc not in wanted:
            continue
        inference = identity_for(analysis, group, pooled, model)
        found.append((_weighted(analysis, inference), inference))
    return found


@dataclass(frozen=True)
class Linkage:
    """What the reduce makes of the map's analyses: the analyses again as new
    records (clue weights and slot recoveries filled in; those a rule pattern
    ran out of time on marked not checked), each readable document's
    identity, and the slots its copies reveal."""

    analyses: list[DocumentAnalysis]
    identities: list[Identity]
    inconsistencies: list[Inconsistency]
    gazetteer: Gazetteer
    # For each clue text, how many confident groups about other places use it (the second pass's;
    # None from a linker that does not say).
    outside_counts: dict[str, int] | None = None


def link_corpus(analyses: list[DocumentAnalysis], rules: Rules, runner: Runner | DaskRunner = Runner(),
                kept: KeptLink | None = None, recover_slots: bool = True) -> Linkage:
    """The reduce over the map's analyses (left as they are). With workers,
    copies are aligned in other processes meanwhile (with ``kept``, what an earlier link of the
    corpus kept, :class:`KeptLink`, they are aligned here, only where their records changed).
    ``recover_slots``: False leaves the slots as they are (what each hid is for the tables and
    the report; the gate reads the identities and the slots copies reveal), but for the rule
    patterns recovery would run, so that a time-out still marks its document not checked."""
    g = load_gazetteer()
    config = rules.linker
    groups = _group_names(analyses, config)
    readable = [a for a in analyses if a.source.ok]

    alignment = None
    if kept is None and runner.workers > 1 and sum(len(a.slots) for a in readable) >= FORKED_ALIGNMENT_SLOTS:
        alignment = _Alignment(readable, groups, config, runner)

    timeouts: dict[str, TimeoutError] = {}
    final, outside = infer_with_outside_counts(analyses, rules, groups, g, timeouts, kept)
    identities = [final[a.doc].identity for a in readable]
    if alignment is not None:
        inconsistencies = alignment.result()
    elif kept is not None:
        inconsistencies = [found for copies in _copies(readable, groups) for found in kept.inconsistencies(copies)]
    else:
        inconsistencies = find_inconsistencies(readable, groups, config)
    weighted = [_weighted(analysis, final.get(analysis.doc)) for analysis in analyses]
    if recover_slots:
        linked = recover(weighted, identities, inconsistencies, final, g, config, timeouts)
    else:
        linked = weighted
        check_recovery_patterns(weighted, config, timeouts)
    linked = [analysis.rule_timed_out(timeouts[analysis.doc]) if analysis.doc in timeouts else analysis
              for analysis in linked]
    return Linkage(linked, identities, inconsistencies, g, outside)


def _weighted(analysis: DocumentAnalysis, inference: DocumentInference | None) -> DocumentAnalysis:
    weights = inference.weights if inference is not None else ClueWeights({})
    clues = [weights(clue) for clue in analysis.clues]
    if all(new is old for new, old in zip(clues, analysis.clues)):
        return analysis
    return replace(analysis, clues=clues)


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
    aligner = SlotAligner(config)
    return [found for copies in _copies(analyses, groups) for found in _group_inconsistencies(copies, aligner, max_partners)]


class _Alignment:
    """find_inconsistencies in other processes, while this one infers the
    identities: groups in contiguous runs of about equal work, the results
    in the order a single process gives them."""

    def __init__(self, analyses: list[DocumentAnalysis], groups: dict[str, str], config: LinkerConfig,
                 runner: Runner | DaskRunner):
        workers = runner.workers
        copies = _copies(analyses, groups)
        work = [sum(len(d.slots) for d in docs) * len(docs) for docs in copies]
        parts, begin, done, share = [], 0, 0, sum(work) / (workers * 4)
        for index, amount in enumerate(work):
            done += amount
            if done >= share * (len(parts) + 1) or index == len(work) - 1:
                parts.append(range(begin, index + 1))
                begin = index + 1

        # Each task holds its groups' documents: on a Dask cluster the copies of a text go to one worker.
        self._tasks = runner.start(functools.partial(align_groups, config), [copies[part.start : part.stop] for part in parts])

    def result(self) -> list[Inconsistency]:
        return [found for part in self._tasks.in_order() for found in part]


def align_groups(config: LinkerConfig, groups: Sequence[list[DocumentAnalysis]]) -> list[Inconsistency]:
    """An alignment task: the inconsistencies of some groups of copies, in order."""
    aligner = SlotAligner(config)
    return [found for docs in groups for found in _group_inconsistencies(docs, aligner)]


class SlotAligner:
    """A slot's clear neighbours and where a copy shows, between them, what the slot hides.
    Copies of a text share most slots' surroundings and mostly the same partners: each
    surrounding is read, and each (neighbours, copy) aligned, once an aligner."""

    def __init__(self, config: LinkerConfig) -> None:
        self.config = config
        self._anchors: dict[tuple[str, str], tuple[str, str]] = {}
        # copy's doc -> (the text aligned with, neighbours -> where it shows the slot, its slots): kept
        # while the copy's text stays as it was, so that an aligner can serve one link after another (KeptLink)
        self._aligned: dict[str, tuple[str, dict[tuple[str, str], tuple[tuple[int, int], ...]], _SlotSpans]] = {}

    def anchors(self, text: str, slot: Slot) -> tuple[str, str] | None:
        """The clear text either side of ``slot`` in ``text``; None when either is too short to align by."""
        around = (text[max(0, slot.start - ANCHOR_WINDOW) : slot.start], text[slot.end : slot.end + ANCHOR_WINDOW])
        clear = self._anchors.get(around)
        if clear is None:
            clear = self._anchors[around] = (CLEAR_BEFORE.search(around[0]).group(), CLEAR_AFTER.match(around[1]).group())
        left, right = clear
        if len(left) < self.config.anchor_chars or len(right) < self.config.anchor_chars:
            return None
        return clear

    def revealed(self, anchors: tuple[str, str], copy: DocumentAnalysis) -> tuple[int, int] | None:
        """Where ``copy`` first shows something other than a mask between ``anchors``: neither mask
        characters nor one of the copy's own slots (a run masked only in context, ??县, is one)."""
        found = self.revealed_all(anchors, copy)
        return found[0] if found else None

    def revealed_all(self, anchors: tuple[str, str], copy: DocumentAnalysis) -> tuple[tuple[int, int], ...]:
        """Every place where ``copy`` shows, between ``anchors``, what :meth:`revealed` looks for
        (a report may say 高新技术企业4500家以上 of one year and 1000家以上 of another)."""
        text = copy.source.text
        kept = self._aligned.get(copy.doc)
        if kept is None or (kept[0] is not text and kept[0] != text):
            # The copy's slots are those of its text: kept with it.
            kept = self._aligned[copy.doc] = (text, {}, _SlotSpans(copy.slots))
        aligned = kept[1]
        found = aligned.get(anchors)
        if found is None:
            found = aligned[anchors] = _align_slot(anchors[0], anchors[1], text, kept[2].overlaps)
        return found


class _SlotSpans:
    """Whether a span of a document overlaps one of its slots."""

    def __init__(self, slots: Sequence[Slot]) -> None:
        self._spans = sorted((slot.start, slot.end) for slot in slots)
        self._starts = [start for start, _ in self._spans]

    def overlaps(self, start: int, end: int) -> bool:
        # Slots do not overlap one another: only the last that starts before ``end`` can reach past ``start``.
        index = bisect.bisect_left(self._starts, end) - 1
        return index >= 0 and self._spans[index][1] > start


def _group_inconsistencies(group_docs: list[DocumentAnalysis], aligner: SlotAligner,
                           max_partners: int = 4) -> list[Inconsistency]:
    found = []
    # The clearest copies reveal most: compare with those first.
    clearest = sorted(group_docs, key=lambda d: (len(d.slots), d.doc))[: max_partners + 1]
    for analysis in group_docs:
        if not analysis.slots:
            continue
        partners = [d for d in clearest if d is not analysis][:max_partners]
        text = analysis.source.text
        for slot in analysis.slots:
            anchors = aligner.anchors(text, slot)
            if anchors is None:
                continue
            for partner in partners:
                revealed = aligner.revealed(anchors, partner)
                if revealed is not None:
                    start, end = revealed
                    found.append(Inconsistency(analysis.doc, slot.slot_id, partner.doc, start, end, partner.source.text[start:end]))
                    break
    return found


def _align_slot(left: str, right: str, other: str, masked=None) -> tuple[tuple[int, int], ...]:
    """Every place, in order, where ``other`` shows, between a slot's clear neighbours ``left``
    and ``right``, something other than a mask (``masked(start, end)``: whether ``other``
    masks that span itself, by its slots)."""
    # str.find runs in C; a regex compiled per slot would dominate a large group.
    found = []
    position = other.find(left)
    while position >= 0:
        start = position + len(left)
        end = other.find(right, start + 1, start + 16 + len(right))
        if end > start:
            value = other[start:end]
            if "\n" not in value and not _MASKISH.search(value) and not (masked and masked(start, end)):
                found.append((start, end))
        position = other.find(left, position + 1)
    return tuple(found)
