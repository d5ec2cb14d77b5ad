"""Mask length as a side channel: where a publisher writes one glyph per
hidden character (××县 for 代县's neighbour 五台县 is ×× + 县), the number of
glyphs tells the length of the name, and candidates whose name has another
length are less likely.

Whether a document's masks keep lengths is read from the document itself: a
publisher who writes one × (or XX) for every name leaves all place masks the
same length, one who counts characters leaves them varied (××县, ×××村, ×镇).
The channel is only read in documents whose place masks vary
(linker.toml [mask_length])."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from ..records import Slot

LEVELS = ("county", "prefecture")
# The last character of a county's or prefecture's name, left in clear after a mask.
UNIT_SUFFIXES = frozenset("市县区旗州盟")


@dataclass(frozen=True)
class MaskLengths:
    """What a document's place masks say about the length of the names they hide."""

    keeps: bool  # the masks vary as names do: one glyph per character
    # Per level: the mask most of that level's place slots share, as (glyphs,
    # the clear text right after it): the document's own place, named again and
    # again (other places of the level masked once or twice do not outvote it).
    own: dict[str, tuple[int, str]]

    def note(self) -> str:
        """The report's words ("" when the masks tell nothing)."""
        if not self.keeps:
            return ""
        shown = sorted({f"{'×' * glyphs}{after[:1]}" for glyphs, after in self.own.values()})
        example = f" ({', '.join(shown)})" if shown else ""
        return f"the masks keep the length of the name{example}: one glyph per hidden character"

    def fits(self, name: str, short: str, level: str) -> bool | None:
        """Whether the level's own mask can hide a unit named ``name`` (short
        form ``short``); None when the channel is not read at that level."""
        own = self.own.get(level)
        if not self.keeps or own is None:
            return None
        return fits(name, short, *own)


def fits(name: str, short: str, glyphs: int, after: str) -> bool:
    """Whether ``glyphs`` glyphs followed by ``after`` can hide ``name``: the
    name less the suffix left in clear (××市 hides 原平市), or the whole name
    or its short form where no suffix is left."""
    for kept in range(min(4, len(name) - 1), 0, -1):
        if after.startswith(name[-kept:]):
            return len(name) - kept == glyphs
    if after[:1] in UNIT_SUFFIXES:
        return False  # ××市 hides a 市, not 五台县
    return glyphs in (len(name), len(short))


def read_mask_lengths(slots: Iterable[Slot], min_slots: int, max_glyphs: int) -> MaskLengths:
    """The mask lengths of a document's place slots."""
    slots = list(slots)
    places = [s for s in slots if s.slot_type == "place"]
    counts = Counter(len(s.mask) for s in places)
    # Most names have two characters, so the place masks of a publisher who
    # counts characters often all have two glyphs: the numbers tell (××××万元
    # beside ×万元), where the place mask is not a single glyph (one × for a
    # name and for a number is a fixed mask).
    varied = len(counts) >= 2 or (len(counts) == 1 and min(counts) >= 2
                                  and len({len(s.mask) for s in slots}) >= 2)
    keeps = len(places) >= min_slots and varied and max(counts, default=0) <= max_glyphs
    # The slot tagger's level is the mask's (××市 reads as a prefecture, yet a
    # county-level city hides there): the own mask is read over both levels.
    named = [s for s in places if s.place_level in LEVELS]
    masks = Counter((len(s.mask), s.right_context[:1]) for s in named)
    own = {}
    if masks:
        (key, n), = masks.most_common(1)
        if n * 2 > len(named):
            # the clear text after the first such slot (自治县 of ××自治县 is the suffix)
            after = next(s.right_context[:4] for s in named if (len(s.mask), s.right_context[:1]) == key)
            own = {level: (key[0], after) for level in LEVELS}
    return MaskLengths(keeps, own)
