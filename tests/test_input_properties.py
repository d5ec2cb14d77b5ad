"""Property: whatever tree of files is scanned, every entry gets exactly one files.csv row,
and no input changes under scan, check or fix."""
from __future__ import annotations

import ctypes
import hashlib
import os
import stat
import subprocess
import sys
import tempfile

import pandas as pd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

SENTENCES = [
    "山西省×××县人民政府关于某县经济发展的报告。",
    "全县实现地区生产总值××亿元，增长×.×%。",
    "臺灣省某縣政府關於鄉鎮發展的報告。",
    "推进崞阳古城修复活化，轩岗镇新建××个项目。",
]
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "big5", "utf-16", "utf-16-le", "utf-16-be"]
# Name pieces: ASCII, Chinese, a space, bytes that are not UTF-8; never '/', NUL or a leading dot.
NAME_BYTES = st.lists(st.sampled_from([b"a", b"z", b"7", b"_", b" ", "报告".encode(), "某".encode(), b"\xff", b"\xe6\x9f"]),
                      min_size=1, max_size=6).map(b"".join)
SUFFIXES = st.sampled_from([b".txt", b".md", b".log", b"", b".docx", b".png", b".json"])


def text_bytes(draw) -> bytes:
    text = "".join(draw(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=4))) + "\n"
    encoding = draw(st.sampled_from(ENCODINGS))
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:  # simplified hanzi have no Big5 form
        return text.encode("utf-8")


@st.composite
def trees(draw):
    """(files relative to the root with their bytes, symlinks, fifos, folders made unreadable)."""
    folders = [b""] + [b"d" + draw(NAME_BYTES) + b"/" for _ in range(draw(st.integers(0, 3)))]
    files = {}
    for _ in range(draw(st.integers(1, 8))):
        name = draw(st.sampled_from(folders)) + draw(NAME_BYTES) + draw(SUFFIXES)
        files[name] = text_bytes(draw) if draw(st.booleans()) or not name.endswith(b".png") else b"\x89PNG\r\n\x1a\n\x00"
    if draw(st.booleans()):
        files[draw(st.sampled_from(folders)) + b".hidden"] = text_bytes(draw)
    links = {}
    for _ in range(draw(st.integers(0, 3))):
        target = draw(st.sampled_from(sorted(files) + [b"nowhere.txt"]))
        links[draw(st.sampled_from(folders)) + b"link" + draw(NAME_BYTES) + b".txt"] = target
    fifo = draw(st.sampled_from(folders)) + b"pipe.txt" if draw(st.booleans()) else None
    locked = draw(st.sampled_from(folders[1:])) if len(folders) > 1 and draw(st.booleans()) else None
    return files, links, fifo, locked


def build(root: bytes, tree) -> None:
    files, links, fifo, locked = tree
    if locked:
        os.makedirs(os.path.join(root, locked), exist_ok=True)
    for name, data in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not os.path.lexists(path):
            with open(path, "wb") as handle:
                handle.write(data)
    for name, target in links.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not os.path.lexists(path):
            os.symlink(os.path.join(root, target), path)
    if fifo and not os.path.lexists(os.path.join(root, fifo)):
        os.makedirs(os.path.dirname(os.path.join(root, fifo)), exist_ok=True)
        os.mkfifo(os.path.join(root, fifo))


def regular_files(root: bytes) -> dict[bytes, str]:
    """sha256 of every regular file under root (links not followed), by path."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            if stat.S_ISREG(os.lstat(path).st_mode):
                with open(path, "rb") as handle:
                    found[path] = hashlib.sha256(handle.read()).hexdigest()
    return found


def entries(root: bytes, locked: bytes | None) -> dict[object, set[bytes]]:
    """The entries under root that must each get one row, keyed by what makes them one:
    a regular file by its inode (a link to it is the same file), anything else by its
    path. Nothing inside a hidden or locked folder; such a folder is one entry."""
    locked_path = os.path.join(root, locked.rstrip(b"/")) if locked else None
    found: dict[object, set[bytes]] = {}
    for folder, folders, names in os.walk(root):
        for name in list(folders):
            path = os.path.join(folder, name)
            if name.startswith(b".") or path == locked_path:
                found[path] = {path}
                folders.remove(name)
        for name in names:
            path = os.path.join(folder, name)
            key: object = path
            # A locked folder (mode 0o300) cannot be listed but can be passed
            # through: a link to a file inside it still reaches that file.
            if not name.startswith(b".") and os.path.isfile(path):
                key = (os.stat(path).st_dev, os.stat(path).st_ino)
            found.setdefault(key, set()).add(path)
    return found


def doc_of(path: bytes, top: bytes) -> str:
    """The display name auditor must give: bytes that are not UTF-8 written out as \\xff."""
    return os.path.relpath(path, top).decode("utf-8", "backslashreplace")


def without_permission_override():
    # As in test_attacks_inputs: root without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH after exec.
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run(args: list[str], cwd: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor.cli", *args], cwd=cwd, capture_output=True, timeout=120,
                          preexec_fn=without_permission_override if os.geteuid() == 0 else None)


# No shrinking: each example runs auditor three times (a few seconds); a failing tree is printed as drawn.
# No deadline: the subprocesses' own timeout bounds a hang, and a loaded machine must not fail the property.
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck),
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(trees())
def test_every_entry_gets_one_row_and_no_input_changes(tree):
    with tempfile.TemporaryDirectory(prefix="auditor-tree-") as top:
        root = os.path.join(os.fsencode(top), b"corpus")
        os.mkdir(root)
        build(root, tree)
        locked = tree[3]
        before = regular_files(root)
        expected = entries(root, locked)
        if locked:
            os.chmod(os.path.join(root, locked), 0o300)  # cannot be listed
        try:
            scanned = run(["scan", "corpus", "--out", "scan-out", "--no-link", "-j", "1", "-q"], top)
            assert scanned.returncode == 0, scanned.stderr.decode("utf-8", "replace")
            frame = pd.read_csv(os.path.join(top, "scan-out", "files.csv"), dtype=str, keep_default_na=False)
            docs = list(frame["doc"])
            assert len(docs) == len(set(docs))
            for key, paths in expected.items():
                names = {doc_of(path, os.fsencode(top)) for path in paths}
                assert len(names & set(docs)) == 1, (key, names, docs)
            assert len(docs) == len(expected), docs
            for args in (["check", "corpus", "-q", "-j", "1"], ["fix", "corpus", "--out", "fixed", "-q", "-j", "1"]):
                done = run(args, top)
                assert done.returncode in (0, 1), (args, done.stderr.decode("utf-8", "replace"))
                assert b"Traceback" not in done.stderr
        finally:
            if locked:
                os.chmod(os.path.join(root, locked), 0o755)
        assert regular_files(root) == before
