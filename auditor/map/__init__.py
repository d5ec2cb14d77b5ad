"""The per-document map: each step a pure function of one document and the
rules. Loading (:mod:`.loading`), masks (:mod:`.masks`), slots (:mod:`.slots`),
fingerprints (:mod:`.neardup`), word segmentation (:mod:`.segment`) and the
clues of the clear text (:mod:`.clues`, its recognizers in :mod:`.recognizers`)."""
