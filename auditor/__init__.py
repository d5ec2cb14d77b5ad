"""auditor: does the redaction of a Chinese document hold?

Library use::

    import auditor
    result = auditor.audit(["seeds/"])
    result.slots        # pandas DataFrame, one row per redaction slot
    result.documents    # one row per document: identity, confidence, verdict
    result.clues        # the clear-text clues that point at places
"""
__version__ = "0.1.0"  # before the imports: output_dir reads it while the package loads

from .scan import AuditResult, audit  # noqa: E402
__all__ = ["audit", "AuditResult", "__version__"]
