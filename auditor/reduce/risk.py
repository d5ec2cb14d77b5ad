"""What a document's risk and verdict mean: one definition for linker, gate, fix and report.

The **risk** of a masked document is the probability that a reader's best
single guess of the hidden place is right: the linker's top posterior,
calibrated on dev-eval (:func:`calibrated`, fitted by ``scripts/evaluate.py``).
It is the *prosecutor risk* of statistical disclosure control (ARX, sdcMicro:
one over the size of the record's equivalence class), read from a posterior
rather than from a count of identical records: a class of k equally likely
places gives risk 1/k.

The **verdict** follows from the risk and the policy's K alone
(:func:`verdict_for`): ``re-identified`` at risk ≥ :data:`REIDENTIFIED`,
``at-risk`` above 1/K, ``protected`` otherwise, ``not-anonymised`` when
nothing is masked.

The **anonymity set** counts the places a reader cannot tell apart from the
best one: those whose probability is at least 1/:data:`ANONYMITY_FACTOR` of
the top's (:func:`anonymity_set`). A document at risk ≥ 0.5 therefore never
shows a set larger than ANONYMITY_FACTOR + 1.
"""
from __future__ import annotations

import math

# A reader who is right nine times in ten has named the place.
REIDENTIFIED = 0.9
# The policy's K when none is given: a reader's guess right more than one time in five fails.
DEFAULT_K = 5
# Places within this factor of the top probability are not told apart from it.
ANONYMITY_FACTOR = 10.0

VERDICTS = ("re-identified", "at-risk", "protected", "not-anonymised")


def verdict_for(risk: float, masked: bool, k: int = DEFAULT_K, reidentified: float = REIDENTIFIED) -> str:
    """The verdict of a document of ``risk``; ``masked``: it has at least one slot."""
    if not masked:
        return "not-anonymised"
    if risk >= reidentified:
        return "re-identified"
    if risk > 1.0 / k:
        return "at-risk"
    return "protected"


def anonymity_set(top: float, probabilities, rest_each: float = 0.0, rest_count: int = 0,
                  factor: float = ANONYMITY_FACTOR) -> int:
    """How many places stand within ``factor`` of the ``top`` probability:
    the listed ``probabilities`` and ``rest_count`` unlisted places of ``rest_each`` each."""
    if top <= 0:
        return rest_count + sum(1 for _ in probabilities)
    floor = top / factor
    count = sum(1 for p in probabilities if p >= floor)
    if rest_each >= floor:
        count += rest_count
    return max(count, 1)


def calibrated(probability: float, slope: float = 1.0, intercept: float = 0.0) -> float:
    """Platt scaling of a posterior: sigmoid(slope · logit(p) + intercept).
    (1, 0) leaves it as it is; the fitted pair lives in rules/linker.toml [risk]."""
    if slope == 1.0 and intercept == 0.0:
        return probability
    p = min(max(probability, 1e-9), 1.0 - 1e-9)
    z = slope * math.log(p / (1.0 - p)) + intercept
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
