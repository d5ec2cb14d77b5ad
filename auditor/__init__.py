"""auditor: does the redaction of a Chinese document hold?

Library use::

    import auditor
    result = auditor.audit(["seeds/"])
    result.slots        # pandas DataFrame, one row per redaction slot
    result.documents    # one row per document: identity, confidence, verdict
    result.clues        # the clear-text clues that point at places
"""
from .scan import AuditResult, audit

__version__ = "0.1.0"
__all__ = ["audit", "AuditResult", "__version__"]
