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

__all__ = ["audit", "write_audit", "AuditResult", "__version__"]


def __getattr__(name: str):
    # The library loads on first use (PEP 562), so that `auditor --help`, which
    # imports this package, does not load pandas, the gazetteer and the recognizers.
    if name == "audit":
        from .scan import audit

        return audit
    if name == "write_audit":
        from .output.writer import write_audit

        return write_audit
    if name == "AuditResult":
        from .result import AuditResult

        return AuditResult
    raise AttributeError(f"module 'auditor' has no attribute {name!r}")
