"""Loading input files: finding them, detecting their encoding, never failing the scan.

Every file under the given paths becomes a :class:`SourceText`; a file that
cannot be read as text gets a status and a message instead of raising.
Offsets elsewhere refer to the decoded text exactly as returned here (a BOM
is dropped, nothing else is changed).
"""
from __future__ import annotations

import codecs
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import InputError
from .records import SourceText

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text", ".csv", ".html", ".htm")
DEFAULT_MAX_BYTES = 64 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def iter_input_files(paths: Iterable[str | os.PathLike], suffixes=TEXT_SUFFIXES) -> Iterator[tuple[Path, str]]:
    """Yields (file, document name) in a stable order. A file inside a given
    folder is named relative to that folder; a file given itself is named by its
    file name, or by the path it was given by where two such names would clash
    (two README.md from different folders, as a pre-commit hook may pass)."""
    given = [(p, Path(p)) for p in paths]
    names = Counter(path.name for _, path in given if path.is_file())
    for as_given, root in given:
        if root.is_file():
            yield root, root.name if names[root.name] == 1 else root.as_posix()
        elif root.is_dir():
            for file in sorted(p for p in root.rglob("*") if p.is_file()):
                if file.suffix.lower() in suffixes and not any(part.startswith(".") for part in file.relative_to(root).parts):
                    yield file, file.relative_to(root).as_posix()
        else:
            raise InputError(f"no such file or folder: {os.fspath(as_given)}")


def _looks_like_utf16_without_bom(data: bytes) -> str | None:
    # Chinese UTF-16 text has a NUL in every other byte only for ASCII; a run of
    # ASCII newlines/digits is enough of a sign in practice.
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) / 2
    if odd_nuls > 0.2 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.2 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def _is_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return control > 0.05 * max(1, len(sample))


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Returns (text, encoding name); raises UnicodeDecodeError when no encoding fits."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding), encoding
    utf16 = _looks_like_utf16_without_bom(data)
    if utf16:
        return data.decode(utf16), utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # GB18030 is a superset of GBK and GB2312, so one attempt covers all three.
    return data.decode("gb18030"), "gb18030"


def load_file(path: Path, doc: str, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText:
    absolute = str(path.resolve())

    def problem(status: str, message: str, encoding: str = "") -> SourceText:
        return SourceText(doc, absolute, "", encoding, status, message)

    try:
        size = path.stat().st_size
        if size > max_bytes:
            return problem("too-large", f"{size} bytes is over the limit of {max_bytes} (--max-bytes)")
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return problem("unreadable", f"cannot read: {exc.strerror or exc}")
    if not data.strip():
        return problem("empty", "the file is empty" if not data else "the file holds only white space")
    if not any(data.startswith(bom) for bom, _ in _BOMS) and not _looks_like_utf16_without_bom(data) and _is_binary(data):
        return problem("binary", "not a text file (binary content)")
    try:
        text, encoding = decode_bytes(data)
    except UnicodeDecodeError as exc:
        return problem("undecodable", f"not UTF-8, UTF-16 or GB18030 text (byte {exc.start})")
    if not text.strip():
        return problem("empty", "the file holds only white space", encoding)
    return SourceText(doc, absolute, text, encoding, "ok", "")
