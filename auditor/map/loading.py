"""Loading input files: finding them, detecting their encoding, never failing the scan.

Every entry under the given paths becomes one :class:`InputFile` and then one
:class:`SourceText`: a file that cannot be read as text, and anything that is
not a document (a link to nowhere, a fifo, a hidden file), gets a status and a
message instead of raising. Offsets elsewhere refer to the decoded text exactly
as returned here (a BOM is dropped, undecodable bytes become U+FFFD).
"""
from __future__ import annotations

import codecs
import errno
import itertools
import os
import re
import stat
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import charset_normalizer

from ..errors import InputError
from ..records import EMPTY_STATUS, SKIPPED_STATUS, SourceText
from .formats import Extracted, FormatError
from .formats import docx as docx_format
from .formats import html as html_format

TEXT_SUFFIXES = (
    ".txt", ".md", ".markdown", ".text", ".csv", ".tsv", ".html", ".htm", ".xhtml", ".xml", ".json",
    ".jsonl", ".log", ".rst", ".srt", ".vtt", ".yaml", ".yml", ".ini", ".tex", ".org", ".adoc", ".sgml",
)
# Text read through an HTML parser (markup, scripts and styles out; title and meta tags in).
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
# Formats that are not text, each with its reader (auditor.map.formats): format name, read(bytes).
def _read_pdf(data: bytes) -> Extracted:
    # Imported on the first PDF: pdfplumber and pdfminer take a tenth of a second to import,
    # which a check of text files does not need.
    from .formats import pdf as pdf_format

    return pdf_format.read(data)


DOCUMENT_READERS = {".docx": ("docx", docx_format.read), ".pdf": ("pdf", _read_pdf)}
# Documents auditor cannot read: never a pass, so never silently dropped.
UNSUPPORTED_DOCUMENT_SUFFIXES = (".doc", ".rtf", ".odt", ".wps", ".xls", ".xlsx", ".ppt", ".pptx", ".epub")
READ_FORMATS = (".txt, .md, .csv, .xml, .json and other text files (UTF-8, GB18030, Big5 or UTF-16/32), "
                "HTML, Word .docx and PDF")
# Not documents at all (images, archives, programs, media, fonts): listed as skipped, not read.
NON_DOCUMENT_SUFFIXES = (
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".ico", ".heic",
    ".zip", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".tar", ".zst", ".lz4",
    ".exe", ".dll", ".so", ".dylib", ".o", ".a", ".class", ".jar", ".pyc", ".whl",
    ".mp3", ".mp4", ".wav", ".avi", ".mov", ".mkv", ".flac", ".ogg", ".m4a",
    ".ttf", ".otf", ".woff", ".woff2", ".db", ".sqlite", ".parquet", ".npy", ".pkl", ".bin", ".iso",
)
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class InputFile:
    """One entry found under the given paths, named, with what is known before reading it."""

    path: Path  # the file on disk as found (may be a symlink to a regular file)
    doc: str  # unique, stable, printable document name
    output_name: str  # unique safe relative path for a copy under an output folder (real name bytes)
    status: str = ""  # "" = to be read; else SKIPPED_STATUS or a not-checked status decided without reading
    message: str = ""


# ---------------------------------------------------------------------------
# Finding the files
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    """An entry as found, before its names are made unique."""

    path: Path
    name: str  # the path as given joined with the path inside it, normalised, '/'-separated
    relative: str  # the path inside the given folder (the file's name for a file given itself)
    status: str = ""
    message: str = ""
    identity: tuple[int, int] | None = None  # (device, inode) of a regular file: one row per real file


def iter_input_files(paths: Iterable[str | os.PathLike]) -> Iterator[InputFile]:
    """Yields every entry under ``paths`` once, in a stable order (the paths as
    given, then sorted by name). Folders are walked without following links
    to folders; a path that does not exist raises :class:`InputError`."""
    found: list[_Found] = []
    for given in paths:
        found.extend(_entries_of_given(os.fsdecode(given)))
    yield from _named(_distinct(found))


def _entries_of_given(as_given: str) -> Iterator[_Found]:
    name = _normal(as_given)
    path = Path(as_given)
    relative = path.name or name
    try:
        info = os.stat(as_given)  # a link given by name is followed: the user named it
    except FileNotFoundError:
        if not os.path.lexists(as_given):
            raise InputError(f"no such file or folder: {printable_name(as_given)}") from None
        yield _Found(path, name, relative, SKIPPED_STATUS, "a link to a file that does not exist")
        return
    except OSError as exc:
        yield _problem_with_link(path, name, relative, exc)
        return
    if stat.S_ISDIR(info.st_mode):
        yield from _walk(path, name, "")
    else:
        yield _classify_file(path, name, relative, info)


def _walk(folder: Path, name: str, relative: str) -> Iterator[_Found]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        # What cannot be listed may hold documents: never a pass.
        yield _Found(folder, name, relative or folder.name or name, "unreadable",
                     f"cannot list the folder: {_reason(exc)}")
        return
    for entry in entries:
        yield from _entry(entry, _joined(name, entry.name), _joined(relative, entry.name))


def _entry(entry: os.DirEntry, name: str, relative: str) -> Iterator[_Found]:
    path = Path(entry.path)
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError as exc:
        yield _Found(path, name, relative, "unreadable", f"cannot read: {_reason(exc)}")
        return
    if entry.name.startswith("."):
        kind = "hidden folder (not scanned)" if stat.S_ISDIR(info.st_mode) else "hidden file"
        yield _Found(path, name, relative, SKIPPED_STATUS, kind)
        return
    if stat.S_ISDIR(info.st_mode):
        yield from _walk(path, name, relative)
        return
    if stat.S_ISLNK(info.st_mode):
        try:
            info = os.stat(entry.path)
        except OSError as exc:
            yield _problem_with_link(path, name, relative, exc)
            return
        if stat.S_ISDIR(info.st_mode):
            # Not followed: a link may point back up the tree or out of it.
            yield _Found(path, name, relative, SKIPPED_STATUS, "a link to a folder (not followed)")
            return
    yield _classify_file(path, name, relative, info)


def _problem_with_link(path: Path, name: str, relative: str, exc: OSError) -> _Found:
    if exc.errno == errno.ENOENT:
        return _Found(path, name, relative, SKIPPED_STATUS, "a link to a file that does not exist")
    if exc.errno == errno.ELOOP:
        return _Found(path, name, relative, SKIPPED_STATUS, "a symlink loop")
    return _Found(path, name, relative, "unreadable", f"cannot read: {_reason(exc)}")


_FILE_KINDS = ((stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
               (stat.S_ISBLK, "block device"))


def _classify_file(path: Path, name: str, relative: str, info: os.stat_result) -> _Found:
    if not stat.S_ISREG(info.st_mode):
        kind = next((kind for test, kind in _FILE_KINDS if test(info.st_mode)), "special file")
        return _Found(path, name, relative, SKIPPED_STATUS, f"not a regular file: {kind}")
    suffix = path.suffix.lower()
    identity = (info.st_dev, info.st_ino)
    if suffix in UNSUPPORTED_DOCUMENT_SUFFIXES:
        return _Found(path, name, relative, "unsupported-format",
                      f"a {suffix} document: auditor reads {READ_FORMATS}; save it as .docx, PDF or text to "
                      "audit it", identity)
    if suffix in NON_DOCUMENT_SUFFIXES:
        return _Found(path, name, relative, SKIPPED_STATUS, f"not a document format auditor reads: {suffix}", identity)
    return _Found(path, name, relative, identity=identity)


def _distinct(found: list[_Found]) -> list[_Found]:
    """The same real file reached twice (two given paths, a link, a hard link) is listed once."""
    seen_files: set[tuple[int, int]] = set()
    seen_names: set[str] = set()
    distinct = []
    for entry in found:
        key = entry.identity
        if (key is not None and key in seen_files) or (key is None and entry.name in seen_names):
            continue
        if key is not None:
            seen_files.add(key)
        seen_names.add(entry.name)
        distinct.append(entry)
    return distinct


def _named(found: list[_Found]) -> Iterator[InputFile]:
    docs = _unique([printable_name(entry.name) for entry in found])
    clashing = Counter(entry.relative for entry in found)
    outputs = _unique([entry.relative if clashing[entry.relative] == 1 else safe_relative(entry.name) or "_"
                       for entry in found])
    for entry, doc, output_name in zip(found, docs, outputs):
        yield InputFile(entry.path, doc, output_name, entry.status, entry.message)


def _unique(names: list[str]) -> list[str]:
    """The names, a clash after the first numbered in order (n.txt, n~2.txt): deterministic."""
    taken = set(names)
    seen: set[str] = set()
    unique = []
    for name in names:
        if name in seen:
            stem, dot, suffix = name.rpartition(".")
            if not stem or "/" in suffix:
                stem, dot, suffix = name, "", ""
            number = 2
            while (candidate := f"{stem}~{number}{dot}{suffix}") in taken:
                number += 1
            taken.add(candidate)
            name = candidate
        seen.add(name)
        unique.append(name)
    return unique


def _normal(as_given: str) -> str:
    return os.path.normpath(as_given).replace(os.sep, "/")


def _joined(base: str, name: str) -> str:
    return name if base in ("", ".") else f"{base.rstrip('/')}/{name}"


def safe_relative(name: str) -> str:
    """``name`` without a root, a drive, '.' or '..' ('' when nothing is left):
    a path that stays under an output folder (``../a/n.txt`` becomes ``a/n.txt``)."""
    drive_free = os.path.splitdrive(name)[1]
    parts = [part for part in drive_free.replace("\\", "/").split("/") if part not in ("", ".", "..")]
    return "/".join(parts)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable_name(text: str) -> str:
    """``text`` (a file name, or a line of output holding one) with what would
    split, reorder or garble a line escaped: control and format characters
    (newlines, bidi overrides, zero-width ones) as \\n or \\u202e, the bytes of
    a name that is not UTF-8 (surrogate escapes) as \\xff."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch.isprintable() or ch in " \u3000":
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif 0xDC80 <= ord(ch) <= 0xDCFF:
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
    return "".join(out)


# ---------------------------------------------------------------------------
# Decoding by evidence
# ---------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# The encodings Chinese text comes in, as SourceText.encoding names them.
DETECTED_ENCODINGS = ("gb18030", "big5", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
_ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32",
                    "gb18030": "GB18030", "big5": "Big5", "utf-16-le": "UTF-16 LE", "utf-16-be": "UTF-16 BE",
                    "utf-32-le": "UTF-32 LE", "utf-32-be": "UTF-32 BE"}
# In these a NUL byte is a NUL character, never part of another one.
_NUL_IS_A_BYTE = ("utf-8", "utf-8-sig", "gb18030", "big5")
# A few bad bytes are repaired (U+FFFD); more than this share means the encoding is wrong.
REPAIRABLE_SHARE = 0.005
REPAIRABLE_BYTES = 3  # at least this many, so that a short file cut mid-character is repaired
SAMPLE_BYTES = 64 * 1024  # what the detector reads of a file that is not UTF-8
# The share of characters of a decoding that must be ordinary ones (common hanzi, ASCII, punctuation).
PLAUSIBLE_SHARE = 0.8
_SHOWN_OFFSETS = 3

_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b", b"7z\xbc\xaf",
               b"Rar!", b"\x7fELF", b"\xd0\xcf\x11\xe0", b"BZh", b"\xfd7zXZ", b"MZ", b"\x00\x00\x01\x00",
               b"RIFF", b"OggS", b"fLaC", b"ID3", b"wOFF", b"SQLite format 3")


@dataclass(frozen=True)
class Decoded:
    """How a file's bytes were read: the text, or why there is none."""

    text: str
    encoding: str
    status: str  # ok | repaired | binary | undecodable
    message: str = ""


class _TooManyBadBytes(Exception):
    pass


class _BadBytes:
    """Counts and places the bytes a decoder could not read; gives up past ``limit``."""

    def __init__(self, limit: int):
        self.limit = limit
        self.count = 0
        self.runs: list[list[int]] = []  # [start, end) byte offsets, adjacent ones merged

    def add(self, start: int, end: int) -> None:
        self.count += end - start
        if self.count > self.limit:
            raise _TooManyBadBytes
        if self.runs and self.runs[-1][1] == start:
            self.runs[-1][1] = end
        else:
            self.runs.append([start, end])

    def describe(self, encoding: str) -> str:
        starts = sorted(start for start, _ in self.runs)
        where = ", ".join(str(start) for start in starts[:_SHOWN_OFFSETS]) + (", …" if len(starts) > _SHOWN_OFFSETS else "")
        noun, verb = ("byte", "was") if self.count == 1 else ("bytes", "were")
        return (f"{self.count} {noun} could not be decoded as {_ENCODING_LABELS.get(encoding, encoding)} "
                f"and {verb} replaced (at {'byte' if len(starts) == 1 else 'bytes'} {where})")


_collecting = threading.local()


def _replace_and_count(exc: UnicodeDecodeError):
    _collecting.bad.add(exc.start, exc.end)
    return "\ufffd", exc.end


codecs.register_error("auditor-count", _replace_and_count)


def _decode_counting(data: bytes, encoding: str, limit: int, final: bool = True) -> tuple[str, _BadBytes]:
    """Decodes with U+FFFD for each bad byte run (NUL bytes included where a
    NUL is a byte of its own); raises _TooManyBadBytes past ``limit``."""
    bad = _BadBytes(limit)
    _collecting.bad = bad
    try:
        if final:
            text = data.decode(encoding, "auditor-count")
        else:  # a sample: a character cut at its end is not an error
            text = codecs.getincrementaldecoder(encoding)("auditor-count").decode(data, final=False)
    finally:
        _collecting.bad = None
    if encoding in _NUL_IS_A_BYTE and "\x00" in text:
        for match in re.finditer(b"\x00+", data):
            bad.add(match.start(), match.end())
        text = text.replace("\x00", "\ufffd")
    return text, bad


def _repairable_limit(size: int) -> int:
    return max(REPAIRABLE_BYTES, int(size * REPAIRABLE_SHARE))


def _decoded(text: str, bad: _BadBytes, encoding: str) -> Decoded | None:
    """The decoding, repaired where a few bytes were bad; None when a repaired
    text does not read as text (a few bad bytes in a tiny file prove nothing)."""
    if not bad.count:
        return Decoded(text, encoding, "ok")
    if plausible_share(text[:SAMPLE_BYTES]) < PLAUSIBLE_SHARE:
        return None
    return Decoded(text, encoding, "repaired", bad.describe(encoding))


def decode_document(data: bytes) -> Decoded:
    """Reads bytes as text by evidence: a BOM, then strict UTF-8 (the fast
    path, one pass), then UTF-8 with a few bad bytes repaired, then the
    detector's candidates checked on a sample; else binary or undecodable."""
    limit = _repairable_limit(len(data))
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _decoded(*_decode_counting(data, encoding, limit), encoding) or _undecodable(data)
            except _TooManyBadBytes:
                return _undecodable(data)
    if b"\x00" not in data:
        try:
            return Decoded(data.decode("utf-8"), "utf-8", "ok")
        except UnicodeDecodeError:
            pass
    if data.startswith(_SIGNATURES):
        return Decoded("", "", "binary", "not a text file (binary content)")
    encodings = ["utf-8"] if data.count(0) <= limit else []
    for encoding in itertools.chain(encodings, _candidate_encodings(data[:SAMPLE_BYTES])):
        try:
            decoded = _decoded(*_decode_counting(data, encoding, limit), encoding)
        except _TooManyBadBytes:
            continue
        if decoded is not None:
            return decoded
    if _looks_binary(data[:8192]):
        return Decoded("", "", "binary", "not a text file (binary content)")
    return _undecodable(data)


def _undecodable(data: bytes) -> Decoded:
    try:
        data.decode("utf-8")
        first = data.index(0)
    except UnicodeDecodeError as exc:
        first = exc.start
    except ValueError:
        first = 0
    readable = ", ".join(_ENCODING_LABELS[e] for e in ("utf-8", *DETECTED_ENCODINGS))
    return Decoded("", "", "undecodable",
                   f"not text in an encoding auditor reads ({readable}); the first byte that is not UTF-8 "
                   f"is at byte {first}")


def _candidate_encodings(sample: bytes) -> list[str]:
    """The detected encodings whose decoding of the sample reads as ordinary
    text, most plausible first (charset-normalizer's order breaks ties)."""
    # threshold=1: its mess measure finds most Chinese text messy; plausibility decides below.
    proposed = [_codec_name(m.encoding) for m in charset_normalizer.from_bytes(
        sample, cp_isolation=[e.replace("-", "_") for e in DETECTED_ENCODINGS], threshold=1.0)]
    order = [e for e in proposed if e in DETECTED_ENCODINGS] + [e for e in DETECTED_ENCODINGS if e not in proposed]
    limit = _repairable_limit(len(sample))
    scored = []
    for rank, encoding in enumerate(order):
        try:
            text, _ = _decode_counting(sample, encoding, limit, final=False)
        except _TooManyBadBytes:
            continue
        share = plausible_share(text)
        if share >= PLAUSIBLE_SHARE:
            scored.append((-share, rank, encoding))
    return [encoding for _, _, encoding in sorted(scored)]


def _codec_name(name: str) -> str:
    return codecs.lookup(name).name.replace("_", "-")


# Besides hanzi, what Chinese text is made of: ASCII, ·, ×, punctuation, number forms, circled
# numbers, box drawing and shapes, CJK and full-width punctuation.
_ORDINARY_RANGES = ((0x09, 0x0A), (0x0D, 0x0D), (0x20, 0x7E), (0xB7, 0xB7), (0xD7, 0xD7), (0x2000, 0x206F),
                    (0x2100, 0x218F), (0x2460, 0x24FF), (0x2500, 0x25FF), (0x3000, 0x303F), (0xFF00, 0xFFEF))


@lru_cache(maxsize=1)
def _ordinary_characters() -> frozenset[str]:
    """The hanzi of GB2312 and the frequent ones of Big5 (ordinary simplified and
    traditional text; a wrong decoding gives rare ones), and the rest of
    :data:`_ORDINARY_RANGES`. Built once per process, in milliseconds."""
    chars = {chr(code) for low, high in _ORDINARY_RANGES for code in range(low, high + 1)}
    for lead in range(0xB0, 0xF8):
        chars.update(bytes([lead, trail]).decode("gb2312", "ignore") for trail in range(0xA1, 0xFF))
    for lead in range(0xA4, 0xC7):
        chars.update(bytes([lead, trail]).decode("big5", "ignore") for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)))
    chars.discard("")
    chars.discard("\ufffd")
    return frozenset(chars)


def plausible_share(text: str) -> float:
    """The share of characters that ordinary Chinese text is made of (U+FFFD is not)."""
    if not text:
        return 0.0
    return sum(map(_ordinary_characters().__contains__, text)) / len(text)


def _looks_binary(sample: bytes) -> bool:
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return b"\x00" in sample or control > 0.05 * max(1, len(sample))


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Returns (text, encoding name); raises UnicodeDecodeError when no encoding fits."""
    decoded = decode_document(data)
    if not decoded.encoding:
        raise UnicodeDecodeError("utf-8", data, 0, max(1, len(data)), decoded.message)
    return decoded.text, decoded.encoding


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def _nonblocking(path, flags):
    # A file swapped for a fifo after it was listed must not hang the scan.
    return os.open(path, flags | os.O_NONBLOCK)


def _absolute(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return os.path.abspath(path)


def load_input(file: InputFile, max_bytes: int = DEFAULT_MAX_BYTES, on_bytes=None) -> SourceText:
    """The SourceText of a found entry: read, or with the status decided when it was found."""
    if file.status:
        # Not read, so not followed: a link is named by where it stands, not by what it points at.
        where = Path(_absolute(file.path.parent)) / file.path.name if os.path.islink(file.path) else _absolute(file.path)
        return SourceText(file.doc, str(where), "", "", file.status, file.message)
    return load_file(file.path, file.doc, max_bytes, on_bytes)


def load_file(path: Path, doc: str, max_bytes: int = DEFAULT_MAX_BYTES, on_bytes=None) -> SourceText:
    """Reads and decodes one file; every problem is a status and a message, never an exception.
    ``on_bytes(data)`` is called with the bytes read, when the whole file was read (the map
    cache keys the result by the bytes it was made of)."""
    absolute = _absolute(path)

    def problem(status: str, message: str, encoding: str = "") -> SourceText:
        return SourceText(doc, absolute, "", encoding, status, message)

    try:
        with open(path, "rb", opener=_nonblocking) as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                return problem(SKIPPED_STATUS, "not a regular file (any more: it changed after it was listed)")
            if info.st_size > max_bytes:
                return problem("too-large", f"{info.st_size} bytes is over the limit of {max_bytes} (--max-bytes)")
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return problem("unreadable", f"cannot read: {_reason(exc)}")
    if len(data) > max_bytes:  # grew since fstat
        return problem("too-large", f"over the limit of {max_bytes} bytes (--max-bytes)")
    if on_bytes is not None:
        on_bytes(data)
    if not data.strip():
        return problem(EMPTY_STATUS, "the file is empty" if not data else "the file holds only white space")
    suffix = path.suffix.lower()
    if suffix in DOCUMENT_READERS:
        name, read = DOCUMENT_READERS[suffix]
        try:
            extracted = read(data)
        except FormatError as exc:
            return problem(exc.status, f"{_FORMAT_LABELS[name]}: {exc}")
        except Exception as exc:  # noqa: BLE001 - a reader's failure on a strange file is a file not checked
            return problem("unparseable", f"{_FORMAT_LABELS[name]} its reader failed on: {type(exc).__name__}: {exc}")
        return _extracted_source(doc, absolute, extracted, name, "", "ok", "")
    decoded = decode_document(data)
    if not decoded.encoding and suffix not in TEXT_SUFFIXES:
        # Under a name that does not say text, content that is not text is not a document.
        return problem(SKIPPED_STATUS, f"not a document format auditor reads: {suffix or 'no suffix'} "
                                       f"({decoded.status} content)")
    if not decoded.encoding:
        return problem(decoded.status, decoded.message)
    if not decoded.text.strip():
        return problem(EMPTY_STATUS, "the file holds only white space", decoded.encoding)
    if not decoded.text.replace("\ufffd", "").strip():
        return problem("undecodable", decoded.message)
    if suffix in HTML_SUFFIXES:
        extracted = html_format.read_markup(decoded.text)
        return _extracted_source(doc, absolute, extracted, "html", decoded.encoding, decoded.status, decoded.message)
    return SourceText(doc, absolute, decoded.text, decoded.encoding, decoded.status, decoded.message)


_FORMAT_LABELS = {"docx": "a Word document", "pdf": "a PDF", "html": "an HTML page"}


def _extracted_source(doc: str, absolute: str, extracted: Extracted, name: str, encoding: str, status: str,
                      message: str) -> SourceText:
    """The SourceText of what a format's reader read; a file that shows no text and holds nothing else is empty."""
    if not extracted.text.strip() and not extracted.findings:
        return SourceText(doc, absolute, "", encoding, EMPTY_STATUS, f"{_FORMAT_LABELS[name]} without text",
                          format=name)
    return SourceText(doc, absolute, extracted.text, encoding, status, message, format=name,
                      parts=extracted.parts, in_file=extracted.findings)
