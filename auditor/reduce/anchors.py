"""The clear text next to a slot: what aligns a slot with a near-duplicate copy
(auditor.reduce.linker) and anchors a value recovered elsewhere (auditor.reduce.recovery)."""
from __future__ import annotations

import re

from ..rules import default_mask_characters

ANCHOR_WINDOW = 8  # clear characters on each side that align a slot with a copy
_ANCHOR_STOP = "\n" + default_mask_characters().symbol_class()
CLEAR_BEFORE = re.compile(f"[^{_ANCHOR_STOP}]*$")
CLEAR_AFTER = re.compile(f"[^{_ANCHOR_STOP}]*")


def clear_anchor(text: str, start: int, end: int, before: bool, want: int) -> str:
    """Up to ``want`` clear characters next to a slot, stopping at a line break or another mask."""
    if before:
        return CLEAR_BEFORE.search(text, max(0, start - want), start).group()
    return CLEAR_AFTER.match(text, end, end + want).group()
