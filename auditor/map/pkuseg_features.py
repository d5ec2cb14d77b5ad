"""pkuseg's feature table on disk, so that a process that cuts a few clauses
does not first unpickle all of it.

pkuseg's extractor looks every character's candidate features up in one dict
(``features.pkl``: 2.6 million entries, seconds to unpickle, the larger part of
a cold ``auditor check``). The features a clause's lookups can find are a
function of the clause alone (:func:`lookup_keys` spells them out as pkuseg's
extractor forms them), so a dict that holds those gives the very words the
whole dict gives. :class:`FeatureTable` keeps the table as an SQLite file in
auditor's cache folder, built once from ``features.pkl`` (by ``make install``,
else on first use), and :class:`GrowingExtractor` hands pkuseg a dict that
grows by each clause's features, until a process has cut enough text that
loading the whole table costs less than looking its features up. The model's
weights are kept there too, as one array each process maps (:func:`mapped_weights`).
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import logging
import os
import pickle
import re
import sqlite3
import tempfile
import threading
from pathlib import Path

from ..gazetteer.cache import default_cache_dir

log = logging.getLogger("auditor")

FORMAT_VERSION = 1
# Keys per query: SQLite's limit on the parameters of one statement is 32,766 since 3.32.
_QUERY_KEYS = 30_000
# Nodes a process looks features up for before it loads the whole table: about
# where the lookups have cost what the load costs (the bench's "pkuseg features"
# line gives both).
FULL_LOAD_NODES = 50_000


def _source_key(source_file: Path) -> str:
    """What names the file built from ``source_file`` (the model's features.pkl or weights.npz):
    its path, size and time (hashing 77 MB would cost what the table saves)."""
    status = source_file.stat()
    source = f"{source_file.resolve()}\0{status.st_size}\0{status.st_mtime_ns}\0{FORMAT_VERSION}"
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def table_path(model_dir: Path, cache_dir: Path | None = None) -> Path:
    """Where the table of the model in ``model_dir`` is kept."""
    folder = cache_dir if cache_dir is not None else default_cache_dir()
    return folder / f"pkuseg-features-v{FORMAT_VERSION}-{_source_key(model_dir / 'features.pkl')}.sqlite"


def weights_path(model_dir: Path, cache_dir: Path | None = None) -> Path:
    """Where the weights of the model in ``model_dir`` are kept as one array, for mapping."""
    folder = cache_dir if cache_dir is not None else default_cache_dir()
    return folder / f"pkuseg-weights-v{FORMAT_VERSION}-{_source_key(model_dir / 'weights.npz')}.npy"


@contextlib.contextmanager
def _written_atomically(path: Path):
    """A temporary name beside ``path`` to write; renamed to ``path`` when the block ends, removed if it fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temporary file first: an unwritable folder is found before the model is read.
    descriptor, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(descriptor)
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def build_weights(model_dir: Path, path: Path) -> Path:
    """Writes the weights of ``model_dir/weights.npz`` at ``path`` as one ``.npy`` array, atomically."""
    import numpy as np

    with _written_atomically(path) as temporary:
        with np.load(model_dir / "weights.npz") as npz, open(temporary, "wb") as writer:
            np.save(writer, npz["w"])
    return path


def mapped_weights(model_dir: Path, cache_dir: Path | None = None):
    """The model's weights (100 MB of float64) mapped from the cache, built there first if missing:
    a process reads the pages of the features it uses, and processes share them (copy on write:
    pkuseg's inference takes a writable array, and never writes it)."""
    import numpy as np

    path = weights_path(model_dir, cache_dir)
    if path.is_file():
        try:
            return np.load(path, mmap_mode="c")
        except (ValueError, OSError):
            log.warning("auditor: pkuseg's weights %s are damaged; writing them again", path)
    else:
        log.warning("auditor: writing pkuseg's weights into %s (once, a second)", path.parent)
    build_weights(model_dir, path)
    return np.load(path, mmap_mode="c")


def build_table(model_dir: Path, path: Path) -> Path:
    """Writes the table of ``model_dir/features.pkl`` at ``path``, atomically."""
    with _written_atomically(path) as temporary:
        with open(model_dir / "features.pkl", "rb") as reader:
            data = pickle.load(reader)
        with contextlib.closing(sqlite3.connect(temporary)) as db:
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("CREATE TABLE features (key TEXT PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID")
            db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID")
            db.executemany("INSERT INTO features VALUES (?, ?)", sorted(data["feature_to_idx"].items()))
            meta = {"unigram": sorted(data["unigram"]), "tag_to_idx": data["tag_to_idx"],
                    "n_features": len(data["feature_to_idx"])}
            db.executemany("INSERT INTO meta VALUES (?, ?)",
                           [(name, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) for name, value in meta.items()])
            db.commit()
    return path


class FeatureTable:
    """The feature table of one pkuseg model: ``lookup(keys)`` and ``everything()``
    read it; ``unigram``, ``tag_to_idx`` and ``n_features`` are pkuseg's."""

    def __init__(self, path: Path, source: Path) -> None:
        self.path = path
        self.source = source  # the features.pkl the table was built from
        self._connections: dict[int, sqlite3.Connection] = {}  # by process: forked workers open their own
        self._lock = threading.Lock()
        meta = dict(self._db().execute("SELECT name, value FROM meta"))
        self.unigram: set[str] = set(pickle.loads(meta["unigram"]))
        self.tag_to_idx: dict[str, int] = pickle.loads(meta["tag_to_idx"])
        self.n_features: int = pickle.loads(meta["n_features"])

    @classmethod
    def of_model(cls, model_dir: Path, cache_dir: Path | None = None) -> "FeatureTable":
        """The table of the model in ``model_dir``, built first if it is not in the cache."""
        path = table_path(model_dir, cache_dir)
        if path.is_file():
            try:
                return cls(path, model_dir / "features.pkl")
            except (sqlite3.DatabaseError, KeyError, pickle.UnpicklingError, EOFError):
                log.warning("auditor: pkuseg's feature table %s is damaged; building it again", path)
        log.warning("auditor: indexing pkuseg's features into %s (once, some seconds)", path.parent)
        build_table(model_dir, path)
        return cls(path, model_dir / "features.pkl")

    def _db(self) -> sqlite3.Connection:
        pid = os.getpid()
        with self._lock:
            if pid not in self._connections:
                self._connections[pid] = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                                         check_same_thread=False)
            return self._connections[pid]

    def lookup(self, keys) -> dict[str, int]:
        """The features among ``keys``, with their index."""
        keys = list(keys)
        found: dict[str, int] = {}
        db = self._db()
        with self._lock:
            for start in range(0, len(keys), _QUERY_KEYS):
                part = keys[start : start + _QUERY_KEYS]
                found.update(db.execute(f"SELECT key, idx FROM features WHERE key IN ({','.join('?' * len(part))})", part))
        return found

    def everything(self) -> dict[str, int]:
        """The whole table, as pkuseg's own dict (unpickled from the model: faster than reading SQLite's rows)."""
        with open(self.source, "rb") as reader:
            return pickle.load(reader)["feature_to_idx"]


def _slice(nodes: list[str], start: int, length: int) -> str:
    """pkuseg's ``get_slice_str``: the nodes from ``start`` joined, or "" where they do not fit."""
    if start < 0 or start >= len(nodes) or start + length >= len(nodes) + 1:
        return ""
    return "".join(nodes[start : start + length])


def lookup_keys(nodes: list[str], unigram: set[str], word_min: int, word_max: int, word_feature: bool) -> set[str]:
    """Every key pkuseg's ``__get_node_features_idx`` looks up for the nodes of
    one text (spacy_pkuseg/feature_extractor.pyx, position by position)."""
    keys: set[str] = set()
    length = len(nodes)
    lengths = range(word_max, word_min - 1, -1)
    for i, c in enumerate(nodes):
        keys.add("c." + c)
        if i > 0:
            keys.add("c-1." + nodes[i - 1])
            keys.add("c-1c." + nodes[i - 1] + "." + c)
        if i + 1 < length:
            keys.add("c1." + nodes[i + 1])
            keys.add("cc1." + c + "." + nodes[i + 1])
        if i > 1:
            keys.add("c-2." + nodes[i - 2])
            keys.add("c-2c-1." + nodes[i - 2] + "." + nodes[i - 1])
        if i + 2 < length:
            keys.add("c2." + nodes[i + 2])
        if not word_feature:
            continue

        def words(start_of) -> list[str]:
            found = []
            for size in lengths:
                piece = _slice(nodes, start_of(size), size)
                found.append(piece if piece in unigram else "**noWord")
            return found

        prefixes_in = words(lambda size: i - size + 1)
        suffixes_in = words(lambda size: i)
        keys.update("w-1." + word for word in prefixes_in if word != "**noWord")
        keys.update("w1." + word for word in suffixes_in if word != "**noWord")
        prefixes_ex = words(lambda size: i - size)
        suffixes_ex = words(lambda size: i + 1)
        keys.update("ww.l." + pre + "*" + post for pre in prefixes_ex for post in suffixes_in)
        keys.update("ww.r." + pre + "*" + post for pre in prefixes_in for post in suffixes_ex)
    return keys


def growing_extractor(table: FeatureTable, full_load_nodes: int = FULL_LOAD_NODES):
    """A pkuseg ``FeatureExtractor`` whose ``feature_to_idx`` holds the features of the
    texts it has seen (all of them once it has seen ``full_load_nodes`` nodes)."""
    from spacy_pkuseg.config import config
    from spacy_pkuseg.feature_extractor import FeatureExtractor

    class GrowingExtractor(FeatureExtractor):
        def __init__(self) -> None:
            super().__init__()
            self.unigram = table.unigram
            self.tag_to_idx = table.tag_to_idx
            self._asked: set[str] = set()  # keys looked up in the table, found or not
            self._nodes_left = full_load_nodes
            self.complete = False

        def get_node_features_idx(self, idx, nodes):
            # pkuseg asks position by position from 0: the first position adds the text's features.
            if idx == 0 and not self.complete:
                self._add_features_of(nodes)
            return super().get_node_features_idx(idx, nodes)

        def _add_features_of(self, nodes: list[str]) -> None:
            self._nodes_left -= len(nodes)
            if self._nodes_left < 0:
                self.feature_to_idx = table.everything()
                self.complete = True
                self._asked = set()
                return
            keys = lookup_keys(nodes, self.unigram, config.wordMin, config.wordMax, config.wordFeature)
            keys -= self._asked
            self.feature_to_idx.update(table.lookup(keys))
            self._asked |= keys

    return GrowingExtractor()


# pkuseg's dictionary has one word a line; its one-character entries.
_SINGLE = re.compile(r"^.?$", re.MULTILINE)


@functools.cache
def pkuseg_words() -> tuple[frozenset[str], frozenset[str]]:
    """pkuseg's own dictionary (``dicts/default.pkl`` of spacy-pkuseg): every entry, as its
    post-processor reads them, and those of two characters or more. Read once a process, for
    both pkuseg's post-processor and the lexicon segmenter, without importing spacy_pkuseg
    (which pulls in its model and training code). Both empty without spacy-pkuseg."""
    spec = importlib.util.find_spec("spacy_pkuseg")
    if spec is None or not spec.submodule_search_locations:
        log.warning("auditor: spacy-pkuseg is not installed; word boundaries come from characters only")
        return frozenset(), frozenset()
    with open(Path(list(spec.submodule_search_locations)[0]) / "dicts" / "default.pkl", "rb") as handle:
        words = pickle.load(handle)
    if not isinstance(words, str):
        words = "\n".join(words)
    words = words.strip()
    every = frozenset(words.split("\n"))
    return every, every.difference(_SINGLE.findall(words))


def pkuseg_over_table(model_dir: Path, table: FeatureTable, full_load_nodes: int = FULL_LOAD_NODES):
    """A ``spacy_pkuseg.pkuseg`` of the model in ``model_dir``, as
    ``pkuseg(model_name=str(model_dir))`` makes it, but for its extractor: a
    :func:`growing_extractor` of ``table``."""
    import spacy_pkuseg
    from spacy_pkuseg import Postprocesser, Preprocesser, config
    from spacy_pkuseg.model import Model

    segmenter = spacy_pkuseg.pkuseg.__new__(spacy_pkuseg.pkuseg)
    segmenter.postag = False
    config.modelDir = str(model_dir)
    segmenter.preprocesser = Preprocesser(None)
    # Postprocesser(None, [default.pkl]) as pkuseg makes it, but with the dictionary read once.
    segmenter.postprocesser = postprocesser = Postprocesser.__new__(Postprocesser)
    postprocesser.do_process, postprocesser.common_words = True, set()
    postprocesser.other_words = pkuseg_words()[0]
    segmenter.feature_extractor = growing_extractor(table, full_load_nodes)
    segmenter.model = model = Model.__new__(Model)  # Model.load reads all of weights.npz: 0.3 s
    model.w = mapped_weights(model_dir)
    model.n_tag, model.n_feature = len(table.tag_to_idx), table.n_features
    model.n_transition_feature = model.n_tag * (model.n_feature + model.n_tag)
    if model.w.shape != (model.n_transition_feature,):
        raise OSError(f"pkuseg's weights in {weights_path(model_dir)} do not fit its {table.n_features} features")
    segmenter.idx_to_tag = {idx: tag for tag, idx in table.tag_to_idx.items()}
    segmenter.n_feature = table.n_features
    segmenter.n_tag = len(table.tag_to_idx)
    return segmenter
