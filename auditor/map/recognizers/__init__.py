"""The clue finder's recognizers, one per kind of clue, behind one interface
(:class:`.base.Recognizer`): each finds :class:`.base.ClueMatch` candidates in a
line of text, and the finder (:mod:`auditor.map.clues`) settles overlaps."""
