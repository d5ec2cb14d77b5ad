"""The map cache: each document's map result (its :class:`~auditor.records.DocumentAnalysis`,
slots, clues and fingerprint) kept from one scan to the next, so that a second scan of an
unchanged archive reads each file once, hashes it and skips the work (as ruff and coverage.py do).

Where: ``map-v1.sqlite`` in the cache folder, ``$AUDITOR_CACHE_DIR`` (default
``~/.cache/auditor``), beside the compiled gazetteer (:mod:`auditor.gazetteer.cache`). One
SQLite file rather than a file per document: a corpus of 100 000 documents would be 100 000
files; SQLite's transactions make the writes atomic (a reader sees a scan's entries all or
not at all, a killed scan leaves the file as it was) and let several scans read and write it
at once (each waits for the other's write lock). Nothing is written anywhere else.

The key of a document (:meth:`MapCache.key`) is a hash of everything its result depends on:
the file's bytes, the suffixes of its path and of its name (they choose the reader and the
normaliser), the bytes of every file of the rules folder as loaded (:attr:`Rules.digest`),
auditor's own code (the bytes of its modules, so that an edit between two releases counts),
:func:`auditor.scan.map_environment` (auditor's version, the data packages' versions, pkuseg's
model) and the map options that change results (clues or not, ``max_bytes``). A changed
rule file, code or package is a new key for every document: the old entries are never read
again (delete the folder to reclaim the space).

The value does not hold the document's name or path: the same bytes under another name give
that name's analysis, the name put back on load. Only what the bytes decide is kept: a file
that could not be read (permissions), was too large, or whose rule pattern ran out of time is
read again next time (its status depends on something besides its bytes). A hit is checked:
a value that does not unpickle to an analysis is a miss, never a crash; a cache folder that
cannot be written is a warning and the scan goes on uncached."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import sqlite3
import stat
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from .gazetteer.cache import default_cache_dir
from .records import DocumentAnalysis
from .rules import rules_digest

log = logging.getLogger("auditor")

CACHE_FILE = "map-v1.sqlite"
FORMAT = "auditor map cache 1"
# Statuses decided by something besides the bytes (the time a pattern took): never stored.
_NOT_STORED = ("rule-timeout", "unreadable", "too-large")


def content_digest(data: bytes) -> str:
    """The digest of a file's bytes the cache is keyed by."""
    return hashlib.blake2b(data, digest_size=20).hexdigest()


@lru_cache(maxsize=1)
def code_digest() -> str:
    """The digest of auditor's own modules (read once per process)."""
    root = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=20)
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def read_for_key(path: Path, max_bytes: int) -> str | None:
    """The content digest of a regular file of at most ``max_bytes``, read as the map would
    read it (without blocking on a fifo); None when it cannot be read so (then the map reads
    it, and decides its status)."""
    try:
        with open(path, "rb", opener=lambda name, flags: os.open(name, flags | os.O_NONBLOCK)) as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
                return None
            data = handle.read(max_bytes + 1)
    except OSError:
        return None
    return content_digest(data) if len(data) <= max_bytes else None


def storable(analysis: DocumentAnalysis) -> bool:
    return analysis.source.status not in _NOT_STORED


def _anonymous(analysis: DocumentAnalysis) -> DocumentAnalysis:
    """The analysis without its document's name, path and timings (what the cache keeps)."""
    return named(analysis, "", "", {})


def named(analysis: DocumentAnalysis, doc: str, path: str, timings: dict | None = None) -> DocumentAnalysis:
    """The analysis as that of the document ``doc`` at ``path``."""
    return replace(
        analysis, source=replace(analysis.source, doc=doc, path=path),
        slots=[replace(slot, doc=doc) for slot in analysis.slots],
        clues=[replace(clue, doc=doc) for clue in analysis.clues],
        timings=dict(analysis.timings if timings is None else timings))


class MapCache:
    """The map cache in ``folder`` (default: the cache folder). ``hits`` and ``misses``
    count this object's look-ups (misses: documents the map had to read)."""

    def __init__(self, folder: str | os.PathLike | None = None):
        self.folder = Path(folder).expanduser() if folder is not None else default_cache_dir()
        self.path = self.folder / CACHE_FILE
        self.hits = 0
        self.misses = 0
        self._db: sqlite3.Connection | None = None
        self._broken = False

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is None and not self._broken:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=60)
                db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
                db.commit()
                self._db = db
            except (OSError, sqlite3.Error) as exc:
                self._give_up(exc)
        return self._db

    def _give_up(self, exc: Exception) -> None:
        self._broken = True
        log.warning("auditor: the map cache %s cannot be used (%s); scanning without it", self.path, exc)
        if self._db is not None:
            self._db.close()
            self._db = None

    @staticmethod
    def context(rules, with_clues: bool, max_bytes: int, environment: dict[str, str]) -> str:
        """The part of every key that does not depend on the document (``environment``:
        :func:`auditor.scan.map_environment`)."""
        return json.dumps({"format": FORMAT, "code": code_digest(), "rules": rules.digest or rules_digest(rules.folder),
                           "environment": environment, "with_clues": with_clues, "max_bytes": max_bytes},
                          sort_keys=True)

    @staticmethod
    def key(context: str, content: str, path_suffix: str, doc_suffix: str) -> str:
        return hashlib.blake2b("\0".join((context, content, path_suffix, doc_suffix)).encode("utf-8", "surrogateescape"),
                               digest_size=24).hexdigest()

    def get(self, keys: list[str]) -> dict[str, DocumentAnalysis]:
        """The analyses stored under ``keys`` (anonymous: see :func:`named`); a bad entry is left out."""
        db = self._connect()
        found: dict[str, DocumentAnalysis] = {}
        if db is None:
            return found
        try:
            for start in range(0, len(keys), 500):
                part = keys[start:start + 500]
                rows = db.execute(f"SELECT key, value FROM entries WHERE key IN ({','.join('?' * len(part))})",
                                  part).fetchall()
                for key, value in rows:
                    try:
                        analysis = pickle.loads(value)
                    except Exception:  # noqa: BLE001 - a truncated or foreign entry is a miss
                        continue
                    if isinstance(analysis, DocumentAnalysis):
                        found[key] = analysis
        except sqlite3.Error as exc:
            self._give_up(exc)
            return {}
        return found

    def put(self, entries: dict[str, DocumentAnalysis]) -> None:
        """Stores the analyses (their names dropped), in one transaction."""
        if not entries:
            return
        db = self._connect()
        if db is None:
            return
        rows = [(key, pickle.dumps(_anonymous(analysis), protocol=5)) for key, analysis in entries.items()]
        try:
            with db:
                db.executemany("INSERT OR REPLACE INTO entries (key, value) VALUES (?, ?)", rows)
        except sqlite3.Error as exc:
            self._give_up(exc)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def cache_from_environment(no_cache: bool = False) -> MapCache | None:
    """The CLI's cache: the cache folder's, unless ``--no-cache`` or ``$AUDITOR_NO_CACHE`` is set."""
    if no_cache or os.environ.get("AUDITOR_NO_CACHE", "") not in ("", "0"):
        return None
    return MapCache()
