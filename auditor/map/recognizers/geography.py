"""Geography in sentences: where a text says its place lies relative to a place
it names in clear (rules/geography.toml).

* inside: 位于山西省北部, 地处忻州市 — the place is one of the counties inside
  the named one (in the stated part of it, by the bearing from its seat);
* border: 东邻五台县, 与代县、宁武县接壤 — the place is one of the named place's
  neighbours, not the named place itself;
* distance: 距太原 96 公里 — the place's seat lies about that far from the named
  place's seat (a road distance: the straight line is shorter).

Each is a clue of kind ``geography`` on the characters of the named place: it
takes their place from the administrative name (a distance to 西安 is not a
clue for 西安), and masking the name is its remedy. The points and borders come
from the gazetteer cache (auditor.gazetteer.boundaries)."""
from __future__ import annotations

from collections.abc import Iterable

from ...gazetteer.boundaries import bearing, distance_km
from ...gazetteer import Gazetteer
from .base import ClueMatch
from ...rules import MATCH_TIMEOUT_SECONDS, GeographyRules, rule_timeout

# Compass words to bearings (degrees from north).
DIRECTIONS = {"北": 0.0, "东北": 45.0, "东": 90.0, "东南": 135.0, "南": 180.0, "西南": 225.0, "西": 270.0,
              "西北": 315.0}
_DIRECTION_WORDS = {"北": "north", "东北": "north-east", "东": "east", "东南": "south-east", "南": "south",
                    "西南": "south-west", "西": "west", "西北": "north-west"}
_PLACED_LEVELS = ("province", "prefecture", "county")  # the levels with a point
# How far before and after a named place a relation's words may stand.
BEFORE_CHARS, AFTER_CHARS = 40, 40


def _angle_between(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


class GeographyRecognizer:
    """A relation recognizer: it reads the administrative names another
    recognizer found in a line (``relate``) rather than the line alone."""

    kind = "geography"

    def __init__(self, gazetteer: Gazetteer, rules: GeographyRules | None):
        self.gazetteer = gazetteer
        self.rules = rules
        self.counties = [(u, gazetteer.point(u)) for u in gazetteer.units_at("county") if gazetteer.point(u)]

    def relate(self, line: str, names: Iterable[ClueMatch]) -> Iterable[ClueMatch]:
        """Geography clues on the names of ``names`` (administrative matches of ``line``)."""
        rules = self.rules
        if rules is None or not rules.trigger.search(line):
            return
        for name in names:
            places = self._places(name.candidates)
            if not places:
                continue
            before = line[max(0, name.start - BEFORE_CHARS) : name.start]
            after = line[name.end : name.end + AFTER_CHARS]
            for relation in rules.relations:
                found = self._match(relation, before, after)
                if found is None:
                    continue
                candidates, words = self._candidates(relation.kind, places, found)
                if candidates:
                    where = ", ".join(self.gazetteer.path(p) for p in places[:2])
                    yield ClueMatch(name.start, name.end, candidates,
                                    f"{words.format(where=where, n=len(candidates))} (geography.toml {relation.name})",
                                    "county")
                break

    def _places(self, candidates: tuple[int, ...]) -> list[int]:
        """The named units with a point, at the highest level among them (太原:
        the prefecture, not the towns of that name)."""
        g = self.gazetteer
        placed = [u for u in candidates if g.level_of(u) in _PLACED_LEVELS and g.point(u)]
        if not placed:
            return []
        top = min(_PLACED_LEVELS.index(g.level_of(u)) for u in placed)
        return [u for u in placed if _PLACED_LEVELS.index(g.level_of(u)) == top]

    @staticmethod
    def _match(relation, before: str, after: str) -> dict[str, str] | None:
        groups: dict[str, str] = {}
        try:
            for pattern, text in ((relation.before, before), (relation.after, after)):
                if pattern is None:
                    continue
                found = pattern.search(text, timeout=MATCH_TIMEOUT_SECONDS)
                if found is None:
                    return None
                groups.update({k: v for k, v in found.groupdict().items() if v})
        except TimeoutError:
            raise rule_timeout(relation.where, MATCH_TIMEOUT_SECONDS) from None
        return groups

    def _candidates(self, kind: str, places: list[int], groups: dict[str, str]) -> tuple[tuple[int, ...], str]:
        g = self.gazetteer
        if kind == "border":
            found = {u for p in places for u in g.borders(p) if g.level_of(u) == "county"}
            return tuple(sorted(found)), "borders {where}: {n} counties do"
        if kind == "inside":
            direction = groups.get("direction")
            found: set[int] = set()
            for place in places:
                inside = self._counties_inside(place)
                if direction in DIRECTIONS and len(inside) > 1:
                    centre = g.point(place)
                    sector = self.rules.sector_degrees
                    inside = [u for u in inside
                              if _angle_between(bearing(centre, g.point(u)), DIRECTIONS[direction]) <= sector]
                found.update(inside)
            part = f", in its {_DIRECTION_WORDS[direction]}" if direction in DIRECTIONS else ""
            return tuple(sorted(found)), "inside {where}" + part + ": {n} counties fit"
        # distance
        try:
            km = float(groups.get("km", ""))
        except ValueError:
            return (), ""
        rules = self.rules
        low, high = km * rules.low - rules.slack_km, km * rules.high + rules.slack_km
        found = set()
        for place in places:
            centre = g.point(place)
            found.update(u for u, point in self.counties if low <= distance_km(centre, point) <= high)
        return (tuple(sorted(found)),
                f"about {km:g} km from {{where}} (a seat {max(0.0, low):.0f}–{high:.0f} km away in a straight line): "
                "{n} counties fit")

    def _counties_inside(self, uid: int) -> list[int]:
        g = self.gazetteer
        return [u for u in g.descendants_at(uid, "county") if g.point(u)]
