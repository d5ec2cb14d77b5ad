"""The corpus-level reduce over the map's analyses: near-duplicate groups, the
evidence and posterior of each text's place (:mod:`.linker`, :mod:`.inference`,
:mod:`.risk`, :mod:`.mask_length`), the alignment of copies, and slot recovery
(:mod:`.recovery`, :mod:`.anchors`). It returns new records
(:class:`.linker.Linkage`) and leaves the map's as they are."""
