"""Loading files made in the test: encodings, bad input, and a scan that carries on."""
from __future__ import annotations

import codecs
import csv
import os
import struct
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

import auditor.map.loading
from auditor.cli import main
from auditor.map.loading import load_file
from auditor.scan import audit


@pytest.fixture(scope="module")
def report_head(seed_text) -> str:
    """The opening of the redacted county report (seeds/000): 32 × slots on five lines."""
    text = "\n".join(seed_text("000").split("\n")[:5]) + "\n"
    assert text.count("×") == 32
    return text


def png_bytes() -> bytes:
    """A small but real PNG: signature, IHDR, IDAT, IEND (full of NULs)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes([x * 7 % 256, 0, 0]) * 16 for x in range(16))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def slots_of(path: Path, doc: str = "doc.txt"):
    source = load_file(path, doc)
    result = audit(path, link=False, workers=1)
    (analysis,) = result.analyses
    return source, analysis.slots


@pytest.fixture(scope="module")
def utf8_reference(tmp_path_factory, report_head):
    path = tmp_path_factory.mktemp("reference") / "utf8.txt"
    path.write_bytes(report_head.encode("utf-8"))
    source, slots = slots_of(path)
    assert (source.status, source.encoding) == ("ok", "utf-8")
    assert len(slots) == 32
    return [(s.start, s.end, s.line, s.column, s.mask, s.slot_type, s.unit, s.place_level) for s in slots]


@pytest.mark.parametrize(
    "name, encode, encoding",
    [
        ("utf8-bom", lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), "utf-8-sig"),
        ("utf16-le", lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"), "utf-16"),
        ("utf16-be", lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), "utf-16"),
        ("gb18030", lambda t: t.encode("gb18030"), "gb18030"),
        ("gbk", lambda t: t.encode("gbk"), "gb18030"),
        ("crlf", lambda t: t.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
    ],
)
def test_encodings_give_the_same_slots(tmp_path, report_head, utf8_reference, name, encode, encoding):
    path = tmp_path / f"{name}.txt"
    path.write_bytes(encode(report_head))
    source, slots = slots_of(path)
    assert (source.status, source.encoding, source.message) == ("ok", encoding, "")
    assert not source.text.startswith("\ufeff")
    found = [(s.start, s.end, s.line, s.column, s.mask, s.slot_type, s.unit, s.place_level) for s in slots]
    if name == "crlf":
        # offsets count the \r, line and column do not change
        assert source.text == report_head.replace("\n", "\r\n")
        assert [f[2:] for f in found] == [r[2:] for r in utf8_reference]
        assert all(source.text[s.start : s.end] == s.mask for s in slots)
    else:
        assert source.text == report_head
        assert found == utf8_reference


@pytest.mark.parametrize(
    "data, status",
    [
        (b"", "empty"),
        (b" \n\t\r\n  ", "empty"),
        ("\u3000\u3000\n".encode("utf-8"), "empty"),
        (codecs.BOM_UTF16_LE + "  \n".encode("utf-16-le"), "empty"),
        (png_bytes(), "binary"),
        (bytes(range(0x80, 0x100)) * 8, "undecodable"),
    ],
    ids=["empty", "whitespace", "ideographic-space", "utf16-whitespace", "png", "garbage"],
)
def test_bad_files_get_a_status_and_a_message(tmp_path, data, status):
    path = tmp_path / "bad.txt"
    path.write_bytes(data)
    source = load_file(path, "bad.txt")
    assert source.status == status
    assert source.message
    assert source.text == ""


def test_file_over_the_limit_is_too_large(tmp_path, report_head):
    path = tmp_path / "big.txt"
    path.write_bytes(report_head.encode("utf-8"))
    size = path.stat().st_size
    assert load_file(path, "big.txt", max_bytes=size).status == "ok"
    source = load_file(path, "big.txt", max_bytes=size - 1)
    assert source.status == "too-large"
    assert str(size) in source.message and "--max-bytes" in source.message


def test_unreadable_file_chmod(tmp_path, report_head):
    path = tmp_path / "locked.txt"
    path.write_bytes(report_head.encode("utf-8"))
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read a chmod 000 file (root)")
        source = load_file(path, "locked.txt")
        assert source.status == "unreadable"
        assert "ermission" in source.message
    finally:
        path.chmod(0o644)


def test_read_error_is_reported_not_raised(tmp_path, report_head, monkeypatch):
    """The same path as chmod 000, for test runs as root: open() fails."""
    path = tmp_path / "locked.txt"
    path.write_bytes(report_head.encode("utf-8"))

    def refuse(file, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(file))

    monkeypatch.setattr(auditor.map.loading, "open", refuse, raising=False)
    source = load_file(path, "locked.txt")
    assert (source.status, source.message) == ("unreadable", "cannot read: Permission denied")


@pytest.fixture
def mixed_corpus(tmp_path, report_head):
    """A folder of good and bad files, the way a real dump looks."""
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    files = {
        "a_utf8.txt": report_head.encode("utf-8"),
        "b_bom.txt": codecs.BOM_UTF8 + report_head.encode("utf-8"),
        "c_utf16le.txt": codecs.BOM_UTF16_LE + report_head.encode("utf-16-le"),
        "d_utf16be.txt": codecs.BOM_UTF16_BE + report_head.encode("utf-16-be"),
        "sub/e_gbk.txt": report_head.encode("gbk"),
        "f_image.txt": png_bytes(),
        "g_empty.txt": b"",
        "h_blank.txt": b"\n\n   \n",
        "i_garbage.txt": bytes(range(0x80, 0x100)) * 8,
        "j_huge.txt": (report_head * 3).encode("utf-8"),
        "k_locked.txt": report_head.encode("utf-8"),
    }
    for name, data in files.items():
        (corpus / name).write_bytes(data)
    max_bytes = max(len(data) for name, data in files.items() if name != "j_huge.txt")
    assert len(files["j_huge.txt"]) > max_bytes
    return corpus, max_bytes


def snapshot(folder: Path) -> dict[str, tuple[bytes | None, int, int]]:
    state = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            st = path.stat()
            data = path.read_bytes() if os.access(path, os.R_OK) else None
            state[path.relative_to(folder).as_posix()] = (data, st.st_mtime_ns, st.st_mode)
    return state


def test_scan_of_a_mixed_folder_reports_each_file_and_goes_on(tmp_path, mixed_corpus, monkeypatch):
    corpus, max_bytes = mixed_corpus
    locked = corpus / "k_locked.txt"
    real_open = open

    def open_refusing_locked(file, *args, **kwargs):
        if Path(file).resolve() == locked:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    # chmod 000 does not stop root; refuse the read in-process instead (one worker).
    locked.chmod(0)
    monkeypatch.setattr(auditor.map.loading, "open", open_refusing_locked, raising=False)
    before = snapshot(corpus)
    out = tmp_path / "out"
    monkeypatch.chdir(corpus.parent)  # documents are named by the folder as given: corpus/…
    try:
        outcome = CliRunner().invoke(
            main, ["scan", "corpus", "--out", str(out), "--no-link", "-j", "1", "--max-bytes", str(max_bytes)]
        )
    finally:
        after = snapshot(corpus)
        locked.chmod(0o644)
    assert outcome.exit_code == 0, outcome.output
    assert after == before

    with open(out / "files.csv", encoding="utf-8", newline="") as handle:
        rows = {row["doc"]: row for row in csv.DictReader(handle)}
    expected = {
        "corpus/a_utf8.txt": ("ok", "utf-8"),
        "corpus/b_bom.txt": ("ok", "utf-8-sig"),
        "corpus/c_utf16le.txt": ("ok", "utf-16"),
        "corpus/d_utf16be.txt": ("ok", "utf-16"),
        "corpus/sub/e_gbk.txt": ("ok", "gb18030"),
        "corpus/f_image.txt": ("binary", ""),
        "corpus/g_empty.txt": ("empty", ""),
        "corpus/h_blank.txt": ("empty", ""),
        "corpus/i_garbage.txt": ("undecodable", ""),
        "corpus/j_huge.txt": ("too-large", ""),
        "corpus/k_locked.txt": ("unreadable", ""),
    }
    assert {doc: (row["status"], row["encoding"]) for doc, row in rows.items()} == expected
    for doc, row in rows.items():
        if row["status"] == "ok":
            assert (row["n_slots"], row["chars"], row["message"]) == ("32", "690", ""), doc
        else:
            assert row["message"] and row["n_slots"] == "0", doc

    with open(out / "slots.csv", encoding="utf-8", newline="") as handle:
        slots = list(csv.DictReader(handle))
    by_doc = {}
    for row in slots:
        by_doc.setdefault(row["doc"], []).append((row["start"], row["end"], row["line"], row["column"], row["slot_type"]))
    assert sorted(by_doc) == [f"corpus/{name}" for name in ("a_utf8.txt", "b_bom.txt", "c_utf16le.txt", "d_utf16be.txt", "sub/e_gbk.txt")]
    assert all(found == by_doc["corpus/a_utf8.txt"] for found in by_doc.values())
    for problem in ("binary", "empty", "undecodable", "too-large", "unreadable"):
        assert problem in outcome.output


def test_hidden_and_non_text_files_are_listed_as_skipped(tmp_path, report_head, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "notes.txt").write_text(report_head, encoding="utf-8")
    (tmp_path / "photo.png").write_bytes(png_bytes())
    (tmp_path / "report.md").write_text(report_head, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = audit(".", link=False, workers=1)
    assert [(a.doc, a.source.status, a.source.message, len(a.slots)) for a in result.analyses] == [
        (".git", "skipped", "hidden folder (not scanned)", 0),
        ("photo.png", "skipped", "not a document format auditor reads: .png", 0),
        ("report.md", "ok", "", 32),
    ]


def test_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(auditor.map.loading.InputError, match="no such file or folder"):
        list(auditor.map.loading.iter_input_files([tmp_path / "nowhere"]))
