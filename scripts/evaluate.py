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
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import shutil
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from auditor.redact import name_core, names_for, redact_text  # noqa: E402

MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
# Reliability bins of the issue; the last one is closed at 1.
BINS = ((0.0, 0.5), (0.5, 0.8), (0.8, 0.9), (0.9, 0.99), (0.99, 1.0))
BIN_LABELS = ("0–0.5", "0.5–0.8", "0.8–0.9", "0.9–0.99", "≥0.99")


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
    from auditor.loading import printable_name

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
    return [m for m in ("auditor.linker", "auditor.clues") if importlib.util.find_spec(m) is None]


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


def summary(preds: list[Prediction]) -> dict:
    county = [p.county_correct for p in preds if p.county_correct is not None]
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
    out.append("| | " + " | ".join(name for name, _ in systems) + " |")
    out.append("|---" * (len(systems) + 1) + "|")
    for key, label in (("county_top1", "county top-1"), ("prefecture_top1", "prefecture top-1"),
                       ("level_accuracy", "level accuracy"), ("claim_accuracy", "identity correct"),
                       ("brier", "Brier score")):
        cells = []
        for _, s in systems:
            cell = _fmt(s[key])
            if key == "county_top1":
                cell += f" ({s['county_correct']}/{s['county_documents']})"
            elif key == "prefecture_top1":
                cell += f" ({s['prefecture_correct']}/{s['documents']})"
            cells.append(cell)
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    for name, s in systems:
        out += ["", f"### Reliability of `confidence` ({name})", "",
                "| confidence | count | mean confidence | accuracy |", "|---|---|---|---|"]
        for row in s["reliability"]:
            out.append(f"| {row['bin']} | {row['count']} | {_fmt(row['mean_confidence'])} | {_fmt(row['accuracy'])} |")
    out += ["", "County top-1 counts county-level reports only; prefecture top-1 all reports. "
            "A top-1 below the decided level is the likeliest candidate at that level. "
            "Calibration scores whether the true place lies within the decided one "
            "(baseline confidence: the winner's share of the two leading vote counts).", ""]
    return "\n".join(out)


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


def redact_all(folder: Path, truths: list[Truth], target: Path) -> dict[str, str]:
    if target.resolve() == folder.resolve():
        raise EvaluationError("the redacted copies would overwrite the inputs; choose another --out")
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    texts = {}
    for truth in truths:
        source = folder / f"{truth.id}.txt"
        try:
            text = source.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise EvaluationError(f"cannot read {source}: {exc}") from None
        names = names_for(truth.province, truth.prefecture, truth.county if truth.level == "county" else None)
        redacted = redact_text(text, names)
        (target / f"{truth.id}.txt").write_text(redacted, encoding="utf-8")
        texts[truth.id] = redacted
    return texts


def evaluate(folder: Path, out: Path, workers: int = 2) -> int:
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
    sums: dict = {"baseline": summary(baseline)}

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
        sums["auditor"] = summary(auditor_preds)
        # The same reports in clear, as reference documents: the place named openly.
        clear = auditor.audit([folder / f"{t.id}.txt" for t in truths], workers=workers)
        clear_preds = [judge(auditor_prediction(clear.identity(document_name(folder / f"{t.id}.txt"))), t, places,
                             truth_uids[t.id]) for t in truths]
        sums["auditor, unredacted"] = summary(clear_preds)

    text = markdown(truths, auditor_preds, baseline, sums, note)
    if "auditor, unredacted" in sums:
        clear_sum = sums["auditor, unredacted"]
        text += ("\n## The same reports unredacted (reference documents)\n\n"
                 "| | auditor |\n|---|---|\n" + "".join(
                     f"| {key.replace('_', ' ')} | {_fmt(value)} |\n" for key, value in clear_sum.items()
                     if isinstance(value, (int, float)) and value is not None))
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
    args = parser.parse_args(argv)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        return evaluate(args.data, args.out, args.workers)
    except EvaluationError as exc:
        print(f"evaluate: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
