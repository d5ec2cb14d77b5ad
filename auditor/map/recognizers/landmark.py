"""Names that point at the places a table lists: landmarks (rivers, mountains,
temples … from ``landmarks.tsv``), zones (``zones.tsv``) and old names
(``old_names.tsv``)."""
from __future__ import annotations



from ...gazetteer import Gazetteer
from .base import ClueMatch
from ..segment import Segmenter
from .base import NameTable


class LandmarkRecognizer:
    """Names that point at the places a table lists: landmarks (``landmarks.tsv``),
    and in the same form zones (``zones.tsv``: 两江新区) and old names
    (``old_names.tsv``: 豳州); rows of name, kind, places (gazetteer paths)."""

    def __init__(self, gazetteer: Gazetteer, rows, kind: str = "landmark", filename: str = "landmarks.tsv"):
        self.kind = kind
        self.places: dict[str, tuple[int, ...]] = {}
        self.rules: dict[str, str] = {}  # name -> the clue's rule: "landmark (river) in landmarks.tsv"
        self.table = None
        # The rows were validated when the rules were loaded; a place the
        # gazetteer does not know only weakens the landmark.
        for row in rows:
            name = row.name
            uids = tuple(u for u in map(gazetteer.unit_of_path, row.places) if u is not None)
            if uids:
                self.places[name] = tuple(sorted(set(self.places.get(name, ())) | set(uids)))
                what = kind if row.kind == kind else f"{kind} ({row.kind})"
                self.rules[name] = f"{what.replace('-', ' ')} in {filename}"
        if self.places:
            self.table = NameTable(sorted((name,) for name in self.places))

    def find(self, text: str, segmenter: Segmenter):
        if self.table is None:
            return
        for start, end, index in self.table.matches(text):
            name = self.table.entries[index][0]
            yield ClueMatch(start, end, self.places[name], self.rules[name])
