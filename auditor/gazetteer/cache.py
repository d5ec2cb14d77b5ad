"""The cache folder, ``$AUDITOR_CACHE_DIR`` (default ``~/.cache/auditor``), the one
place auditor writes to besides its outputs. It holds three kinds of entries, each
written atomically and each keyed by what it is made of:

* the compiled gazetteer (this module): a pickle whose name carries a hash of the
  source bytes and the format version; loaded once per process;
* the map cache (:mod:`auditor.mapcache`): ``map-v1.sqlite``, each document's map
  result keyed by its bytes, the rules, auditor's code and the data packages;
* pkuseg's feature table (:mod:`auditor.map.pkuseg_features`):
  ``pkuseg-features-v1-….sqlite``, named by the model file's path, size and time.

Deleting the folder clears them all (the gazetteer and the feature table are built
again on first use)."""

import copyreg
import os
import pickle
import tempfile
import threading
from pathlib import Path
from .model import _CACHE_PREFIX, FORMAT_VERSION, Gazetteer, log
from .build import _read_sources, _source_hash, compile_gazetteer, jionlp_dictionary_dir



# ---------------------------------------------------------------------------
# Cache
# ---------------------------------------------------------------------------

_memo: dict[str, Gazetteer] = {}
_memo_lock = threading.RLock()


def default_cache_dir() -> Path:
    env = os.environ.get("AUDITOR_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "auditor"


def _folder(cache_dir: str | os.PathLike | None) -> Path:
    folder = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    return folder.resolve()


def _cache_file(folder: Path, source_hash: str) -> Path:
    return folder / f"{_CACHE_PREFIX}-v{FORMAT_VERSION}-{source_hash}.pickle"


def _read_cache(path: Path) -> dict | None:
    try:
        with open(path, "rb") as fh:
            data = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # truncated or foreign file: it gets rebuilt
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
        return None
    return data


def _write_atomic(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(data, fh, protocol=5)
        # Parallel builders each write their own temp file; readers see either
        # no cache or a complete one.
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def build_cache(cache_dir: str | os.PathLike | None = None, force: bool = False) -> tuple[Path, bool]:
    """Make sure the cache file is current; returns (path, whether it was built now)."""
    folder = _folder(cache_dir)
    sources = _read_sources(jionlp_dictionary_dir())
    source_hash = _source_hash(sources)
    path = _cache_file(folder, source_hash)
    if not force and _read_cache(path) is not None:
        return path, False
    _write_atomic(path, compile_gazetteer(sources, source_hash))
    with _memo_lock:
        _memo.pop(str(folder), None)
        _memo.pop(str(path), None)
    return path, True


def _load_cache_file(path: str) -> Gazetteer:
    """The Gazetteer stored at ``path`` (memoised); the target of unpickling."""
    with _memo_lock:
        g = _memo.get(path)
        if g is None:
            data = _read_cache(Path(path))
            if data is None:
                raise FileNotFoundError(f"gazetteer cache missing or unreadable: {path}")
            g = _memo[path] = Gazetteer(data, path)
        return g


def _reduce_gazetteer(g: Gazetteer):
    # A process that unpickles a Gazetteer reloads it from the cache file
    # rather than receive tens of megabytes through a pipe.
    if g.cache_file is None:
        raise pickle.PicklingError("a Gazetteer without a cache file cannot be pickled")
    return (_load_cache_file, (g.cache_file,))


copyreg.pickle(Gazetteer, _reduce_gazetteer)


def load_gazetteer(cache_dir: str | os.PathLike | None = None) -> Gazetteer:
    """The gazetteer from the cache under ``cache_dir`` (else $AUDITOR_CACHE_DIR,
    else ~/.cache/auditor), compiling it first if the jionlp data is new to it.

    One instance per cache directory and process."""
    folder = _folder(cache_dir)
    with _memo_lock:
        g = _memo.get(str(folder))
        if g is not None:
            return g
        sources = _read_sources(jionlp_dictionary_dir())
        source_hash = _source_hash(sources)
        path = _cache_file(folder, source_hash)
        g = _memo.get(str(path))
        if g is None:
            data = _read_cache(path)
            if data is None:
                # The first run after `pip install` lands here: say why it waits.
                log.warning("auditor: building the gazetteer cache in %s (first use only, about 25 s; "
                            "'python -m auditor.gazetteer build' does it ahead of time)", folder)
                data = compile_gazetteer(sources, source_hash)
                _write_atomic(path, data)
            g = Gazetteer(data, str(path))
        _memo[str(folder)] = _memo[str(path)] = g
        return g


def clear_memo() -> None:
    """Forget the gazetteers loaded in this process (tests)."""
    with _memo_lock:
        _memo.clear()
