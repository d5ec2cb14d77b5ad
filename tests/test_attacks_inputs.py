"""Inputs that used to be dropped, misread or crash the scan: each gets one files.csv row with its reason.

Every test scans small files made here through the CLI and reads files.csv back.
"""
from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from auditor.cli import main

SENTENCE = "山西省×××县人民政府关于某县经济发展的报告。全县实现地区生产总值××亿元，增长×.×%。\n"


@pytest.fixture(scope="module")
def report_head(seed_text) -> str:
    """The opening of the redacted county report (seeds/000): 32 × slots on five lines."""
    text = "\n".join(seed_text("000").split("\n")[:5]) + "\n"
    assert text.count("×") == 32
    return text


def scan(folder: Path, *paths: str, link: bool = False) -> tuple[object, dict[str, dict]]:
    """Runs `auditor scan PATHS --out out` from ``folder``; returns the outcome and files.csv rows by doc."""
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        args = ["scan", *paths, "--out", str(folder / "out"), "-j", "1", "--quiet"] + ([] if link else ["--no-link"])
        outcome = CliRunner().invoke(main, args)
    finally:
        os.chdir(cwd)
    assert_no_crash(outcome)
    assert outcome.exit_code == 0, outcome.output
    frame = pd.read_csv(folder / "out" / "files.csv", dtype=str, keep_default_na=False, encoding="utf-8")
    assert frame["doc"].is_unique, list(frame["doc"])
    return outcome, frame.set_index("doc").to_dict("index")


def assert_no_crash(outcome) -> None:
    assert "Traceback" not in outcome.output
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit), repr(outcome.exception)
    assert "internal error" not in outcome.output


def slots_of(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "out" / "slots.csv", dtype=str, keep_default_na=False, encoding="utf-8")


# ---------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read_and_its_slots_found(tmp_path, report_head, codec):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "report.txt").write_bytes(report_head.encode(codec))
    _, rows = scan(tmp_path, "in")
    row = rows["in/report.txt"]
    assert (row["status"], row["encoding"], row["n_slots"], row["message"]) == ("ok", codec, "32", "")
    assert int(row["chars"]) == len(report_head)


def test_a_nul_byte_inside_text_is_repaired_not_binary(tmp_path, report_head):
    data = report_head.encode("utf-8")
    at = data.index("\n".encode()) + 1  # a character boundary
    (tmp_path / "nul.txt").write_bytes(data[:at] + b"\x00" + data[at:])
    _, rows = scan(tmp_path, "nul.txt")
    row = rows["nul.txt"]
    assert (row["status"], row["encoding"], row["n_slots"]) == ("repaired", "utf-8", "32")
    assert f"at byte {at}" in row["message"] and "1 byte " in row["message"]


def test_one_bad_byte_deep_in_a_long_file_is_repaired_at_its_true_offset(tmp_path, seed_text):
    data = bytearray(seed_text("000").encode("utf-8"))
    assert len(data) > 30000
    at = data.index(b"\n", 19000)  # an ASCII byte: replacing it breaks no other character
    data[at] = 0xFF
    (tmp_path / "long.txt").write_bytes(bytes(data))
    _, rows = scan(tmp_path, "long.txt")
    row = rows["long.txt"]
    assert (row["status"], row["encoding"]) == ("repaired", "utf-8")
    assert row["message"] == f"1 byte could not be decoded as UTF-8 and was replaced (at byte {at})"
    assert int(row["n_slots"]) > 200


def test_a_file_cut_mid_character_is_repaired(tmp_path, report_head):
    data = (report_head + "某县").encode("utf-8")[:-1]  # the last 县 loses its last byte
    (tmp_path / "cut.txt").write_bytes(data)
    _, rows = scan(tmp_path, "cut.txt")
    row = rows["cut.txt"]
    assert (row["status"], row["encoding"]) == ("repaired", "utf-8")
    assert f"2 bytes could not be decoded as UTF-8 and were replaced (at byte {len(data) - 2})" == row["message"]
    assert int(row["n_slots"]) >= 32


def test_big5_is_read_as_big5_with_its_traditional_characters(tmp_path):
    text = "臺灣省×××縣政府關於某縣鄉鎮發展的報告。該縣位於臺北市東南，轄區內有國家風景區與溫泉。\n" * 3
    (tmp_path / "big5.txt").write_bytes(text.encode("big5"))
    _, rows = scan(tmp_path, "big5.txt")
    row = rows["big5.txt"]
    assert (row["status"], row["encoding"]) == ("ok", "big5")
    assert int(row["chars"]) == len(text)
    slots = slots_of(tmp_path)
    assert len(slots) == int(row["n_slots"]) >= 3
    masked = slots[slots["mask"] == "×××"]
    assert len(masked) == 3 and all(right.startswith("縣政府關於") for right in masked["right_context"])


def test_binary_and_hopeless_bytes_keep_their_statuses(tmp_path):
    (tmp_path / "zip.txt").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    garbage = bytes(range(0x80, 0x100)) * 8
    (tmp_path / "garbage.txt").write_bytes(garbage)
    _, rows = scan(tmp_path, "zip.txt", "garbage.txt")
    assert rows["zip.txt"]["status"] == "binary"
    assert rows["garbage.txt"]["status"] == "undecodable"
    assert rows["garbage.txt"]["message"].endswith("the first byte that is not UTF-8 is at byte 0")


# ---------------------------------------------------------------------------
# Entries that are not plain files
# ---------------------------------------------------------------------------


def test_links_loops_and_fifos_each_get_a_skipped_row(tmp_path, report_head):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "real.txt").write_text(report_head, encoding="utf-8")
    (corpus / "dangling.txt").symlink_to(corpus / "nowhere.txt")
    (corpus / "loop.txt").symlink_to(corpus / "loop.txt")
    (corpus / "sub" / "up").symlink_to(corpus, target_is_directory=True)  # a folder loop
    (corpus / "alias.txt").symlink_to(corpus / "real.txt")  # the same real file: listed once
    os.mkfifo(corpus / "pipe.txt")
    _, rows = scan(tmp_path, "corpus")
    assert {doc: (row["status"], row["message"]) for doc, row in rows.items()} == {
        "corpus/alias.txt": ("ok", ""),
        "corpus/dangling.txt": ("skipped", "a link to a file that does not exist"),
        "corpus/loop.txt": ("skipped", "a symlink loop"),
        "corpus/pipe.txt": ("skipped", "not a regular file: fifo"),
        "corpus/sub/up": ("skipped", "a link to a folder (not followed)"),
    }


def test_suffixes_decide_what_is_read_and_every_file_gets_a_row(tmp_path, report_head):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("notes.log", "data.json", "guide.rst", "README"):
        (corpus / name).write_text(report_head, encoding="utf-8")
    (corpus / ".env").write_text(report_head, encoding="utf-8")
    (corpus / ".cache").mkdir()
    (corpus / ".cache" / "copy.txt").write_text(report_head, encoding="utf-8")
    (corpus / "letter.docx").write_bytes(b"PK\x03\x04 a real docx is a zip")
    (corpus / "letter.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    (corpus / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (corpus / "blob").write_bytes(bytes(range(256)) * 8)  # no suffix, not text
    _, rows = scan(tmp_path, "corpus")
    statuses = {doc: (row["status"], row["n_slots"]) for doc, row in rows.items()}
    assert statuses == {
        "corpus/.cache": ("skipped", "0"),
        "corpus/.env": ("skipped", "0"),
        "corpus/README": ("ok", "32"),
        "corpus/blob": ("skipped", "0"),
        "corpus/data.json": ("ok", "32"),
        "corpus/guide.rst": ("ok", "32"),
        "corpus/letter.doc": ("unsupported-format", "0"),
        "corpus/letter.docx": ("unparseable", "0"),
        "corpus/notes.log": ("ok", "32"),
        "corpus/photo.png": ("skipped", "0"),
    }
    assert rows["corpus/.env"]["message"] == "hidden file"
    assert rows["corpus/letter.docx"]["message"].startswith("a Word document: ")
    assert "Word .docx and PDF" in rows["corpus/letter.doc"]["message"]
    assert rows["corpus/photo.png"]["message"] == "not a document format auditor reads: .png"


def test_a_docx_fails_the_gate_instead_of_being_dropped(tmp_path):
    (tmp_path / "letter.docx").write_bytes(b"PK\x03\x04 a real docx is a zip")
    (tmp_path / "note.txt").write_text(SENTENCE, encoding="utf-8")
    outcome = CliRunner().invoke(main, ["check", str(tmp_path), "--format", "json", "-j", "1"])
    assert_no_crash(outcome)
    assert outcome.exit_code == 1, outcome.output
    assert "letter.docx" in outcome.output


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------


def test_two_folders_with_the_same_relative_name_get_two_rows(tmp_path, report_head):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "n.txt").write_text(report_head + folder, encoding="utf-8")
    _, rows = scan(tmp_path, "a/", "./b", link=True)
    assert sorted(rows) == ["a/n.txt", "b/n.txt"]
    assert all(rows[doc]["n_slots"] == "32" for doc in rows)


def test_the_same_file_given_twice_is_listed_once(tmp_path, report_head):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "n.txt").write_text(report_head, encoding="utf-8")
    _, rows = scan(tmp_path, "a", "a/n.txt", "./a/")
    assert list(rows) == ["a/n.txt"]


def test_a_file_name_that_is_not_utf8_is_printable_and_json_and_sarif_are_utf8(tmp_path, report_head):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    raw_name = b"\xff\xfe report\n.txt"  # not UTF-8, with a newline
    with open(os.path.join(os.fsencode(corpus), raw_name), "wb") as handle:
        handle.write(report_head.encode("utf-8"))
    _, rows = scan(tmp_path, "corpus")
    assert list(rows) == ["corpus/\\xff\\xfe report\\n.txt"]
    assert rows["corpus/\\xff\\xfe report\\n.txt"]["n_slots"] == "32"
    for fmt in ("json", "sarif"):
        done = subprocess.run([sys.executable, "-m", "auditor.cli", "check", "corpus", "--format", fmt, "-j", "1"],
                              cwd=tmp_path, capture_output=True, timeout=300)
        assert done.returncode in (0, 1), done.stderr
        assert b"Traceback" not in done.stderr
        report = json.loads(done.stdout.decode("utf-8"))  # strict UTF-8: no lone surrogates
        if fmt == "json":
            assert [d["doc"] for d in report["documents"]] == ["corpus/\\xff\\xfe report\\n.txt"]
        else:
            assert report["runs"][0]["tool"]["driver"]["name"]


# ---------------------------------------------------------------------------
# What the file system refuses
# ---------------------------------------------------------------------------


def test_a_path_longer_than_path_max_gets_an_unreadable_row(tmp_path, report_head):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    part = "d" * 200
    depth = os.pathconf(corpus, "PC_PATH_MAX") // len(part) + 2
    fd = os.open(corpus, os.O_RDONLY)
    try:
        for _ in range(depth):  # relative to a folder handle: the full path is never spelled out
            os.mkdir(part, dir_fd=fd)
            inner = os.open(part, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        with open(os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w", encoding="utf-8") as handle:
            handle.write(report_head)
    finally:
        os.close(fd)
    (corpus / "short.txt").write_text(report_head, encoding="utf-8")
    _, rows = scan(tmp_path, "corpus")
    assert rows["corpus/short.txt"]["status"] == "ok"
    (deep_doc,) = [doc for doc in rows if doc.startswith("corpus/ddd")]
    assert rows[deep_doc]["status"] == "unreadable"
    assert "too long" in rows[deep_doc]["message"]
    shutil.rmtree(corpus)  # before pytest's own clean-up, which may not cope with it


def test_a_name_longer_than_name_max_given_itself_gets_an_unreadable_row(tmp_path):
    name = "报" * 100 + ".txt"  # 300 bytes in UTF-8: over NAME_MAX
    _, rows = scan(tmp_path, name)
    assert rows[name]["status"] == "unreadable"
    assert "too long" in rows[name]["message"]


def test_a_missing_path_is_a_usage_error(tmp_path):
    outcome = CliRunner().invoke(main, ["scan", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")])
    assert_no_crash(outcome)
    assert outcome.exit_code == 2
    assert "no such file or folder" in outcome.output


def without_permission_override():
    """For a subprocess: root without the capabilities that let it read and enter
    any folder (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so that modes count."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP: gone after exec
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run_as_plain_user(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    preexec = without_permission_override if os.geteuid() == 0 else None
    try:
        return subprocess.run(args, cwd=cwd, capture_output=True, timeout=300, preexec_fn=preexec)
    except subprocess.SubprocessError as exc:
        pytest.skip(f"cannot drop root's permission override here: {exc}")


def test_a_folder_that_cannot_be_listed_or_entered_gets_unreadable_rows(tmp_path, report_head):
    """A file without read permission and a folder without read permission get
    one row each, as do the files of a folder without execute permission (auditor could not read what may
    be documents). Root runs without its permission override."""
    corpus = tmp_path / "corpus"
    for name in ("closed", "nox"):
        (corpus / name).mkdir(parents=True)
        (corpus / name / "doc.txt").write_text(report_head, encoding="utf-8")
    (corpus / "open.txt").write_text(report_head, encoding="utf-8")
    (corpus / "locked.txt").write_text(report_head, encoding="utf-8")
    (corpus / "locked.txt").chmod(0)
    (corpus / "closed").chmod(0o300)  # cannot be listed
    (corpus / "nox").chmod(0o600)  # listed, but its files cannot be reached
    try:
        done = run_as_plain_user([sys.executable, "-m", "auditor.cli", "scan", ".", "--out", str(tmp_path / "out"),
                                  "--no-link", "-j", "1"], corpus)
    finally:
        for name in ("closed", "nox"):
            (corpus / name).chmod(0o755)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in done.stderr
    frame = pd.read_csv(tmp_path / "out" / "files.csv", dtype=str, keep_default_na=False)
    rows = {doc: (status, message) for doc, status, message in zip(frame["doc"], frame["status"], frame["message"])}
    assert rows == {
        "open.txt": ("ok", ""),
        "locked.txt": ("unreadable", "cannot read: Permission denied"),
        "closed": ("unreadable", "cannot list the folder: Permission denied"),
        "nox/doc.txt": ("unreadable", "cannot read: Permission denied"),
    }


def test_check_names_a_link_it_did_not_follow_by_its_own_path_not_its_target(tmp_path, report_head):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "real.txt").write_text(report_head, encoding="utf-8")
    (corpus / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (corpus / "folder-link").symlink_to(tmp_path, target_is_directory=True)
    done = subprocess.run([sys.executable, "-m", "auditor.cli", "check", str(corpus), "-j", "1"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    assert "nowhere.txt" not in done.stdout
    assert "corpus/dangling.txt: skipped: a link to a file that does not exist" in done.stdout
    assert "corpus/folder-link: skipped: a link to a folder (not followed)" in done.stdout
