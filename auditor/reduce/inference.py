"""What the linker infers for a document, as plain records: the posteriors
over counties and prefectures and the identity drawn from them. The linker
(auditor.reduce.linker) makes them; slot recovery (auditor.reduce.recovery) and the
evaluation read them."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..records import Identity
from .risk import anonymity_set


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

    def anonymity_set(self, factor: float) -> int:
        """The places within ``factor`` of the best one (see :func:`auditor.reduce.risk.anonymity_set`)."""
        _, top = self.top()
        return anonymity_set(top, self.probabilities.values(), self.rest_each, self.rest_count, factor)


@dataclass
class DocumentInference:
    identity: Identity
    county: Posterior
    prefecture: Posterior
    evidences: list  # the linker's ClueEvidence of the document's group
    decided_uid: int | None
    level_features: tuple[float, ...] = ()  # LEVEL_FEATURES of the group's representative
    # A clue of the group with its weight for the decided place (linker.ClueWeights).
    weights: Callable = lambda clue: clue
