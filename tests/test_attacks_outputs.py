"""Attacks on what auditor writes: copies outside --out, writes through links,
torn output after a kill, two writers at once, unwritable destinations found
only after the whole audit, CSV that splits rows or runs formulas, and names
whose direction controls reorder the report.

Every test drives the CLI (or the public API) on small files made here, so it
runs, and fails, on the code before these fixes too.
"""
from __future__ import annotations

import csv
import fcntl
import hashlib
import os
import signal
import stat
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import auditor
from auditor.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SEED_000 = next(SEEDS.glob("000_*.txt"))
SEED_001 = next(SEEDS.glob("001_*.txt"))
# A masked sentence whose right contexts start with what a spreadsheet runs
# (=, @, -), and with a lone CR, a tab, quotes and commas around the masks.
HOSTILE_TEXT = ('启动崞阳古城修复。据悉，×=HYPERLINK("http://example.invalid")，另有×@cmd与×-1项，第×\r届，\t×县，'
                '"引号",逗号×市，+×号。\n')
SMALL_TEXT = "围绕“重振×雄风”目标，×市启动古城修复活化，×县新增项目×个。\n"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (links not followed) and its bytes."""
    found = {}
    for directory, _, files in os.walk(folder):
        for name in files:
            path = Path(directory, name)
            found[path.relative_to(folder).as_posix()] = b"<link>" if path.is_symlink() else path.read_bytes()
    return found


def invoke(*args: str):
    outcome = CliRunner().invoke(main, list(args))
    assert "Traceback" not in outcome.output + outcome.stderr
    return outcome


def write_corpus(folder: Path, texts: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# ---------------------------------------------------------------------------
# 1. Data written where it must not be


def test_fix_of_inputs_given_by_dotdot_paths_writes_every_copy_under_out(tmp_path, monkeypatch):
    for part in ("a", "b", "work"):
        (tmp_path / part).mkdir()
    (tmp_path / "a" / "n.txt").write_bytes(SEED_000.read_bytes())
    (tmp_path / "b" / "n.txt").write_bytes(SEED_001.read_bytes())
    inputs = {name: sha256(tmp_path / name) for name in ("a/n.txt", "b/n.txt")}
    monkeypatch.chdir(tmp_path / "work")
    outcome = invoke("fix", "../a/n.txt", "../b/n.txt", "--out", "fixed", "-j", "1")
    assert outcome.exit_code in (0, 1), outcome.output
    assert {name: sha256(tmp_path / name) for name in inputs} == inputs  # inputs untouched
    copies = sorted(p for p in (tmp_path / "work" / "fixed").rglob("*.txt"))
    assert len(copies) == 2  # both copies, distinct, under --out
    # Nothing outside --out but the lock file beside it; no input folder gained a file.
    outside = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
               if p.is_file() and (tmp_path / "work" / "fixed") not in p.parents}
    assert outside == {"a/n.txt", "b/n.txt", "work/.fixed.auditor-lock"}
    assert "all 0 document(s)" not in outcome.stdout


def _first_fix(tmp_path: Path) -> tuple[Path, Path]:
    """in/doc.txt (a failing document, so fix rewrites its copy) fixed into out/."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "doc.txt").write_bytes(SEED_000.read_bytes())
    out = tmp_path / "out"
    assert invoke("fix", str(folder), "--out", str(out), "-j", "1").exit_code in (0, 1)
    return folder / "doc.txt", out


def test_fix_copies_keep_a_name_that_is_not_utf8_and_the_next_run_replaces_them(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    raw_name = b"\xff\xfe\xe6\x8a.txt"  # not UTF-8
    with open(os.path.join(os.fsencode(corpus), raw_name), "wb") as handle:
        handle.write(SEED_000.read_bytes())
    out = tmp_path / "out"
    for _ in range(2):  # the second run reads the first one's manifest back and replaces the folder
        outcome = invoke("fix", str(corpus), "--out", str(out), "-j", "1")
        assert outcome.exit_code in (0, 1), outcome.output + outcome.stderr
        assert os.listdir(os.fsencode(out)) and raw_name in os.listdir(os.fsencode(out))


def test_fix_never_writes_through_a_hard_link_in_out(tmp_path):
    source, out = _first_fix(tmp_path)
    before = sha256(source)
    (out / "doc.txt").unlink()
    os.link(source, out / "doc.txt")  # the copy's place now shares the input's inode
    outcome = invoke("fix", str(source.parent), "--out", str(out), "-j", "1")
    assert outcome.exit_code in (0, 1), outcome.output
    assert sha256(source) == before
    assert (out / "doc.txt").stat().st_ino != source.stat().st_ino
    assert (out / "doc.txt").read_bytes() != source.read_bytes()  # a masked copy of its own


def test_fix_never_replaces_a_foreign_folder_holding_a_hard_link(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "doc.txt").write_bytes(SEED_000.read_bytes())
    out = tmp_path / "out"
    out.mkdir()
    os.link(folder / "doc.txt", out / "doc.txt")
    before = sha256(folder / "doc.txt")
    outcome = invoke("fix", str(folder), "--out", str(out), "-j", "1")
    assert outcome.exit_code == 2
    assert "did not write" in outcome.stderr
    assert sha256(folder / "doc.txt") == before and (out / "doc.txt").stat().st_nlink == 2


def test_fix_never_writes_through_a_symlink_in_out(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "doc2.txt").write_bytes(SEED_000.read_bytes())
    precious = tmp_path / "elsewhere" / "precious.txt"
    precious.parent.mkdir()
    precious.write_text("珍贵的文件，不可覆盖。\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "doc2.txt").symlink_to(Path("..") / "elsewhere" / "precious.txt")
    outcome = invoke("fix", str(folder), "--out", str(out), "-j", "1")
    assert outcome.exit_code == 2 and "did not write" in outcome.stderr
    assert precious.read_text(encoding="utf-8") == "珍贵的文件，不可覆盖。\n"

    # In a folder auditor wrote, a link put there since is replaced, never followed.
    out.joinpath("doc2.txt").unlink()
    out.rmdir()
    assert invoke("fix", str(folder), "--out", str(out), "-j", "1").exit_code in (0, 1)
    (out / "doc2.txt").unlink()
    (out / "doc2.txt").symlink_to(precious)
    assert invoke("fix", str(folder), "--out", str(out), "-j", "1").exit_code in (0, 1)
    assert precious.read_text(encoding="utf-8") == "珍贵的文件，不可覆盖。\n"
    assert not (out / "doc2.txt").is_symlink()


def test_scan_keeps_what_it_did_not_write_and_refuses_to_write_over_it(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": SMALL_TEXT})
    mine = write_corpus(tmp_path / "mine", {"notes.md": "我的笔记\n"})
    inode = (mine / "notes.md").stat().st_ino
    assert invoke("scan", str(corpus), "--out", str(mine), "--no-link", "-q").exit_code == 0
    assert (mine / "notes.md").read_text(encoding="utf-8") == "我的笔记\n"
    assert (mine / "notes.md").stat().st_ino == inode  # the same file, not a copy
    assert invoke("scan", str(corpus), "--out", str(mine), "--no-link", "-q").exit_code == 0
    assert (mine / "notes.md").stat().st_ino == inode and (mine / "slots.csv").is_file()

    theirs = write_corpus(tmp_path / "theirs", {"slots.csv": "我的表\n"})
    outcome = invoke("scan", str(corpus), "--out", str(theirs), "--no-link", "-q")
    assert outcome.exit_code == 2 and "slots.csv, which auditor would replace but did not write" in outcome.stderr
    assert tree(theirs) == {"slots.csv": "我的表\n".encode("utf-8")}

    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / ".gitkeep").write_bytes(b"")
    assert invoke("scan", str(corpus), "--out", str(kept), "--no-link", "-q").exit_code == 0
    assert (kept / ".gitkeep").is_file() and (kept / "slots.csv").is_file()
    # The second scan replaces the first: its own files, nothing of the earlier run.
    other = write_corpus(tmp_path / "other", {"b.txt": SMALL_TEXT, "c.txt": SMALL_TEXT.replace("×县", "某县")})
    assert invoke("scan", str(other), "--out", str(kept), "--no-link", "-q").exit_code == 0
    assert len(list((kept / "docs").glob("*.html"))) == 2
    assert (kept / ".gitkeep").is_file()
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name or ".old-" in p.name]


def test_scan_replaces_the_output_of_an_auditor_before_manifests_and_nothing_like_it(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": SMALL_TEXT})
    index = '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n{}\n</head></html>\n'
    earlier = write_corpus(tmp_path / "earlier", {"index.html": index.format(
        '<meta name="generator" content="auditor 0.1.0">'), "slots.csv": "doc\n"})
    write_corpus(earlier / "docs", {"old.txt.html": "<html></html>\n"})
    assert invoke("scan", str(corpus), "--out", str(earlier), "--no-link", "-q").exit_code == 0
    assert not (earlier / "docs" / "old.txt.html").exists() and (earlier / ".auditor-manifest.json").is_file()
    # the same names, but not auditor's page
    lookalike = write_corpus(tmp_path / "lookalike", {"index.html": index.format(""), "slots.csv": "doc\n"})
    outcome = invoke("scan", str(corpus), "--out", str(lookalike), "--no-link", "-q")
    assert outcome.exit_code == 2 and "did not write" in outcome.stderr
    assert (lookalike / "slots.csv").read_text(encoding="utf-8") == "doc\n"


def test_check_output_never_writes_through_a_symlink(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": SMALL_TEXT})
    precious = tmp_path / "precious.txt"
    precious.write_text("不可覆盖\n", encoding="utf-8")
    report = tmp_path / "report.json"
    report.symlink_to(precious)
    outcome = invoke("check", str(corpus), "--format", "json", "--output", str(report), "-j", "1")
    assert outcome.exit_code == 2 and "it is a symbolic link" in outcome.stderr, outcome.output
    assert precious.read_text(encoding="utf-8") == "不可覆盖\n"
    assert report.is_symlink()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_check_output_never_replaces_a_device_or_fifo(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": SMALL_TEXT})
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    outcome = invoke("check", str(corpus), "--format", "sarif", "--output", str(fifo), "-j", "1")
    assert outcome.exit_code == 2 and "a device, fifo or socket" in outcome.stderr, outcome.output
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_scan_refuses_an_out_that_is_a_link_or_overlaps_an_input(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": SMALL_TEXT})
    elsewhere = write_corpus(tmp_path / "elsewhere", {"keep.md": "别动\n"})
    (tmp_path / "link").symlink_to(elsewhere)
    outcome = invoke("scan", str(corpus), "--out", str(tmp_path / "link"), "--no-link", "-q")
    assert outcome.exit_code == 2 and "symbolic link" in outcome.stderr
    assert tree(elsewhere) == {"keep.md": "别动\n".encode("utf-8")}
    outcome = invoke("scan", str(corpus), "--out", str(corpus / "report"), "--no-link", "-q")
    assert outcome.exit_code == 2 and "inside the input folder" in outcome.stderr
    assert sorted(tree(corpus)) == ["a.txt"]  # not even a staging folder was made there
    # an earlier report scanned as input: replacing the folder would delete the input
    assert invoke("scan", str(corpus), "--out", str(tmp_path / "out"), "--no-link", "-q").exit_code == 0
    before = tree(tmp_path / "out")
    outcome = invoke("scan", str(tmp_path / "out" / "slots.csv"), "--out", str(tmp_path / "out"), "--no-link", "-q")
    assert outcome.exit_code == 2 and "would overwrite an input file" in outcome.stderr
    assert tree(tmp_path / "out") == before


def test_check_output_is_never_an_input_nor_in_an_input_folder(tmp_path, reads):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": SMALL_TEXT})
    before = tree(corpus)
    outcome = invoke("check", str(corpus / "a.txt"), "--output", str(corpus / "a.txt"), "-j", "1")
    assert outcome.exit_code == 2 and "would overwrite an input file" in outcome.stderr
    outcome = invoke("check", str(corpus), "--format", "json", "--output", str(corpus / "report.json"), "-j", "1")
    assert outcome.exit_code == 2 and "inside the input folder" in outcome.stderr
    assert tree(corpus) == before and reads == []


def test_the_library_never_replaces_a_folder_holding_a_document_it_read(tmp_path):
    out = write_corpus(tmp_path / "out", {"a.txt": SMALL_TEXT})
    result = auditor.audit([out / "a.txt"], link=False)
    with pytest.raises(auditor.errors.AuditorError, match="would overwrite an input file"):
        auditor.write_audit(result, out)
    assert tree(out) == {"a.txt": SMALL_TEXT.encode("utf-8")}


def test_an_interrupted_write_leaves_the_previous_output(tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": SMALL_TEXT, "b.txt": SMALL_TEXT.replace("×县", "某县")})
    result = auditor.audit([corpus], link=False)
    auditor.write_audit(result, tmp_path / "out")
    before = tree(tmp_path / "out")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("auditor.output.writer.write_tables", interrupted)
    with pytest.raises(KeyboardInterrupt):
        auditor.write_audit(auditor.audit([corpus / "a.txt"], link=False), tmp_path / "out")
    assert tree(tmp_path / "out") == before
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".auditor-lock")) == ["corpus", "out"]


# ---------------------------------------------------------------------------
# Atomic output: a kill leaves the previous output or none; one writer at a time


def _scan_command(corpus: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "auditor.cli", "scan", str(corpus), "--out", str(out), "--no-link", "-j", "1", "-q"]


def test_a_killed_scan_leaves_the_previous_output_whole(tmp_path):
    small = write_corpus(tmp_path / "small", {"a.txt": SMALL_TEXT, "b.txt": SMALL_TEXT.replace("×个", "某个")})
    out = tmp_path / "out"
    subprocess.run(_scan_command(small, out), check=True, capture_output=True, timeout=120)
    previous = tree(out)
    assert "index.html" in previous
    big = tmp_path / "big"
    big.mkdir()
    for copy in range(40):
        for seed in sorted(SEEDS.glob("*.txt")):
            (big / f"{copy:02d}_{seed.name}").write_bytes(seed.read_bytes())
    started = {name: os.stat(out / name).st_mtime_ns for name in previous}
    process = subprocess.Popen(_scan_command(big, out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            staging = [p for p in tmp_path.glob(".out.staging-*") if any(p.rglob("*.html"))]
            touched = out.is_dir() and any(
                p.is_file() and started.get(p.relative_to(out).as_posix()) != p.stat().st_mtime_ns
                for p in out.rglob("*"))
            if staging or touched:  # it has started writing
                break
            time.sleep(0.005)
        assert process.poll() is None, "the scan ended before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert not out.exists() or tree(out) == previous  # never a mix

    # The next run takes the lock and clears what the killed one left.
    assert subprocess.run(_scan_command(small, out), capture_output=True, timeout=120).returncode == 0
    assert not list(tmp_path.glob(".out.staging-*")) and not list(tmp_path.glob(".out.old-*"))
    assert tree(out).keys() == previous.keys()


def test_a_second_writer_of_the_same_out_is_refused(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": SMALL_TEXT})
    out = tmp_path / "out"
    with open(tmp_path / ".out.auditor-lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running auditor holds it
        outcome = invoke("scan", str(corpus), "--out", str(out), "--no-link", "-q")
        assert outcome.exit_code == 2
        assert "another auditor run is writing to" in outcome.stderr
        assert not out.exists()
        fix = invoke("fix", str(corpus), "--out", str(out), "-j", "1")
        assert fix.exit_code == 2 and "another auditor run is writing to" in fix.stderr
    assert invoke("scan", str(corpus), "--out", str(out), "--no-link", "-q").exit_code == 0


# ---------------------------------------------------------------------------
# Unwritable destinations: exit 2 with the reason, before any document is read


@pytest.fixture
def reads(monkeypatch):
    """Records every call of the document map (and fails it)."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise RuntimeError("a document was read before the destination was checked")

    monkeypatch.setattr("auditor.scan.map_documents", refuse)
    monkeypatch.setattr("auditor.fix.map_documents", refuse)
    return calls


def _unwritable(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": SMALL_TEXT})
    (tmp_path / "plain-file").write_text("x", encoding="utf-8")
    under_file = str(tmp_path / "plain-file" / "out")
    return {
        "scan under a file": (["scan", str(corpus), "--out", under_file], "is a file, not a folder"),
        "fix under a file": (["fix", str(corpus), "--out", under_file], "is a file, not a folder"),
        "scan under /proc": (["scan", str(corpus), "--out", "/proc/auditor-out"], "cannot"),
        "fix under /proc": (["fix", str(corpus), "--out", "/proc/auditor-out"], "cannot"),
        "check into a missing folder": (["check", str(corpus), "--output", str(tmp_path / "missing" / "r.json")],
                                        "does not exist"),
        "check under /proc": (["check", str(corpus), "--output", "/proc/auditor-report.json"], "cannot write"),
    }


@pytest.mark.parametrize("case", ["scan under a file", "fix under a file", "scan under /proc", "fix under /proc",
                                  "check into a missing folder", "check under /proc"])
def test_unwritable_destination_is_refused_before_reading(tmp_path, reads, case):
    args, reason = _unwritable(tmp_path)[case]
    outcome = invoke(*args, "-j", "1")
    assert outcome.exit_code == 2, outcome.output
    assert reason in outcome.stderr and "internal error" not in outcome.stderr
    assert reads == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_parent_is_refused_before_reading(tmp_path, reads):
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": SMALL_TEXT})
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        outcome = invoke("scan", str(corpus), "--out", str(locked / "out"), "-j", "1")
    finally:
        locked.chmod(0o755)
    assert outcome.exit_code == 2 and "Permission denied" in outcome.stderr and reads == []


# ---------------------------------------------------------------------------
# 2. Output that lies: CSV rows, formulas, direction controls


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _expected_cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return str(value)


@pytest.fixture(scope="module")
def hostile_scan(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    corpus = base / "corpus"
    corpus.mkdir()
    names = ["=HYPERLINK(x).txt", "@cmd.txt", "a\rb.txt", "line\nbreak.txt", 'quote",comma\ttab.txt', "plain.txt"]
    for name in names:
        (corpus / name).write_text(HOSTILE_TEXT, encoding="utf-8")
    out = base / "out"
    cwd = os.getcwd()
    os.chdir(corpus)  # so that the names start the doc cells
    try:
        outcome = CliRunner().invoke(main, ["scan", ".", "--out", str(out), "-j", "1", "-q"])
        result = auditor.audit(["."])
    finally:
        os.chdir(cwd)
    assert outcome.exit_code == 0, outcome.output
    return out, result, len(names)


@pytest.mark.parametrize("table, frame", [("slots", "slots"), ("files", "files"), ("documents", "documents"),
                                          ("clues", "clues")])
def test_every_table_round_trips_through_csv_and_pandas(hostile_scan, table, frame):
    out, result, n_files = hostile_scan
    expected = getattr(result, frame)
    rows = _csv_rows(out / f"{table}.csv")
    header, body = rows[0], rows[1:]
    assert header == list(expected.columns)
    assert len(body) == len(expected)
    if table == "files":
        assert len(body) >= n_files
    if table == "slots":
        assert len(body) > n_files  # several slots per file, one row each
    read = pd.read_csv(out / f"{table}.csv", dtype=str, keep_default_na=False)
    assert read.shape == (len(body), len(header))
    assert read.values.tolist() == body  # pandas reads the same cells as the csv module
    for name in expected.columns:
        column = [row[header.index(name)] for row in body]
        if expected[name].dtype.kind in "fi":  # numbers as numbers, never prefixed
            assert pd.to_numeric(pd.Series(column).replace("", None)).tolist() == pytest.approx(
                expected[name].tolist(), nan_ok=True)
        elif expected[name].dtype.kind != "b":
            assert column == [_expected_cell(v) for v in expected[name].tolist()], name


def test_no_csv_cell_starts_a_formula_while_json_keeps_the_text(hostile_scan):
    out, result, _ = hostile_scan
    for table in ("slots", "files", "documents", "clues"):
        for row in _csv_rows(out / f"{table}.csv"):
            assert not [cell for cell in row if cell.startswith(FORMULA_STARTS)], table
    contexts = pd.read_json(out / "slots.json")["right_context"].tolist()
    assert any(c.startswith("=HYPERLINK(") for c in contexts)
    assert any(c.startswith("@cmd") for c in contexts)
    slots = _csv_rows(out / "slots.csv")
    assert any(row[slots[0].index("right_context")].startswith("'=HYPERLINK(") for row in slots[1:])


class _NameFinder(HTMLParser):
    """Where a text appears in a page: in text (with the elements around it) or in the title."""

    def __init__(self, needle: str):
        super().__init__(convert_charrefs=True)
        self.needle, self.stack, self.found = needle, [], []

    def handle_starttag(self, tag, attrs):
        if tag not in ("meta", "br", "wbr", "input", "link", "img"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if self.needle in data:
            self.found.append((tuple(self.stack), data))


def test_every_shown_document_name_is_isolated(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    name = "\u202etxt.exe\u202c报告.txt"
    (corpus / name).write_text(HOSTILE_TEXT, encoding="utf-8")
    (corpus / "copy.txt").write_text(HOSTILE_TEXT.replace("×市", "原平市"), encoding="utf-8")
    result = auditor.audit([corpus])
    auditor.write_audit(result, tmp_path / "out")
    doc = next(a.doc for a in result.analyses if "txt.exe" in a.doc)
    own_name = doc.rsplit("/", 1)[-1]  # a name may break after its folders' "/"
    pages = [tmp_path / "out" / "index.html", *sorted((tmp_path / "out" / "docs").glob("*.html"))]
    seen = 0
    for page in pages:
        finder = _NameFinder(own_name)
        finder.feed(page.read_text(encoding="utf-8"))
        for stack, data in finder.found:
            seen += 1
            if stack[-1:] == ("title",):
                assert f"\u2068{doc}\u2069" in data
            else:
                assert stack[-1] == "bdi", (page.name, stack)
    assert seen >= 5  # the overview's tables, the page's title, heading and breadcrumb, the copy's page


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
def test_on_a_phone_wide_tables_scroll_in_a_wrapper_and_names_stay_whole(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    folder = tmp_path / "reports-of-the-county"
    names = [f"{n:03d}_f10a573ecf1e52{n:02d}.txt" for n in range(3)]
    write_corpus(folder, {name: SMALL_TEXT for name in names})
    result = auditor.audit([folder])
    auditor.write_audit(result, tmp_path / "out")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 360, "height": 800})
        page.goto((tmp_path / "out" / "index.html").as_uri())
        # the page itself does not scroll sideways: the table does, inside its wrapper
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        wrapper = page.locator(".table-scroll").first
        assert wrapper.evaluate("w => w.scrollWidth > w.clientWidth && getComputedStyle(w).overflowX")== "auto"
        assert "gradient" in wrapper.evaluate("w => getComputedStyle(w).backgroundImage")  # the cue
        # a name's own part is never cut over two lines when it fits one
        for cell in page.locator("#documents tbody th bdi").all():
            parts = cell.evaluate("""b => { const r = document.createRange(); const t = b.lastChild;
                r.setStart(t, 0); r.setEnd(t, t.length); return r.getClientRects().length; }""")
            assert parts == 1
        page.goto(sorted((tmp_path / "out" / "docs").glob("*.html"))[0].as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        title = page.locator("h1 bdi")
        assert title.evaluate("""b => { const r = document.createRange(); const t = b.lastChild;
            r.setStart(t, 0); r.setEnd(t, t.length); return r.getClientRects().length; }""") == 1
        browser.close()


def test_the_gates_lines_isolate_each_path_the_longest_where_one_begins_another():
    from auditor.output.report.markup import PathIsolator

    isolate = PathIsolator(["corpus/a.txt", "corpus/a.txt.bak/\u202eb.txt", "", "corpus/a.txt"])
    line = "corpus/a.txt.bak/\u202eb.txt reveals slot 3 of corpus/a.txt <b>"
    assert str(isolate(line)) == ("<bdi>corpus/a.txt.bak/\u202eb.txt</bdi> reveals slot 3 of "
                                  "<bdi>corpus/a.txt</bdi> &lt;b&gt;")
    assert str(PathIsolator()(line)) == str(isolate(line.replace("corpus", "elsewhere"))).replace(
        "elsewhere", "corpus") == line.replace("<b>", "&lt;b&gt;")
