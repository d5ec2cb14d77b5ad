"""Writing output that never touches an input, lands whole or not at all, and never follows a link.

An output folder (``scan``'s tables and report, ``fix``'s copies) is built in a
staging folder beside it, in the same parent, and swapped into place when it
is complete: a run that is killed leaves the previous output or none, never a
mix. A manifest inside the folder records what auditor wrote, so the next run
may replace exactly that; whatever else the folder holds (a `.gitkeep`, a
benchmark's figures, a user's notes) is kept, hard-linked into the new folder
so that a killed run cannot lose it. A file auditor would write over that an
earlier run did not write is someone else's, and the run is refused. One
writer at a time holds an OS lock on a file beside the
folder (the kernel releases it when a run is killed); the run that holds it
removes what killed runs left behind. A single output file (``check
--output``) is written to a temporary file in its folder and renamed over.

Every destination is checked (and the lock taken) before any document is read,
so an unwritable one costs nothing and ends in exit 2 with its reason.
"""
from __future__ import annotations

import contextlib
import errno
import glob
import json
import os
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from .. import __version__
from ..errors import OutputError
from ..map.loading import safe_relative

try:
    import fcntl
except ImportError:  # Windows: a byte-range lock, released as flock's is when the process dies
    fcntl = None
    import msvcrt

MANIFEST = ".auditor-manifest.json"
# The audit tables a scan writes (auditor.output.tables writes them), by the format of its
# tables (`auditor scan --tables`), and the names a command writes whatever its inputs
# (checked before any document is read).
TABLE_FILES = ("slots.csv", "slots.json", "files.csv", "documents.csv", "documents.json", "clues.csv", "in_file.csv")
PARQUET_TABLE_FILES = ("slots.parquet", "files.parquet", "documents.parquet", "clues.parquet", "in_file.parquet")
TABLE_FORMATS = {"csv": TABLE_FILES, "parquet": PARQUET_TABLE_FILES}
_REPORT_FILES = ("index.html", "docs")
_ALWAYS_WRITTEN = {"scan": (*TABLE_FILES, *_REPORT_FILES)}


def scan_files(tables: str = "csv") -> tuple[str, ...]:
    """The names a scan writes in its output folder with tables of the format ``tables``."""
    try:
        return (*TABLE_FORMATS[tables], *_REPORT_FILES)
    except (KeyError, TypeError):
        raise OutputError(f"tables {tables!r}: the audit tables are written as "
                          f"{' or '.join(TABLE_FORMATS)}") from None
MANIFEST_TOOL = "auditor"
_STAGING = "staging"
_RETIRED = "old"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _blocker(folder: Path, exc: OSError) -> str:
    """Why ``folder`` cannot be made: a file standing where a folder must be, or the OS's reason."""
    for ancestor in [folder, *folder.parents]:
        if ancestor.exists() and not ancestor.is_dir():
            return f"{ancestor} is a file, not a folder"
    return _reason(exc)


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


# ---------------------------------------------------------------------------
# Single files


def check_file_destination(path: str | os.PathLike, inputs: Iterable[str | os.PathLike] = ()) -> Path:
    """Raises OutputError unless a file can be written at ``path`` (its folder
    exists and takes a new file, and it is no input nor in an input folder);
    nothing is left behind."""
    path = Path(path)
    _refuse_special(path)
    refuse_overlap(path, inputs, "--output")
    folder = path.absolute().parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: the folder {folder} does not exist")
    try:
        probe, name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_reason(exc)}") from exc
    os.close(probe)
    os.unlink(name)
    return path


def _refuse_special(path: Path) -> None:
    """Only a regular file is ever replaced: renaming over a link, a device or a
    fifo (/dev/stdout, /dev/full) would destroy it, writing into it would follow it."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_reason(exc)}") from exc
    if stat.S_ISREG(mode):
        return
    what = ("a symbolic link" if stat.S_ISLNK(mode) else "a folder" if stat.S_ISDIR(mode)
            else "a device, fifo or socket")
    raise OutputError(f"cannot write {path}: it is {what}, which auditor never writes through or replaces; "
                      "give the path of a regular file (or leave out --output for standard output)")


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Writes ``data`` to ``path`` whole or not at all: a temporary file in the
    same folder renamed over it. Only a missing or regular file is replaced
    (never a link, a device or a fifo)."""
    path = Path(path)
    _refuse_special(path)
    try:
        handle, name = tempfile.mkstemp(dir=path.absolute().parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_reason(exc)}") from exc
    try:
        # mkstemp makes the file private (0600): give it the mode any new file gets here.
        if hasattr(os, "fchmod"):
            os.fchmod(handle, 0o666 & ~_umask())
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(name, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):  # the clean-up must not hide the error being handled
            os.unlink(name)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write {path}: {_reason(exc)}") from exc
        raise
    return path


def _lock_now(descriptor: int) -> None:
    """An exclusive lock on the open file, or OSError (EAGAIN/EACCES) when another process holds it."""
    if fcntl is not None:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:
        msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


# ---------------------------------------------------------------------------
# Names of copies


def safe_relative_name(name: str) -> PurePosixPath:
    """:func:`~auditor.map.loading.safe_relative` as a path, or OutputError when no name is left."""
    relative = safe_relative(name)
    if not relative:
        raise OutputError(f"{name!r} gives no file name to write under the output folder")
    return PurePosixPath(relative)


def target_inside(folder: Path, name: str) -> Path:
    """``folder / name`` after checking that it stays inside ``folder``."""
    target = folder / safe_relative_name(name)
    if not _within(target.resolve(), folder.resolve()):
        raise OutputError(f"{name}: its copy would be written outside {folder}")
    return target


# ---------------------------------------------------------------------------
# Output folders


def refuse_overlap(out: Path, inputs: Iterable[str | os.PathLike], option: str = "--out") -> None:
    """Raises OutputError when ``out`` lies in an input folder (it would be
    read as input) or is or holds an input (replacing it would lose it)."""
    # The last part is not followed: a link there is replaced, never written through.
    where = Path(out).absolute().parent.resolve() / Path(out).absolute().name
    for given in map(Path, inputs):
        try:
            root, is_folder = given.resolve(strict=True), given.is_dir()
        except (OSError, RuntimeError):  # missing, too long a name, a loop: the input check says so
            continue
        if is_folder and _within(where, root):
            raise OutputError(f"{option} {out} is inside the input folder {given}: the output would be read as input")
        if _within(root, where):
            raise OutputError(f"{option} {out} is or holds the input {given}, and auditor replaces it: "
                              "that would overwrite an input file")


class OutputFolder:
    """An output folder written through a staging folder and swapped in whole.

    ``with OutputFolder(out, inputs) as folder:`` checks the destination, takes
    the lock and makes ``folder.staging``; write everything there, then call
    :meth:`commit`. Leaving the block without a commit (an error, Ctrl-C)
    removes the staging folder and leaves ``out`` as it was. ``writes``: the
    names the run will write whatever its inputs, refused before any document
    is read when someone else's file has one (by default the command's: a
    scan's with CSV tables; :func:`scan_files` gives a scan's of each format).
    """

    def __init__(self, out: str | os.PathLike, inputs: Iterable[str | os.PathLike] = (), command: str = "scan",
                 writes: Iterable[str] | None = None):
        self.path = Path(out)  # as given: in messages and in the paths returned
        # Every file system operation uses the absolute form: "." or "x/.." have no name to build beside.
        self._target = Path(os.path.abspath(out))
        self.inputs = [Path(p) for p in inputs]
        self.command = command
        self.writes = tuple(_ALWAYS_WRITTEN.get(command, ()) if writes is None else writes)
        self.staging: Path | None = None
        self.committed = False
        self._lock = None
        self._depth = 0
        self._token = f"{os.getpid()}-{secrets.token_hex(4)}"

    # -- opening --------------------------------------------------------

    def __enter__(self) -> "OutputFolder":
        self._depth += 1
        if self._depth > 1:  # already opened by the caller (the CLI, before reading)
            return self
        try:
            self._open()
        except BaseException:
            self._close()
            raise
        return self

    def _open(self) -> None:
        out = self.path
        if not self._target.name:
            raise OutputError(f"--out {out} is the root folder: give a folder under it")
        if self._target.is_symlink():
            raise OutputError(f"--out {out} is a symbolic link: give the folder itself")
        if _within(Path.cwd().resolve(), self._target.resolve()):
            # Swapped out, it would leave this shell in a deleted folder.
            raise OutputError(f"--out {out} is the working folder or holds it, and auditor replaces --out whole: "
                              "give a folder of its own")
        if self._target.exists() and not self._target.is_dir():
            raise OutputError(f"--out {out} is not a folder")
        refuse_overlap(out, self.inputs)
        parent = self._target.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot create the folder {parent} for --out {out}: {_blocker(parent, exc)}") from exc
        self._lock = self._take_lock(parent)
        self._refuse_foreign_folder()
        self._remove_leftovers(parent)
        staging = self._sibling(_STAGING)
        try:
            staging.mkdir()
        except OSError as exc:
            # The new output is built beside the old one and renamed over it.
            raise OutputError(f"cannot write in {parent}, where --out {out} is built: {_reason(exc)}") from exc
        self.staging = staging

    def _take_lock(self, parent: Path):
        lock_path = parent / f".{self._target.name}.auditor-lock"
        try:
            flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
            descriptor = os.open(lock_path, flags, 0o644)
        except OSError as exc:
            raise OutputError(f"cannot write in {parent}, where --out {self.path} is built: {_reason(exc)}") from exc
        try:
            _lock_now(descriptor)
        except OSError as exc:
            os.close(descriptor)
            if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES, getattr(errno, "EDEADLOCK", errno.EAGAIN)):
                raise OutputError(f"another auditor run is writing to {self.path} "
                                  f"(it holds {lock_path}); wait for it to finish") from exc
            raise OutputError(f"cannot lock {lock_path}: {_reason(exc)}") from exc
        return descriptor

    def _sibling(self, kind: str) -> Path:
        """This run's staging or retired folder beside --out (a killed run's are found by the pattern)."""
        return self._target.parent / f".{self._target.name}.{kind}-{self._token}"

    def _earlier_files(self) -> set[str]:
        """What an earlier run wrote in --out (its manifest, or a scan's output from before manifests)."""
        if not self._target.is_dir():
            return set()
        listed = read_manifest(self._target)
        if listed is None:
            names = [n for n in _files_under(self._target) if not any(p.startswith(".") for p in n.split("/"))]
            listed = set(names) if _earlier_scan_output(self._target, names) else set()
        return listed

    def _foreign_top_entries(self) -> list[str]:
        """The top-level entries of --out that no earlier run wrote: they are kept."""
        if not self._target.is_dir():
            return []
        earlier_tops = {name.split("/", 1)[0] for name in self._earlier_files()}
        return sorted(entry.name for entry in os.scandir(self._target)
                      if entry.name != MANIFEST and entry.name not in earlier_tops)

    def _refuse_foreign_folder(self, writes: Iterable[str] | None = None) -> None:
        """Refuses to write over a file auditor did not write: before reading, for the
        names the command always writes; at the commit, for every file it wrote."""
        if not self._target.is_dir():
            return
        foreign = set(self._foreign_top_entries())
        if writes is None:
            writes = self.writes
        clashes = sorted({name for name in writes if name.split("/", 1)[0] in foreign})
        if clashes:
            raise OutputError(f"--out {self.path} holds {', '.join(clashes[:3])}{', …' if len(clashes) > 3 else ''}, "
                              "which auditor would replace but did not write; move it away or give another folder")

    def _remove_leftovers(self, parent: Path) -> None:
        # Held under the lock: no other run is using these.
        prefix = glob.escape(f".{self._target.name}.")
        for kind in (_STAGING, _RETIRED):
            for leftover in parent.glob(f"{prefix}{kind}-*"):
                if leftover.is_dir() and not leftover.is_symlink():
                    shutil.rmtree(leftover, ignore_errors=True)

    # -- committing -----------------------------------------------------

    def commit(self) -> Path:
        """Puts the manifest into the staging folder, carries over the old
        folder's dotfiles, and swaps the staging folder in for ``out``."""
        if self.committed:
            return self.path
        staging = self.staging
        self._refuse_foreign_folder(_files_under(staging))
        try:
            self._write_manifest(staging)
            self._keep_foreign_entries(staging)
            retired = None
            if self._target.exists():
                retired = self._sibling(_RETIRED)
                os.rename(self._target, retired)
            os.rename(staging, self._target)
        except OSError as exc:
            raise OutputError(f"cannot put the new output in place at {self.path}: {_reason(exc)}") from exc
        self.committed = True
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
        return self.path

    def _write_manifest(self, staging: Path) -> None:
        manifest = {"tool": MANIFEST_TOOL, "version": __version__, "command": self.command,
                    "files": _files_under(staging)}
        # ASCII: a name that is not UTF-8 (surrogate escapes) goes in as \udcXX and reads back as itself.
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="ascii")

    def _keep_foreign_entries(self, staging: Path) -> None:
        for name in self._foreign_top_entries():
            source, kept = self._target / name, staging / name
            # Linked, not moved: a run killed before the swap must not take them with it.
            if os.path.isdir(source) and not os.path.islink(source):
                shutil.copytree(source, kept, symlinks=True, copy_function=_link_or_copy)
            else:
                _link_or_copy(source, kept)

    # -- closing --------------------------------------------------------

    def __exit__(self, kind, exc, tb) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._close()

    def _close(self) -> None:
        if self.staging is not None and not self.committed:
            shutil.rmtree(self.staging, ignore_errors=True)
        if self._lock is not None:
            os.close(self._lock)  # releases the lock
            self._lock = None


def _link_or_copy(source: str | os.PathLike, target: str | os.PathLike) -> None:
    """A second name for the same file (same parent, so the same file system); a copy where links are refused."""
    if os.path.islink(source):
        os.symlink(os.readlink(source), target)
        return
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


def read_manifest(folder: Path) -> set[str] | None:
    """The files an earlier auditor run wrote in ``folder``, or None when it has no valid manifest."""
    manifest = folder / MANIFEST
    if manifest.is_symlink() or not manifest.is_file():
        return None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("tool") != MANIFEST_TOOL or not isinstance(data.get("files"), list):
        return None
    return {name for name in data["files"] if isinstance(name, str)}


def _earlier_scan_output(folder: Path, names: list[str]) -> bool:
    """A scan's output written before auditor kept a manifest: only the files
    a scan writes, and an index.html that names auditor as its generator."""
    own = set(TABLE_FILES) | {"index.html"}
    if "index.html" not in names or not all(
            name in own or (name.startswith("docs/") and name.count("/") == 1 and name.endswith(".html"))
            for name in names):
        return False
    index = folder / "index.html"
    if index.is_symlink():
        return False
    try:
        with open(index, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return b'<meta name="generator" content="auditor ' in head


def _files_under(folder: Path) -> list[str]:
    """Every entry under ``folder`` that is not a folder (links included, never followed), '/'-separated."""
    def unreadable(exc: OSError) -> None:
        # What cannot be listed cannot be known to be auditor's: never replaced unseen.
        raise OutputError(f"cannot read {exc.filename}: {_reason(exc)}") from exc

    found = []
    for directory, subfolders, files in os.walk(folder, onerror=unreadable):
        relative = Path(directory).relative_to(folder)
        for name in files + [s for s in subfolders if os.path.islink(os.path.join(directory, s))]:
            found.append((relative / name).as_posix())
    return sorted(found)
