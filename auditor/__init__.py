"""auditor: does the redaction of a Chinese document hold?

Library use::

    import auditor
    result = auditor.audit(["seeds/"])
    result.slots        # pandas DataFrame, one row per redaction slot
    result.documents    # one row per document: identity, confidence, verdict
    result.clues        # the clear-text clues that point at places
    auditor.write_audit(result, "reports/")   # the tables and the HTML report
"""
__version__ = "0.1.0"  # before the imports: output_dir reads it while the package loads

from .output import write_audit  # noqa: E402
from .result import AuditResult  # noqa: E402
from .scan import audit  # noqa: E402

__all__ = ["audit", "write_audit", "AuditResult", "__version__"]
