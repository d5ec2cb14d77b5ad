"""The message catalogues: ``<lang>/LC_MESSAGES/auditor.po`` (gettext's format,
read at run time by :mod:`auditor.i18n`), and what extracts their msgids.

``make messages`` runs ``pybabel extract -F babel.cfg`` and ``pybabel update``.
``babel.cfg`` extracts the Python sources with :func:`extract_python` below and
the report's templates with Jinja's extractor; ``tests/test_i18n.py`` walks
the same sources with the same extractors.
"""
from __future__ import annotations

import ast


def extract_python(fileobj, keywords, comment_tags, options):
    """Babel's Python extractor, and the texts of the gate's rules: the short
    and help strings of every ``GateRule(id, name, short, help)`` call
    (auditor/output/gate.py), which are shown translated (``_(rule.short)``)
    but defined as plain strings, since SARIF carries them in English."""
    from babel.messages.extract import extract_python as babel_extract_python

    yield from babel_extract_python(fileobj, keywords, comment_tags, options)
    fileobj.seek(0)
    tree = ast.parse(fileobj.read().decode(options.get("encoding", "utf-8")))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "GateRule":
            for arg in node.args[2:4]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    yield arg.lineno, "N_", arg.value, ["The gate rule's short or help text."]
