"""Measures the linker on real reports: redact them as 000 was, scan, compare to the truth.

    python scripts/evaluate.py ../shared/dev-eval --out reports/eval

The data folder holds unredacted reports ``<id>.txt`` and ``manifest.csv``
(id, province, prefecture, county, level; 省直辖 as the prefecture of a
province-administered city).  Each report is redacted with
:mod:`auditor.redact` into ``OUT/redacted/`` (the inputs are only read), the
redacted folder is audited once, and each document's identity is compared to
the truth, next to a naive baseline that votes for the county holding the most
town names found anywhere in the text.  Writes ``OUT/eval.json`` and
``OUT/eval.md`` and prints the Markdown.

Also (issue 12): the auditor's figures cross-validated by place (5 folds, each
fold audited alone after :func:`fit_linker` on the others: the seam for
whatever gets fitted), and the false alarms of the gate on reports redacted
thoroughly (``OUT/thorough``, ``OUT/thorough-names``).  With ``--excerpts``,
each report is also cut into 500–1,000-character windows at sentence ends
(``OUT/excerpts``), redacted the same way, scanned as one corpus and put
through the gate; a window whose clear text holds a name unique to the true
place is counted as re-identifiable, and those the gate passes are listed.
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import math
import os
import re
import shutil
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from auditor.map.recognizers.codes import CODE_LABELS, code_label  # noqa: E402
from auditor.redact import name_core, names_for, redact_text, split_name  # noqa: E402

MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
# Reliability bins of the issue; the last one is closed at 1.
BINS = ((0.0, 0.5), (0.5, 0.8), (0.8, 0.9), (0.9, 0.99), (0.99, 1.0))
BIN_LABELS = ("0–0.5", "0.5–0.8", "0.8–0.9", "0.9–0.99", "≥0.99")
# Expected calibration error: ten equal-width bins, stated in eval.md.
ECE_BINS = 10
# A wrong answer at or above this confidence is a confident mistake (issue 12).
CONFIDENT = 0.9


class EvaluationError(Exception):
    """A problem with the data or the tree that deserves one line, not a traceback."""


@dataclass
class Truth:
    id: str
    province: str
    prefecture: str
    county: str
    level: str  # county | prefecture

    @property
    def province_administered(self) -> bool:
        return self.prefecture.startswith("省直辖")

    @property
    def path(self) -> str:
        parts = [self.province]
        if self.prefecture and not self.province_administered:
            parts.append(self.prefecture)
        if self.level == "county" and self.county:
            parts.append(self.county)
        return "/".join(parts)


@dataclass
class Prediction:
    """One system's answer on one document, judged against the truth."""

    path: str = ""
    level: str = ""
    confidence: float = 0.0
    county: str = ""  # top-1 at county level ('' when there is none)
    prefecture: str = ""  # top-1 at prefecture level
    county_correct: bool | None = None  # None for prefecture-level documents
    prefecture_correct: bool = False
    level_correct: bool = False
    claim_correct: bool = False  # the true place lies within the predicted one
    anonymity_set: int | None = None
    verdict: str = ""
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Matching places against the gazetteer
# ---------------------------------------------------------------------------


class Places:
    """Resolves '省/市/县' paths to gazetteer units, tolerating renamed units."""

    def __init__(self, gazetteer):
        self.g = gazetteer
        self.by_path: dict[str, int] = {}
        for level in ("province", "prefecture", "county"):
            for uid in gazetteer.units_at(level):
                self.by_path.setdefault(gazetteer.path(uid), uid)

    def same_name(self, a: str, b: str) -> bool:
        if not a or not b:
            return False
        if a == b or name_core(a) == name_core(b):
            return True
        # a former name the gazetteer knows (襄樊 → 襄阳市, 清苑县 → 清苑区)
        return bool(set(self.g.lookup(a)) & set(self.g.lookup(b)))

    def resolve(self, path: str) -> int | None:
        if not path:
            return None
        uid = self.by_path.get(path)
        if uid is not None:
            return uid
        parts = path.split("/")
        matches = []
        for uid in self.g.lookup(parts[-1]):
            if self.g.level_of(uid) not in ("province", "prefecture", "county"):
                continue
            names = self.g.path(uid).split("/")
            if len(names) == len(parts) and all(self.same_name(x, y) for x, y in zip(names, parts)):
                matches.append(uid)
        return matches[0] if len(matches) == 1 else None

    def county(self, uid: int | None) -> int | None:
        return None if uid is None else self.g.county_of(uid)

    def prefecture(self, uid: int | None) -> int | None:
        """The prefecture-level unit holding ``uid``: for a province-administered
        city (仙桃市) the city itself, for a municipality's district the municipality."""
        if uid is None:
            return None
        pref = self.g.prefecture_of(uid)
        if pref is not None:
            return pref
        province = self.g.province_of(uid)
        if province is not None and self.g.units[province].name in MUNICIPALITIES:
            return province
        return self.g.county_of(uid)

    def contains(self, outer: int | None, inner: int | None) -> bool:
        if outer is None or inner is None:
            return False
        level = self.g.level_of(outer)
        return self.g.ancestor(inner, level) == outer


def prefecture_component(path: str, level: str) -> str:
    """The prefecture-level component of a predicted path, read from the string."""
    parts = path.split("/") if path else []
    if not parts:
        return ""
    if parts[0] in MUNICIPALITIES:
        return parts[0]
    if len(parts) >= 3 or (len(parts) == 2 and level == "prefecture"):
        return parts[1]
    if len(parts) == 2 and level == "county":  # 省直辖: the city is its own prefecture
        return parts[1]
    return ""


def county_component(path: str, level: str) -> str:
    parts = path.split("/") if path else []
    if level != "county" or len(parts) < 2:
        return ""
    return parts[-1]


def judge(pred: Prediction, truth: Truth, places: Places, truth_uid: int | None) -> Prediction:
    """Fills the correctness fields of ``pred`` (its path, level and top-1 names set)."""
    true_pref = truth.county if truth.province_administered else truth.prefecture
    pred_uid = places.resolve(pred.path)
    if truth_uid is not None and pred_uid is not None:
        pred.prefecture_correct = _same_prefecture(pred, places, truth_uid)
        if truth.level == "county":
            pred.county_correct = _same_county(pred, places, truth_uid)
        pred.claim_correct = places.contains(pred_uid, truth_uid)
    else:
        # the gazetteer cannot place one side: compare names only
        pred.prefecture_correct = places.same_name(_last(pred.prefecture), true_pref)
        if truth.level == "county":
            pred.county_correct = places.same_name(_last(pred.county), truth.county)
        pred.claim_correct = bool(pred.path) and all(
            places.same_name(a, b) for a, b in zip(pred.path.split("/"), truth.path.split("/"))
        ) and len(pred.path.split("/")) <= len(truth.path.split("/"))
    pred.level_correct = pred.level == truth.level
    return pred


def _last(path: str) -> str:
    return path.rsplit("/", 1)[-1] if path else ""


def _same_prefecture(pred: Prediction, places: Places, truth_uid: int) -> bool:
    uid = places.resolve(pred.prefecture)
    return uid is not None and places.prefecture(uid) == places.prefecture(truth_uid)


def _same_county(pred: Prediction, places: Places, truth_uid: int) -> bool:
    uid = places.resolve(pred.county)
    return uid is not None and places.county(uid) is not None and places.county(uid) == places.county(truth_uid)


# ---------------------------------------------------------------------------
# The naive baseline
# ---------------------------------------------------------------------------


class TownVote:
    """Votes for the county holding the most towns whose full or short name
    occurs anywhere in the text, as plain substrings (no context, no words).

    Names the gazetteer marks as ordinary words (建设, 文化, 团结) are left out:
    with them every vote goes to whichever district has the most slogan-named
    街道 (宁江区 of 松原 wins nearly every report)."""

    def __init__(self, gazetteer):
        import ahocorasick_rs

        self.g = gazetteer
        towns: dict[str, set[int]] = {}
        for index in (gazetteer.full_names(), gazetteer.short_names()):
            for name, uids in index.items():
                if len(name) < 2 or gazetteer.is_common_word(name):
                    continue
                for uid in uids:
                    if gazetteer.level_of(uid) == "town":
                        towns.setdefault(name, set()).add(uid)
        self.names = sorted(towns)
        self.towns = {name: tuple(sorted(uids)) for name, uids in towns.items()}
        # every occurrence, overlapping ones included: a plain substring vote
        self.matcher = ahocorasick_rs.AhoCorasick(self.names)

    def predict(self, text: str) -> Prediction:
        found_towns: set[int] = set()
        names: set[str] = set()
        for index, _, _ in self.matcher.find_matches_as_indexes(text, overlapping=True):
            name = self.names[index]
            names.add(name)
            found_towns.update(self.towns[name])
        votes = Counter(c for c in (self.g.county_of(t) for t in found_towns) if c is not None)
        if not votes:
            return Prediction(extra={"names_found": 0, "votes": 0})
        # ties go to the lower uid, which keeps the run deterministic
        ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
        county, count = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0
        path = self.g.path(county)
        pred = Prediction(
            path=path,
            level="county",
            # the winner's share of the two leading counts: a lone or landslide
            # winner is sure, a near tie a coin toss
            confidence=count / (count + runner_up),
            county=path,
            extra={"names_found": len(names), "towns_found": len(found_towns), "votes": count,
                   "runner_up_votes": runner_up},
        )
        pref = self.g.prefecture_of(county)
        pred.prefecture = self.g.path(pref) if pref is not None else path
        return pred


# ---------------------------------------------------------------------------
# The auditor
# ---------------------------------------------------------------------------


def document_name(path: Path) -> str:
    """The name auditor gives the document at ``path`` (a file of a folder
    given by this path, or the file given itself): the path as given, normalised."""
    from auditor.map.loading import printable_name

    return printable_name(os.path.normpath(path).replace(os.sep, "/"))


def auditor_prediction(identity) -> Prediction:
    if identity is None:
        return Prediction()
    candidates = sorted(identity.candidates, key=lambda c: -c.probability)
    pred = Prediction(
        path=identity.identity or "",
        level=identity.identity_level or "",
        confidence=float(identity.confidence or 0.0),
        anonymity_set=identity.anonymity_set,
        verdict=identity.verdict,
    )
    pred.extra["candidates"] = [
        {"path": c.path, "level": c.level, "probability": round(c.probability, 4)} for c in candidates[:5]
    ]
    # top-1 at a level finer than the decision: the likeliest candidate there
    if pred.level == "county":
        pred.county = pred.path
    else:
        pred.county = next((c.path for c in candidates if c.level == "county"), "")
    if pred.level in ("county", "prefecture"):
        pred.prefecture = _prefecture_path(pred.path, pred.level)
    else:
        pred.prefecture = next(
            (_prefecture_path(c.path, c.level) for c in candidates if c.level in ("prefecture", "county")), ""
        )
    return pred


def _prefecture_path(path: str, level: str) -> str:
    component = prefecture_component(path, level)
    if not component:
        return ""
    parts = path.split("/")
    return "/".join(parts[: parts.index(component) + 1])


def linker_missing() -> list[str]:
    return [m for m in ("auditor.reduce.linker", "auditor.map.clues") if importlib.util.find_spec(m) is None]


# ---------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------


def reliability(preds: list[Prediction]) -> list[dict]:
    rows = []
    for (low, high), label in zip(BINS, BIN_LABELS):
        last = high >= 1.0
        inside = [p for p in preds if low <= p.confidence and (p.confidence < high or (last and p.confidence <= high))]
        rows.append({
            "bin": label,
            "count": len(inside),
            "mean_confidence": _mean([p.confidence for p in inside]),
            "accuracy": _mean([float(p.claim_correct) for p in inside]),
        })
    return rows


def expected_calibration_error(pairs: list[tuple[float, bool]], bins: int = ECE_BINS) -> float | None:
    """ECE over ``bins`` equal-width confidence bins: the share of answers in
    each bin times the gap between its mean confidence and its accuracy, summed.
    ``pairs`` are (confidence, correct); a confidence of 1 falls in the last bin."""
    if not pairs:
        return None
    grouped: dict[int, list[tuple[float, bool]]] = {}
    for confidence, correct in pairs:
        index = min(max(int(confidence * bins), 0), bins - 1)
        grouped.setdefault(index, []).append((confidence, correct))
    gap = 0.0
    for inside in grouped.values():
        mean_confidence = sum(c for c, _ in inside) / len(inside)
        accuracy = sum(1.0 for _, ok in inside if ok) / len(inside)
        gap += len(inside) / len(pairs) * abs(mean_confidence - accuracy)
    return gap


def exact_at_true_level(pred: Prediction) -> bool:
    """The decided identity is the true place itself: right level, and the truth within it."""
    return pred.level_correct and pred.claim_correct


def confident_mistakes(preds: list[Prediction], ids: list[str]) -> list[str]:
    """Ids of the documents answered wrongly with confidence ≥ CONFIDENT."""
    return [i for i, p in zip(ids, preds) if not p.claim_correct and p.confidence >= CONFIDENT]


def summary(preds: list[Prediction], ids: list[str] | None = None) -> dict:
    county = [p.county_correct for p in preds if p.county_correct is not None]
    county_docs = [p for p in preds if p.county_correct is not None]
    prefecture_docs = [p for p in preds if p.county_correct is None]
    ids = ids if ids is not None else [str(i) for i in range(len(preds))]
    return {
        "documents": len(preds),
        "county_top1": _mean([float(c) for c in county]),
        "county_correct": sum(county),
        "county_documents": len(county),
        "prefecture_top1": _mean([float(p.prefecture_correct) for p in preds]),
        "prefecture_correct": sum(p.prefecture_correct for p in preds),
        "level_accuracy": _mean([float(p.level_correct) for p in preds]),
        "claim_accuracy": _mean([float(p.claim_correct) for p in preds]),
        "brier": _mean([(p.confidence - float(p.claim_correct)) ** 2 for p in preds]),
        "reliability": reliability(preds),
        "top1_true_level_county": _mean([float(exact_at_true_level(p)) for p in county_docs]),
        "top1_true_level_county_correct": sum(exact_at_true_level(p) for p in county_docs),
        "top1_true_level_prefecture": _mean([float(exact_at_true_level(p)) for p in prefecture_docs]),
        "top1_true_level_prefecture_correct": sum(exact_at_true_level(p) for p in prefecture_docs),
        "prefecture_documents": len(prefecture_docs),
        "ece": expected_calibration_error([(p.confidence, p.claim_correct) for p in preds]),
        "wrong_confident": confident_mistakes(preds, ids),
    }


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _mark(value: bool | None) -> str:
    return "–" if value is None else ("✓" if value else "✗")


def _short(path: str) -> str:
    return path or "(none)"


# (key, label) of the summary rows, in the order shown.
SUMMARY_ROWS = (
    ("county_top1", "county top-1"), ("prefecture_top1", "prefecture top-1"),
    ("level_accuracy", "level accuracy"), ("claim_accuracy", "identity correct"), ("brier", "Brier score"),
    ("top1_true_level_county", "top-1 at the true level, county reports"),
    ("top1_true_level_prefecture", "top-1 at the true level, prefecture reports"),
    ("ece", f"ECE ({ECE_BINS} equal-width bins)"),
    ("wrong_confident", f"wrong with confidence ≥ {CONFIDENT}"),
)


def _summary_cell(s: dict, key: str) -> str:
    value = s[key]
    if key == "wrong_confident":
        return str(len(value))
    cell = _fmt(value)
    counts = {"county_top1": ("county_correct", "county_documents"),
              "prefecture_top1": ("prefecture_correct", "documents"),
              "top1_true_level_county": ("top1_true_level_county_correct", "county_documents"),
              "top1_true_level_prefecture": ("top1_true_level_prefecture_correct", "prefecture_documents")}
    if key in counts:
        right, total = counts[key]
        cell += f" ({s[right]}/{s[total]})"
    return cell


def summary_table(systems: list[tuple[str, dict]]) -> list[str]:
    out = ["| | " + " | ".join(name for name, _ in systems) + " |", "|---" * (len(systems) + 1) + "|"]
    for key, label in SUMMARY_ROWS:
        out.append(f"| {label} | " + " | ".join(_summary_cell(s, key) for _, s in systems) + " |")
    for name, s in systems:
        if s["wrong_confident"]:
            out.append(f"\nWrong with confidence ≥ {CONFIDENT} ({name}): " + ", ".join(s["wrong_confident"]) + ".")
    return out


def reliability_tables(systems: list[tuple[str, dict]]) -> list[str]:
    out = []
    for name, s in systems:
        out += ["", f"### Reliability of `confidence` ({name})", "",
                "| confidence | count | mean confidence | accuracy |", "|---|---|---|---|"]
        for row in s["reliability"]:
            out.append(f"| {row['bin']} | {row['count']} | {_fmt(row['mean_confidence'])} | {_fmt(row['accuracy'])} |")
    return out


def markdown(truths: list[Truth], auditor: list[Prediction] | None, baseline: list[Prediction],
             sums: dict, note: str = "") -> str:
    out = ["# Linker evaluation on redacted real reports", ""]
    if note:
        out += [f"> {note}", ""]
    out += ["## Documents", ""]
    if auditor is not None:
        out.append("| id | truth | predicted | level | confidence | anonymity set | county ✓ | prefecture ✓ "
                   "| baseline | baseline ✓ |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        for t, a, b in zip(truths, auditor, baseline):
            out.append(
                f"| {t.id} | {t.path} | {_short(a.path)} | {a.level or '–'} | {a.confidence:.3f} "
                f"| {_fmt(a.anonymity_set)} | {_mark(a.county_correct)} | {_mark(a.prefecture_correct)} "
                f"| {_short(b.path)} | {_mark(b.county_correct)}/{_mark(b.prefecture_correct)} |"
            )
    else:
        out.append("| id | truth | baseline | towns found | votes | county ✓ | prefecture ✓ |")
        out.append("|---|---|---|---|---|---|---|")
        for t, b in zip(truths, baseline):
            out.append(
                f"| {t.id} | {t.path} | {_short(b.path)} | {b.extra.get('towns_found', 0)} "
                f"| {b.extra.get('votes', 0)} | {_mark(b.county_correct)} | {_mark(b.prefecture_correct)} |"
            )
    out += ["", "## Summary", ""]
    systems = [("auditor", sums.get("auditor")), ("baseline", sums["baseline"])]
    systems = [(name, s) for name, s in systems if s is not None]
    out += summary_table(systems)
    out += reliability_tables(systems)
    out += ["", "These are in-sample figures: the numbers shipped in rules/ were fitted on these reports "
            "(`--write-fit`); quote the cross-validated section below instead. "
            "Top-1 at the true level: the decided identity is the true place itself, at its level. "
            f"ECE: {ECE_BINS} equal-width confidence bins, each bin's |mean confidence − accuracy| weighted by "
            "its share of the documents."]
    out += ["", "County top-1 counts county-level reports only; prefecture top-1 all reports. "
            "A top-1 below the decided level is the likeliest candidate at that level. "
            "Calibration scores whether the true place lies within the decided one "
            "(baseline confidence: the winner's share of the two leading vote counts).", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------
# Cross-validation by place
# ---------------------------------------------------------------------------

FOLDS = 5


@dataclass(frozen=True)
class Fold:
    index: int
    training: tuple[Truth, ...]
    held_out: tuple[Truth, ...]


def place_of(truth: Truth) -> str:
    """The prefecture-level place a report is about: every report of one place
    (a prefecture and its counties, all years) falls in one fold, so a held-out
    report's place was never seen in training."""
    if truth.province_administered or truth.province in MUNICIPALITIES:
        return f"{truth.province}/{truth.county or truth.prefecture}"
    return f"{truth.province}/{truth.prefecture}"


def folds_by_place(truths: list[Truth], k: int = FOLDS) -> list[Fold]:
    """k folds, each place's reports kept together; the largest places are dealt
    first to the smallest fold (ties: lowest index), so the folds are balanced and
    the split is the same on every run."""
    places: dict[str, list[Truth]] = {}
    for truth in truths:
        places.setdefault(place_of(truth), []).append(truth)
    buckets: list[list[Truth]] = [[] for _ in range(k)]
    for _, members in sorted(places.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        smallest = min(range(k), key=lambda i: (len(buckets[i]), i))
        buckets[smallest].extend(members)
    held = [{t.id for t in bucket} for bucket in buckets]
    return [Fold(i, tuple(t for t in truths if t.id not in held[i]), tuple(t for t in truths if t.id in held[i]))
            for i in range(k) if held[i]]


# The clue rates tried (clues.toml [weights] local_rate × general_rate): each
# pair is scored on the training folds, the best kept.
RATE_GRID = tuple((local, general) for local in (1e3, 1e4, 1e5, 1e6, 1e7) for general in (0.3, 3.0, 30.0, 300.0))
# Regularisation of the two logistic fits (scikit-learn's C), chosen on the training folds by inner CV.
C_GRID = (0.01, 0.1, 1.0, 10.0, 100.0)
_FLOOR = 1e-6  # a probability below this counts as this in log-likelihoods and logits
CLEAR = "clear:"  # the id prefix of a report scanned in clear


@dataclass(frozen=True)
class LinkerFit:
    """What was fitted on a fold's training reports: the clue rates, the level
    model (rules.LEVEL_FEATURES, in order) and the Platt calibration of the top posterior."""

    training_ids: tuple[str, ...]
    local_rate: float = 0.0
    general_rate: float = 0.0
    level_model: tuple[float, ...] = ()
    calibration: tuple[float, float] = (1.0, 0.0)

    def rules(self, base):
        """``base`` (auditor.rules.Rules) with the fitted numbers in place of the shipped ones."""
        weights = {**base.clues.weights, "local_rate": self.local_rate, "general_rate": self.general_rate}
        linker = replace(base.linker, level_model=self.level_model, calibration=self.calibration)
        return replace(base, clues=replace(base.clues, weights=weights), linker=linker)


@dataclass
class Outcome:
    """One report as the linker saw it under one pair of rates, before any level or calibration."""

    truth_probability: float  # the posterior of the truth at its true level
    features: tuple[float, ...]
    county_top: tuple[int | None, float]
    prefecture_top: tuple[int | None, float]


@dataclass(frozen=True)
class Scanned:
    """A folder of documents audited once: ``folder/<truth.id>.txt`` for each truth."""

    folder: Path
    truths: tuple[Truth, ...]
    result: object  # auditor.AuditResult


class ScannedCorpus:
    """The redacted reports scanned once (slots and clues); linking them again
    under other numbers costs a second, not a scan."""

    def __init__(self, truths: list[Truth], places: "Places", truth_uids: dict, redacted: "Scanned",
                 windows: "Scanned | None" = None, clear: "Scanned | None" = None):
        """``redacted``, ``windows``, ``clear``: the folders as audited already
        (each once in `make eval`, shared with its other figures)."""
        self.truths = {t.id: t for t in truths}
        self.places = places
        self.truth_uids = dict(truth_uids)
        self.analyses = {}
        # Each report's windows (its excerpts), by report id.
        self.windows: dict[str, list[str]] = {t.id: [] for t in truths}
        window_truths = windows.truths if windows is not None else ()
        for scanned, prefix in ((redacted, ""), (windows, ""), (clear, CLEAR)):
            if scanned is None:
                continue
            for t in scanned.truths:
                self.analyses[prefix + t.id] = scanned.result.analysis(document_name(scanned.folder / f"{t.id}.txt"))
        # The reports in clear (``clear:<id>``) are documents a user scans as
        # well (seeds 002–004), whose level the level model must get right.
        if clear is not None:
            for t in truths:
                self.truths[CLEAR + t.id] = t
                self.truth_uids[CLEAR + t.id] = truth_uids[t.id]
        for t in window_truths:
            report = t.id.rsplit("__w", 1)[0]
            self.truths[t.id] = t
            self.truth_uids[t.id] = truth_uids[report]
            self.windows[report].append(t.id)
        from auditor.rules import load_rules

        self.base_rules = load_rules()
        self._outcomes: dict[tuple, dict[str, Outcome]] = {}

    def link(self, ids, rules) -> dict[str, object]:
        """The documents ``ids`` linked on their own (no other report in the corpus) under ``rules``."""
        from auditor.reduce.linker import infer_identities

        analyses = [self.analyses[i] for i in ids]
        inferences = infer_identities(analyses, rules, gazetteer=self.places.g)
        return {i: inferences[a.doc] for i, a in zip(ids, analyses)}

    def link_by_report(self, ids, rules) -> dict[str, object]:
        """Each report of ``ids`` linked on its own with its own windows among ``ids``
        (a report and its excerpts are not copies of each other, but one
        publisher's; other reports never share a corpus with them)."""
        by_report: dict[str, list[str]] = {}
        for i in ids:
            by_report.setdefault(i.rsplit("__w", 1)[0], []).append(i)
        found = {}
        for members in by_report.values():
            found.update(self.link(members, rules))
        return found

    def outcomes(self, folds: list[Fold], rates: tuple[float, float]) -> dict[str, Outcome]:
        """Every report's outcome under ``rates``, each fold linked alone."""
        if rates not in self._outcomes:
            # Neither the shipped level model nor its calibration (fitted on every
            # report, the held-out ones too) may shape what the folds are fitted on.
            from auditor.rules import LEVEL_FEATURES

            fit = LinkerFit((), *rates, tuple(0.0 for _ in LEVEL_FEATURES), (1.0, 0.0))
            rules = fit.rules(self.base_rules)
            found = {}
            for fold in folds:
                for ids in ([t.id for t in fold.held_out], [CLEAR + t.id for t in fold.held_out]):
                    if all(i in self.analyses for i in ids):
                        for i, inference in self.link(ids, rules).items():
                            found[i] = self._outcome(i, inference)
            windows = [w for members in self.windows.values() for w in members]
            for w, inference in self.link_by_report(windows, rules).items():
                found[w] = self._outcome(w, inference)
            self._outcomes[rates] = found
        return self._outcomes[rates]

    def _outcome(self, i: str, inference) -> Outcome:
        truth, uid = self.truths[i], self.truth_uids[i]
        if truth.level == "county":
            target, posterior = self.places.county(uid), inference.county
        else:
            target, posterior = self.places.prefecture(uid), inference.prefecture
        p = posterior.probabilities.get(target, posterior.rest_each) if target is not None else 0.0
        return Outcome(p, inference.level_features, inference.county.top(), inference.prefecture.top())


def _fit_logistic(X: list[list[float]], y: list[int], intercept: bool = False) -> tuple[float, ...]:
    """Logistic weights, C chosen by 5-fold inner cross-validation (stratified) on log-loss."""
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV

    if len(set(y)) < 2:  # one class only: nothing to tell apart
        raise EvaluationError("a training fold holds only one class; cannot fit")
    folds = min(5, min(y.count(0), y.count(1)))
    if folds >= 2:
        model = LogisticRegressionCV(Cs=list(C_GRID), cv=folds, scoring="neg_log_loss", fit_intercept=intercept,
                                     max_iter=5000, l1_ratios=(0.0,), use_legacy_attributes=False)
    else:
        model = LogisticRegression(C=1.0, fit_intercept=intercept, max_iter=5000)
    model.fit(X, y)
    weights = tuple(float(w) for w in model.coef_[0])
    return weights + ((float(model.intercept_[0]),) if intercept else ())


def _logit(p: float) -> float:
    p = min(max(p, _FLOOR), 1.0 - _FLOOR)
    return math.log(p / (1.0 - p))


def fit_linker(training: tuple[Truth, ...], corpus: ScannedCorpus, folds: list[Fold]) -> LinkerFit:
    """Fits on ``training`` only: the rates that give the truth the highest
    likelihood, then the level model, then the calibration of the top posterior
    at the level that model decides."""
    ids = [t.id for t in training]
    places, uids = corpus.places, corpus.truth_uids

    windows = [w for i in ids for w in corpus.windows.get(i, [])]

    def score(rates):
        """The mean log-likelihood of the truth over the reports, plus the same
        over their windows: long reports alone reward any rate high enough,
        excerpts show what a rate too high does with a stray clue."""
        outcomes = corpus.outcomes(folds, rates)
        mean = lambda members: sum(math.log(max(outcomes[i].truth_probability, _FLOOR))  # noqa: E731
                                   for i in members) / max(1, len(members))
        return mean(ids) + mean(windows)

    rates = max(RATE_GRID, key=lambda r: (score(r), -r[0], r[1]))
    outcomes = corpus.outcomes(folds, rates)
    # The level is learnt from the reports as redacted and, where scanned, in clear.
    level_ids = ids + [CLEAR + i for i in ids if CLEAR + i in outcomes]
    X = [list(outcomes[i].features) for i in level_ids]
    y = [int(corpus.truths[i].level == "prefecture") for i in level_ids]
    level_model = _fit_logistic(X, y)
    # The calibration needs answers of every confidence: whole reports are
    # almost all certain, so their windows (excerpts of the training reports
    # only) are linked too, under the fitted rates and level model.
    uncalibrated = LinkerFit(tuple(ids), rates[0], rates[1], level_model, (1.0, 0.0))
    members = ids + [w for i in ids for w in corpus.windows.get(i, [])]
    inferences = corpus.link_by_report(members, uncalibrated.rules(corpus.base_rules))
    pairs = []
    for i in members:
        inference = inferences[i]
        if inference.decided_uid is None:
            continue
        level = inference.identity.identity_level
        top_p = (inference.county if level == "county" else inference.prefecture).top()[1]
        pairs.append((top_p, places.contains(inference.decided_uid, uids[i])))
    slope, intercept = platt(pairs)
    return LinkerFit(tuple(ids), rates[0], rates[1], level_model, (slope, intercept))


def platt(pairs: list[tuple[float, bool]]) -> tuple[float, float]:
    """Platt's calibration of (probability, correct) pairs: a logistic fit on the
    logit, against Platt's smoothed targets ((N₊ + 1)/(N₊ + 2) for a right
    answer, 1/(N₋ + 2) for a wrong one), so that a fold with few wrong answers
    still gets a finite fit."""
    from sklearn.linear_model import LogisticRegression

    positives = sum(1 for _, ok in pairs if ok)
    negatives = len(pairs) - positives
    high, low = (positives + 1) / (positives + 2), 1 / (negatives + 2)
    X, y, weight = [], [], []
    for p, ok in pairs:
        target = high if ok else low
        X += [[_logit(p)], [_logit(p)]]
        y += [1, 0]
        weight += [target, 1 - target]
    model = LogisticRegression(C=1e4, max_iter=5000).fit(X, y, sample_weight=weight)
    return float(model.coef_[0][0]), float(model.intercept_[0])


def predict_held_out(fit: LinkerFit, held_out: tuple[Truth, ...], corpus: ScannedCorpus) -> dict[str, Prediction]:
    """The held-out reports linked on their own (no training report in the
    corpus, so no near-duplicate of a seen report helps) under ``fit``, and
    each held-out report's windows beside it. A window's prediction records in
    ``extra`` whether the gate's verdict rules would fail it (``fails``: its
    verdict under the default K is re-identified or at-risk, or it names its own
    place) and whether a reader could re-identify it (``reidentifiable``)."""
    from auditor.output.gate import Policy

    rules = fit.rules(corpus.base_rules)
    ids = [t.id for t in held_out]
    found = {}
    for i, inference in corpus.link(ids, rules).items():
        found[i] = judge(auditor_prediction(inference.identity), corpus.truths[i], corpus.places, corpus.truth_uids[i])
    window_ids = [w for i in ids for w in corpus.windows.get(i, [])]
    policy = Policy()
    g = corpus.places.g
    for w, inference in corpus.link_by_report(window_ids, rules).items():
        identity = inference.identity
        pred = judge(auditor_prediction(identity), corpus.truths[w], corpus.places, corpus.truth_uids[w])
        pred.extra.update({
            "window": True,
            "masked": identity.n_slots > 0,
            "fails": policy.verdict(identity) in ("re-identified", "at-risk") or bool(identity.names_own_place),
            "reidentifiable": [c.text for c in reidentifying_clues(corpus.analyses[w].clues, corpus.truth_uids[w], g)][:3],
        })
        found[w] = pred
    return found


def held_out_windows(predictions: dict[str, Prediction]) -> dict:
    """The held-out windows' figures: top-1 and calibration, and the
    re-identifiable windows the verdict rules pass (masked ones; those with no
    mask are counted apart, as the gate calls them not anonymised)."""
    windows = {i: p for i, p in predictions.items() if p.extra.get("window")}
    ids = sorted(windows)
    sums = summary([windows[i] for i in ids], ids)
    reidentifiable = [i for i in ids if windows[i].extra["reidentifiable"]]
    masked = [i for i in reidentifiable if windows[i].extra["masked"]]
    passed = [i for i in masked if not windows[i].extra["fails"]]
    sums.update({
        "windows": len(ids), "reidentifiable": len(reidentifiable), "reidentifiable_masked": len(masked),
        "reidentifiable_unmasked": len(reidentifiable) - len(masked), "reidentifiable_passed": len(passed),
        "passed_examples": [{"window": i, "verdict": windows[i].verdict, "confidence": round(windows[i].confidence, 3),
                             "clues": windows[i].extra["reidentifiable"]} for i in passed[:20]],
    })
    return sums


def fitted_rules_text(fit: LinkerFit) -> dict[str, str]:
    """The fitted numbers as they go into rules/ (``--write-fit``): file → {key: value} lines."""
    from auditor.rules import LEVEL_FEATURES

    return {
        "clues.toml": {"local_rate": f"{fit.local_rate:g}", "general_rate": f"{fit.general_rate:g}"},
        "linker.toml": {"slope": f"{fit.calibration[0]:.4f}", "intercept": f"{fit.calibration[1]:.4f}",
                        **{name: f"{w:.4f}" for name, w in zip(LEVEL_FEATURES, fit.level_model)}},
    }


def write_fit(fit: LinkerFit, rules_dir: Path) -> None:
    """Writes the fitted numbers into the rule files, each ``key = value`` line
    of the sections that hold them replaced, comments kept."""
    sections = {"clues.toml": ("[weights]",), "linker.toml": ("[risk.calibration]", "[level.model]")}
    for name, values in fitted_rules_text(fit).items():
        path = rules_dir / name
        lines, section = [], ""
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
            stripped = line.strip()
            if stripped.startswith("["):
                section = stripped
            key = stripped.split("=", 1)[0].strip() if "=" in stripped and not stripped.startswith("#") else ""
            if section in sections[name] and key in values:
                line = f"{key} = {values[key]}\n"
            lines.append(line)
        tmp = path.with_suffix(".tmp")
        tmp.write_text("".join(lines), encoding="utf-8")
        os.replace(tmp, path)


def cross_validate(folds: list[Fold], fit, predict) -> dict[str, Prediction]:
    """Each report's prediction from the fold that held it out:
    ``predict(fit(fold.training), fold.held_out)``."""
    predictions: dict[str, Prediction] = {}
    for fold in folds:
        predictions.update(predict(fit(fold.training), fold.held_out))
    return predictions


# ---------------------------------------------------------------------------
# Excerpts: 500–1,000-character windows
# ---------------------------------------------------------------------------

WINDOW_MIN, WINDOW_MAX = 500, 1000
# A sentence ends at one of these (closing quotes and brackets kept with it) or at a line break.
_SENTENCE_END = re.compile(r"[。！？!?；;]+[”’」』）)]*|\n+")


def sentences(text: str) -> list[str]:
    """``text`` cut after each sentence end; the pieces join back to ``text``."""
    pieces, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        pieces.append(text[start:m.end()])
        start = m.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def windows(text: str, low: int = WINDOW_MIN, high: int = WINDOW_MAX) -> list[str]:
    """Consecutive windows of whole sentences, each ``low``–``high`` characters
    once stripped: sentences are added until the window reaches ``low``; a
    sentence that would take it past ``high`` starts a new one. A window that
    cannot reach ``low`` (the tail, or around a sentence longer than ``high``)
    is dropped, so every window is a text a publisher could excerpt."""
    found, current = [], ""
    for sentence in sentences(text):
        if len((current + sentence).strip()) > high:
            current = ""
            if len(sentence.strip()) > high:
                continue
        current += sentence
        if len(current.strip()) >= low:
            found.append(current.strip())
            current = ""
    return found


def sole_place(candidates: tuple[int, ...], gazetteer) -> int | None:
    """The one unit a name points at, read at county level (a town's county, a
    county itself, a prefecture or province as named), or None when the name's
    bearers lie in more than one."""
    units = set()
    for uid in candidates:
        county = gazetteer.county_of(uid)
        units.add(county if county is not None else uid)
        if len(units) > 1:
            return None
    return units.pop() if units else None


def reidentifying_clues(clues, truth_uid: int | None, gazetteer) -> list:
    """The clues in clear whose every bearer lies in one county-level unit that is
    the true place or lies inside it: one of them lets a reader name the place."""
    if truth_uid is None:
        return []
    found = []
    for clue in clues:
        unit = sole_place(tuple(clue.candidates), gazetteer)
        if unit is not None and (unit == truth_uid or gazetteer.ancestor(unit, gazetteer.level_of(truth_uid)) == truth_uid):
            found.append(clue)
    return found


def write_windows(folder: Path, truths: list[Truth], target: Path, keep_length: bool = False) -> list[Truth]:
    """Each report cut into windows, each redacted as the full report is, written
    as ``<id>__wNNN.txt``; returns the windows' truths (the report's place)."""
    _fresh(folder, target)
    window_truths = []
    for truth in truths:
        text = _read_report(folder, truth)
        for n, window in enumerate(windows(text)):
            window_truth = replace(truth, id=f"{truth.id}__w{n:03d}")
            redacted = redact_text(window, _names(truth), keep_length=keep_length)
            (target / f"{window_truth.id}.txt").write_text(redacted, encoding="utf-8")
            window_truths.append(window_truth)
    return window_truths


# The mask-length settings tried ([mask_length] min_slots × mismatch_ratio);
# a ratio of 1 is the channel off.
MASK_LENGTH_GRID = tuple((slots, ratio) for slots in (1, 3) for ratio in (0.05, 0.2, 0.5)) + ((3, 1.0),)


def mask_length_evaluation(folder: Path, truths: list[Truth], out: Path, workers: int, places: "Places",
                           truth_uids: dict) -> dict:
    """The reports and their windows masked one glyph per hidden character
    (忻州市 → ××市), linked under each setting of MASK_LENGTH_GRID. Held out:
    per fold of folds_by_place, the setting with the best top-1 at the true
    level on the training reports' windows, scored on the held-out reports'
    windows, beside the channel off (mismatch_ratio 1)."""
    import auditor
    from auditor.rules import load_rules

    rules = load_rules()
    target = out / "redacted-length"
    _fresh(folder, target)
    for truth in truths:
        text = redact_text(_read_report(folder, truth), _names(truth), keep_length=True)
        (target / f"{truth.id}.txt").write_text(text, encoding="utf-8")
    window_truths = write_windows(folder, truths, out / "excerpts-length", keep_length=True)
    corpus = [(target, t) for t in truths] + [(out / "excerpts-length", t) for t in window_truths]
    outcomes: dict[tuple, dict[str, Prediction]] = {}
    read: dict[tuple, int] = {}
    for setting in MASK_LENGTH_GRID:
        slots, ratio = setting
        chosen = replace(rules, linker=replace(rules.linker, mask_length_min_slots=slots,
                                               mask_length_mismatch_ratio=ratio))
        results = {folder_: auditor.audit([folder_], rules=chosen, workers=workers)
                   for folder_ in (target, out / "excerpts-length")}
        outcomes[setting], read[setting] = {}, 0
        for where, t in corpus:
            identity = results[where].identity(document_name(where / f"{t.id}.txt"))
            read[setting] += bool(identity.mask_lengths) and ratio < 1.0
            key = ("report:" if where == target else "") + t.id
            outcomes[setting][key] = judge(auditor_prediction(identity), t, places, truth_uids[t.id.rsplit("__w", 1)[0]])
    windows_of = {t.id: [w.id for w in window_truths if w.id.rsplit("__w", 1)[0] == t.id] for t in truths}
    off = (3, 1.0)

    def score(setting, reports) -> float:
        ids = [w for r in reports for w in windows_of[r.id]]
        return sum(exact_at_true_level(outcomes[setting][i]) for i in ids) / max(1, len(ids))

    held: dict[str, Prediction] = {}
    chosen_settings = []
    for fold in folds_by_place(truths):
        # ties go to the weaker channel (the larger ratio), then to the fewer documents read
        best = max(MASK_LENGTH_GRID, key=lambda st: (score(st, fold.training), st[1], st[0]))
        chosen_settings.append(best)
        for t in fold.held_out:
            held.update({w: outcomes[best][w] for w in windows_of[t.id]})
            held["report:" + t.id] = outcomes[best]["report:" + t.id]
    figures = {}
    for name, preds in (("held out, chosen per fold", held),
                        ("channel off", {k: outcomes[off][k] for k in held})):
        for part, keys in (("reports", [k for k in preds if k.startswith("report:")]),
                           ("excerpts", [k for k in preds if not k.startswith("report:")])):
            figure = summary([preds[k] for k in keys])
            figures[f"{part}, {name}"] = {
                "documents": len(keys), "top1_county": figure["top1_true_level_county"],
                "top1_prefecture": figure["top1_true_level_prefecture"], "ece": figure["ece"],
                "wrong_confident": len(figure["wrong_confident"]),
            }
    on_all = max(MASK_LENGTH_GRID, key=lambda st: (score(st, truths), st[1], st[0]))
    figures["settings"] = {"chosen per fold": [list(st) for st in chosen_settings], "fit on all": list(on_all),
                           "documents read": {f"{st[0]}, {st[1]}": read[st] for st in MASK_LENGTH_GRID if st[1] < 1}}
    return figures


def mask_length_markdown(figures: dict) -> list[str]:
    settings = figures["settings"]
    out = ["", "## Masks that keep the length of the name", "",
           "The reports and windows masked one glyph per hidden character (忻州市 → ××市). Held out: per fold, "
           "the [mask_length] setting (min_slots, mismatch_ratio) with the best top-1 on the training reports' "
           "windows, scored on the held-out reports and their windows; beside it the channel off.", "",
           "| | documents | top-1 county | top-1 prefecture | ECE | wrong ≥ 0.9 |", "|---|---|---|---|---|---|"]
    for name, f in figures.items():
        if name == "settings":
            continue
        out.append(f"| {name} | {f['documents']} | {_fmt(f['top1_county'])} | "
                   f"{_fmt(f['top1_prefecture'])} | {_fmt(f['ece'])} | {f['wrong_confident']} |")
    out += ["", "Chosen per fold: " + "; ".join(f"{a}, {b}" for a, b in settings["chosen per fold"]) + "; "
            "on all reports (what rules/linker.toml should hold): " + ", ".join(map(str, settings["fit on all"])) + ". "
            "Documents (reports and windows) where the channel was read, per setting: "
            + "; ".join(f"{k}: {v}" for k, v in settings["documents read"].items()) + "."]
    return out


def excerpt_evaluation(windows: "Scanned", truths: list[Truth], places: "Places", gazetteer) -> dict:
    """The windows (written by :func:`write_windows`), scanned as one corpus
    under the numbers shipped in rules/, put through the gate of `auditor check`."""
    from auditor.output.gate import evaluate as gate_evaluate, resolve_policy

    target, window_truths, result = windows.folder, windows.truths, windows.result
    uids = {t.id: places.resolve(t.path) for t in truths}
    gate = gate_evaluate(result, resolve_policy(None, None))
    preds, passed_examples, reidentifiable, unmasked, passed = [], [], 0, 0, 0
    for t in window_truths:
        doc = document_name(target / f"{t.id}.txt")
        truth_uid = uids[t.id.rsplit("__w", 1)[0]]
        preds.append(judge(auditor_prediction(result.identity(doc)), t, places, truth_uid))
        giveaway = reidentifying_clues(result.analysis(doc).clues, truth_uid, gazetteer)
        if not giveaway:
            continue
        reidentifiable += 1
        verdict = gate.document(doc)
        if not result.analysis(doc).slots:
            unmasked += 1  # no mask left in the window: not anonymised, counted apart
            continue
        if not verdict.failed:
            passed += 1
            passed_examples.append({"window": t.id, "truth": t.path, "status": verdict.status,
                                    "clues": [c.text for c in giveaway[:3]]})
    sums = summary(preds, [t.id for t in window_truths])
    sums.update({"windows": len(window_truths), "reidentifiable": reidentifiable,
                 "reidentifiable_unmasked": unmasked, "reidentifiable_passed": passed,
                 "passed_examples": passed_examples,
                 "gate_passed": sum(1 for d in gate.documents if not d.failed)})
    return sums


# The kinds of clue, geography by its relation (as geography.py words it) and codes by what they are.
_GEOGRAPHY_WORDS = (("geography: inside", "inside "), ("geography: border", "borders "),
                    ("geography: distance", "about "))
CLUE_KINDS = ("admin", "abbreviation", "landmark", "zone", "old-name", *(kind for kind, _ in _GEOGRAPHY_WORDS),
              *(f"code: {label}" for label in CODE_LABELS))


def clue_kind(clue) -> str:
    """The kind a clue is counted under in the figures (CLUE_KINDS)."""
    if clue.kind == "code":
        return f"code: {code_label(clue.rule)}"
    if clue.kind == "geography":
        return next((kind for kind, words in _GEOGRAPHY_WORDS if clue.rule.startswith(words)), clue.kind)
    return clue.kind


def clue_kind_figures(result, files: dict[str, Path], places: "Places", truth_uids: dict) -> dict[str, dict]:
    """Per clue kind (issue 13): in how many reports it fired, and of the
    distinct clue texts it found per report, how many point into the true
    prefecture-level place (a candidate inside it) — how often the kind tells
    the truth."""
    figures = {kind: {"documents": 0, "clues": 0, "pointing_home": 0} for kind in CLUE_KINDS}
    for truth_id, path in files.items():
        home = places.prefecture(truth_uids.get(truth_id))
        seen: dict[str, set[str]] = {kind: set() for kind in CLUE_KINDS}
        for clue in result.analysis(document_name(path)).clues:
            kind = clue_kind(clue)
            if kind in seen and clue.candidates and clue.text not in seen[kind]:
                seen[kind].add(clue.text)
                figure = figures[kind]
                figure["clues"] += 1
                if home is not None and any(uid == home or places.contains(home, uid) for uid in clue.candidates):
                    figure["pointing_home"] += 1
        for kind, texts in seen.items():
            figures[kind]["documents"] += bool(texts)
    return figures


def clue_kind_markdown(ways: dict[str, dict]) -> list[str]:
    out = ["", "## Clue kinds", "",
           "Per kind of clue: the reports it fired in, the distinct clue texts it found (per report), and the "
           "share of those pointing into the report's true prefecture-level place.", "",
           "| kind | " + " | ".join(ways) + " |", "|---|" + "---|" * len(ways)]
    for kind in CLUE_KINDS:
        cells = []
        for figures in ways.values():
            f = figures[kind]
            share = f"{f['pointing_home'] / f['clues']:.2f}" if f["clues"] else "–"
            cells.append(f"{f['documents']} reports, {f['clues']} clues, {share} home")
        out.append(f"| {kind} | " + " | ".join(cells) + " |")
    return out


def held_out_markdown(sums: dict, shipped: dict | None = None) -> list[str]:
    out = ["", f"## Held out: {len(sums['folds'])}-fold cross-validation by place", "",
           "For each fold, `fit_linker` fits on the other folds only (the clue rates of clues.toml [weights] by the "
           "likelihood of the truth, the level model and the Platt calibration of linker.toml by logistic "
           "regression, C chosen by inner cross-validation), and the fold's reports are then linked on their own "
           "under that fit; a place's reports (a prefecture, its counties, every year) stay in one fold. These are "
           "the figures to quote. The in-sample figures above use the numbers shipped in rules/, fitted on all "
           "reports.", ""]
    out += summary_table([("auditor, held out", sums)])
    out += reliability_tables([("auditor, held out", sums)])
    out += ["", "Fitted per fold (local_rate, general_rate; level model; calibration slope, intercept):", ""]
    for index, fit in enumerate(sums.get("fits", [])):
        out.append(f"- fold {index}: {fit['local_rate']:g}, {fit['general_rate']:g}; "
                   f"{', '.join(f'{w:.2f}' for w in fit['level_model'])}; "
                   f"{fit['calibration'][0]:.3f}, {fit['calibration'][1]:.3f}")
    if shipped:
        out.append(f"- all reports (shipped): {shipped['local_rate']:g}, {shipped['general_rate']:g}; "
                   f"{', '.join(f'{w:.2f}' for w in shipped['level_model'])}; "
                   f"{shipped['calibration'][0]:.3f}, {shipped['calibration'][1]:.3f}")
    return out


def excerpt_markdown(held: dict, shipped: dict | None) -> list[str]:
    out = ["", "## Excerpts: 500–1,000-character windows", "",
           f"{held['windows']} windows cut at sentence ends and redacted as the full reports are. A window is "
           "*re-identifiable* when its clear text holds a name every bearer of which lies in one county-level unit "
           "that is the true place or lies inside it; a window with no mask left is not anonymised, and counted "
           "apart.", "",
           "**Held out**: each window linked beside the other windows of its report only, under the fit of the "
           "folds that did not hold its report; *fails* is the verdict rule of the gate (re-identified or at-risk "
           "under K = 5, or names-own-place).", ""]
    out += summary_table([("windows, held out", held)])
    out += reliability_tables([("windows, held out", held)])
    out += ["", "| | windows, held out |", "|---|---|",
            f"| re-identifiable | {held['reidentifiable']} |",
            f"| of which with no mask left (not anonymised) | {held['reidentifiable_unmasked']} |",
            f"| **re-identifiable, masked, passed** | **{held['reidentifiable_passed']}** |", ""]
    out += [f"- {e['window']} ({e['verdict']}, {e['confidence']}): {'、'.join(e['clues'])}"
            for e in held["passed_examples"][:10]]
    if shipped:
        out += ["", f"**The gate of `auditor check`** (default policy, the numbers shipped in rules/, so in-sample), "
                "all windows scanned as one corpus:", ""]
        out += summary_table([("windows, shipped rules", shipped)])
        out += ["", "| | windows, shipped rules |", "|---|---|",
                f"| passed by the gate | {shipped['gate_passed']} |",
                f"| re-identifiable | {shipped['reidentifiable']} |",
                f"| of which with no mask left (not anonymised) | {shipped['reidentifiable_unmasked']} |",
                f"| **re-identifiable, masked, passed by the gate** | **{shipped['reidentifiable_passed']}** |", ""]
        out += [f"- {e['window']} ({e['truth']}, {e['status']}): {'、'.join(e['clues'])}"
                for e in shipped["passed_examples"][:10]]
    return out


# ---------------------------------------------------------------------------
# False alarms: reports redacted thoroughly
# ---------------------------------------------------------------------------


def landmark_names() -> list[str]:
    """Every landmark name of rules/landmarks.tsv of two characters or more."""
    from auditor.rules import load_rules

    return sorted({row.name for row in load_rules().landmarks if len(row.name) >= 2})


def mask_spans(text: str, spans: list[tuple[int, int]], mask: str = "×") -> str:
    """``text`` with each span masked as the redactor masks a name (忻州市 → ×市,
    崞阳镇 → ×); spans must not overlap."""
    out, last = [], 0
    # where spans overlap, the earliest and then the longest wins
    for start, end in sorted(spans, key=lambda span: (span[0], -span[1])):
        if start < last:
            continue
        out += [text[last:start], mask + split_name(text[start:end])[1]]
        last = end
    out.append(text[last:])
    return "".join(out)


def redact_thoroughly(text: str, spans: list[tuple[int, int]], truth: Truth, landmarks: list[str]) -> str:
    """``text`` with the place names at ``spans`` masked where they stand (a
    one-character abbreviation there only), then the place's own names, every
    landmark of rules/ in it and every number but years (codes, postal and area
    codes included)."""
    return redact_text(mask_spans(text, spans), _names(truth) + [n for n in landmarks if n in text])


class PlaceNameMasker:
    """The spans a redactor who masks every place name would mask, found without
    auditor's clue finder, leftmost-longest as plain substrings: every full
    gazetteer name of any level (崞阳镇, 南关村, 易县), the short forms of every
    town, county, prefecture and province (崞阳, 西安, 忻州); short forms the
    gazetteer marks as ordinary words (文化, 和平) are left, as a redactor would
    leave them, and so are villages' (北三泉 of 北三泉村), too many and too
    ordinary to mask as plain substrings."""

    def __init__(self, gazetteer):
        import ahocorasick_rs

        self.g = gazetteer
        # two-character full names are counties (易县, 沧县) or ordinary words (新村)
        names = {n for n in gazetteer.full_names() if len(n) >= 3 or (len(n) == 2 and not gazetteer.is_common_word(n))}
        for name, uids in gazetteer.short_names().items():
            if not gazetteer.is_common_word(name) and any(
                    gazetteer.level_of(uid) in ("town", "county", "prefecture", "province") for uid in uids):
                names.add(name)
        self.names = ahocorasick_rs.AhoCorasick(sorted(names), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [(s, e) for _, s, e in self.names.find_matches_as_indexes(text)]


def false_alarm_evaluation(folder: Path, truths: list[Truth], spans_of, out: Path, name: str,
                           workers: int, places: "Places | None" = None, truth_uids: dict | None = None) -> dict:
    """How many thoroughly redacted reports the gate still fails, and on which
    clues; ``spans_of(truth, text)`` gives the place names to mask in a report.
    A failing report whose failing clues include one that points into its true
    prefecture-level place (an abbreviation, a short form the redaction left)
    still leaks: it is counted apart from the false alarms."""
    import auditor
    from auditor.output.gate import evaluate as gate_evaluate, resolve_policy

    target = out / name
    _fresh(folder, target)
    landmarks = landmark_names()
    for truth in truths:
        text = _read_report(folder, truth)
        (target / f"{truth.id}.txt").write_text(
            redact_thoroughly(text, spans_of(truth, text), truth, landmarks), encoding="utf-8")
    result = auditor.audit([target], workers=workers)
    gate = gate_evaluate(result, resolve_policy(None, None))
    failing = [d for d in gate.documents if d.failed]
    clues = Counter(f.clue for d in failing for f in d.findings if f.fails and f.clue)
    rules = Counter(f.rule for d in failing for f in d.findings if f.fails)
    leaking = []
    if places is not None and truth_uids is not None:
        for d in failing:
            stem = Path(d.doc).stem
            home = places.prefecture(truth_uids.get(stem))
            failing_texts = {f.clue for f in d.findings if f.fails and f.clue}
            if home is not None and any(places.contains(home, uid) or uid == home
                                        for c in result.analysis(d.doc).clues if c.text in failing_texts
                                        for uid in c.candidates):
                leaking.append(stem)
    return {"documents": len(gate.documents), "passed": len(gate.documents) - len(failing),
            "pass_rate": _mean([float(not d.failed) for d in gate.documents]),
            "failed": sorted(Path(d.doc).stem for d in failing), "still_leaking": sorted(leaking),
            "false_alarm_rate": sum(1 for d in failing if Path(d.doc).stem not in leaking)
            / max(1, len(gate.documents) - len(leaking)),
            "failing_rules": dict(rules.most_common()), "failing_clues": clues.most_common(20)}


FALSE_ALARM_WAYS = {
    "clue finder": "every place clue auditor's clue finder finds in the clear report (any level; masked where "
                   "found, so a one-character abbreviation is masked there only)",
    "gazetteer names": "found without the clue finder, as plain substrings: every full gazetteer name of any "
                       "level and the short forms of every town, county, prefecture and province (short forms "
                       "the gazetteer marks as ordinary words, and villages' short forms, are left)",
}


def false_alarm_markdown(ways: dict[str, dict]) -> list[str]:
    out = ["", "## False alarms: reports redacted thoroughly", "",
           "Each report redacted thoroughly, in two ways, then put through `auditor check`'s gate (default "
           "policy); both also mask the report's own names, every landmark of rules/landmarks.tsv found in it "
           "and every number but years (codes, postal and area codes):", ""]
    out += [f"- *{way}*: {FALSE_ALARM_WAYS[way]}." for way in ways]
    for way, fa in ways.items():
        out += ["", f"### Redacted by {way}", "",
                f"Passed: {fa['passed']}/{fa['documents']} (pass rate {_fmt(fa['pass_rate'])}). "
                f"Failed: {', '.join(fa['failed']) or 'none'}.", "",
                f"Of these, {len(fa.get('still_leaking', []))} still leak their place: a failing clue the "
                "redaction left points into the true prefecture-level place (its one-character abbreviation, "
                "an abbreviation pair, a short form): "
                f"{', '.join(fa.get('still_leaking', [])) or 'none'}. False alarms (failed with no such clue): "
                f"{len(fa['failed']) - len(fa.get('still_leaking', []))} of "
                f"{fa['documents'] - len(fa.get('still_leaking', []))} (rate {_fmt(fa.get('false_alarm_rate'))}).", ""]
        if fa["failing_rules"]:
            out.append("Failing rules: " + ", ".join(f"{r} {n}" for r, n in fa["failing_rules"].items()) + ".")
            out += ["", "| clue (top 20) | findings |", "|---|---|"]
            out += [f"| {printable_clue(c)} | {n} |" for c, n in fa["failing_clues"]]
    return out


def printable_clue(text: str) -> str:
    return text.replace("|", "\\|")


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def read_manifest(folder: Path) -> list[Truth]:
    manifest = folder / "manifest.csv"
    if not manifest.is_file():
        raise EvaluationError(f"no manifest.csv in {folder}")
    with open(manifest, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    truths = []
    for row in rows:
        try:
            truth = Truth(row["id"].strip(), row["province"].strip(), (row["prefecture"] or "").strip(),
                          (row["county"] or "").strip(), row["level"].strip())
        except (KeyError, AttributeError) as exc:
            raise EvaluationError(f"{manifest}: missing column {exc}") from None
        if truth.level not in ("county", "prefecture"):
            raise EvaluationError(f"{manifest}: {truth.id}: level must be county or prefecture, not {truth.level!r}")
        truths.append(truth)
    return truths


def _fresh(folder: Path, target: Path) -> None:
    """An empty ``target`` that is not the data folder."""
    if target.resolve() == folder.resolve():
        raise EvaluationError("the redacted copies would overwrite the inputs; choose another --out")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)


def _read_report(folder: Path, truth: Truth) -> str:
    source = folder / f"{truth.id}.txt"
    try:
        return source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"cannot read {source}: {exc}") from None


def _names(truth: Truth) -> list[str]:
    """The names a redactor of this report masks."""
    return names_for(truth.province, truth.prefecture, truth.county if truth.level == "county" else None)


def redact_all(folder: Path, truths: list[Truth], target: Path) -> dict[str, str]:
    _fresh(folder, target)
    texts = {}
    for truth in truths:
        redacted = redact_text(_read_report(folder, truth), _names(truth))
        (target / f"{truth.id}.txt").write_text(redacted, encoding="utf-8")
        texts[truth.id] = redacted
    return texts


def evaluate(folder: Path, out: Path, workers: int = 2, excerpts: bool = False, write_rules: Path | None = None) -> int:
    started = time.perf_counter()
    truths = read_manifest(folder)
    redacted_dir = out / "redacted"
    texts = redact_all(folder, truths, redacted_dir)

    from auditor.gazetteer import load_gazetteer

    try:
        gazetteer = load_gazetteer()
    except Exception as exc:  # a stale cache or a half-written module: say which
        raise EvaluationError(f"cannot load the gazetteer ({type(exc).__name__}: {exc}); "
                              "try `python -m auditor.gazetteer build`") from None
    places = Places(gazetteer)
    truth_uids = {}
    for t in truths:
        truth_uids[t.id] = places.resolve(t.path)
        if truth_uids[t.id] is None:
            print(f"warning: {t.id}: {t.path} is not in the gazetteer; comparing names only", file=sys.stderr)

    voter = TownVote(gazetteer)
    baseline = [judge(voter.predict(texts[t.id]), t, places, truth_uids[t.id]) for t in truths]
    ids = [t.id for t in truths]
    sums: dict = {"baseline": summary(baseline, ids)}

    missing = linker_missing()
    auditor_preds = None
    note = ""
    if missing:
        note = (f"{', '.join(missing)} not there yet: baseline only. "
                "The auditor's scores need the linker (issue 3).")
    else:
        import auditor

        result = auditor.audit([redacted_dir], workers=workers)
        auditor_preds = []
        for t in truths:
            pred = auditor_prediction(result.identity(document_name(redacted_dir / f"{t.id}.txt")))
            auditor_preds.append(judge(pred, t, places, truth_uids[t.id]))
        sums["auditor"] = summary(auditor_preds, ids)
        # The same reports in clear, as reference documents: the place named openly.
        clear = auditor.audit([folder / f"{t.id}.txt" for t in truths], workers=workers)
        clear_preds = [judge(auditor_prediction(clear.identity(document_name(folder / f"{t.id}.txt"))), t, places,
                             truth_uids[t.id]) for t in truths]
        sums["auditor, unredacted"] = summary(clear_preds)
        sums["clue_kinds"] = {
            "redacted": clue_kind_figures(result, {t.id: redacted_dir / f"{t.id}.txt" for t in truths}, places,
                                          truth_uids),
            "in clear": clue_kind_figures(clear, {t.id: folder / f"{t.id}.txt" for t in truths}, places, truth_uids),
        }
        folds = folds_by_place(truths)
        # The calibration is fitted on the training reports' windows too (fit_linker).
        window_truths = write_windows(folder, truths, out / "excerpts")
        windows = Scanned(out / "excerpts", tuple(window_truths), auditor.audit([out / "excerpts"], workers=workers))
        if excerpts:  # the gate on the windows as scanned, before the folds link them again
            sums["excerpts"] = excerpt_evaluation(windows, truths, places, gazetteer)
        corpus = ScannedCorpus(truths, places, truth_uids, Scanned(redacted_dir, tuple(truths), result), windows,
                               Scanned(folder, tuple(truths), clear))
        fits: list[LinkerFit] = []

        def fit(training):
            fits.append(fit_linker(training, corpus, folds))
            return fits[-1]

        held = cross_validate(folds, fit, lambda fitted, held_out: predict_held_out(fitted, held_out, corpus))
        held_out_preds = [held[t.id] for t in truths]
        sums["auditor, held out"] = summary(held_out_preds, ids)
        sums["auditor, held out"]["folds"] = [[t.id for t in f.held_out] for f in folds]
        sums["auditor, held out"]["fits"] = [asdict(f) | {"training_ids": len(f.training_ids)} for f in fits]
        sums["excerpts, held out"] = held_out_windows(held)
        shipped = fit_linker(tuple(truths), corpus, folds)
        sums["fit on all"] = asdict(shipped) | {"training_ids": len(shipped.training_ids)}
        if write_rules is not None:
            write_fit(shipped, write_rules)
            print(f"evaluate: wrote the fit on all {len(truths)} reports into {write_rules}", file=sys.stderr)
        clue_spans = lambda truth, _text: [  # noqa: E731
            (c.start, c.end) for c in clear.analysis(document_name(folder / f"{truth.id}.txt")).clues if c.candidates]
        masker = PlaceNameMasker(gazetteer)
        name_spans = lambda truth, text: masker.spans(text)  # noqa: E731
        sums["mask_length"] = mask_length_evaluation(folder, truths, out, workers, places, truth_uids)
        sums["false_alarms"] = {
            "clue finder": false_alarm_evaluation(folder, truths, clue_spans, out, "thorough", workers,
                                                  places, truth_uids),
            "gazetteer names": false_alarm_evaluation(folder, truths, name_spans, out, "thorough-names", workers,
                                                      places, truth_uids),
        }

    text = markdown(truths, auditor_preds, baseline, sums, note)
    if "auditor, unredacted" in sums:
        clear_sum = sums["auditor, unredacted"]
        text += ("\n## The same reports unredacted (reference documents)\n\n"
                 "| | auditor |\n|---|---|\n" + "".join(
                     f"| {key.replace('_', ' ')} | {_fmt(value)} |\n" for key, value in clear_sum.items()
                     if isinstance(value, (int, float)) and value is not None))
    if "auditor, held out" in sums:
        text += "\n" + "\n".join(held_out_markdown(sums["auditor, held out"], sums.get("fit on all")))
        text += "\n" + "\n".join(false_alarm_markdown(sums["false_alarms"])) + "\n"
        text += "\n".join(clue_kind_markdown(sums["clue_kinds"])) + "\n"
        text += "\n".join(mask_length_markdown(sums["mask_length"])) + "\n"
    if "excerpts, held out" in sums:
        text += "\n".join(excerpt_markdown(sums["excerpts, held out"], sums.get("excerpts"))) + "\n"
    print(text)
    report = {
        "data": str(folder),
        "redacted": str(redacted_dir),
        "seconds": round(time.perf_counter() - started, 2),
        "linker": not missing,
        "summary": sums,
        "documents": [
            {
                "id": t.id,
                "truth": t.path,
                "level": t.level,
                "auditor": None if auditor_preds is None else asdict(auditor_preds[i]),
                "baseline": asdict(baseline[i]),
            }
            for i, t in enumerate(truths)
        ],
    }
    (out / "eval.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "eval.md").write_text(text, encoding="utf-8")
    if missing:
        print(f"\nevaluate: {note}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, help="folder with <id>.txt reports and manifest.csv")
    parser.add_argument("--out", type=Path, default=Path("reports/eval"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--excerpts", action="store_true",
                        help="also cut each report into 500–1,000-character windows and evaluate those")
    parser.add_argument("--write-fit", type=Path, metavar="RULES", default=None,
                        help="write the numbers fitted on all reports into RULES/clues.toml and RULES/linker.toml")
    args = parser.parse_args(argv)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        return evaluate(args.data, args.out, args.workers, args.excerpts, args.write_fit)
    except EvaluationError as exc:
        print(f"evaluate: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
