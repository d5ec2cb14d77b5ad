"""`auditor scan --workers N` spreads the per-document work over processes and
writes the same tables, byte for byte, as `--workers 1`."""
from __future__ import annotations

import codecs
import csv
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.scan import audit

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
TABLES = ["slots.csv", "files.csv", "documents.csv", "clues.csv"]
LINKER_MODULES = ("auditor.map.clues", "auditor.reduce.linker", "auditor.output.report")
LINKER_READY = all(importlib.util.find_spec(m) is not None for m in LINKER_MODULES)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The seeds plus made-up files: other encodings, a reordered copy, broken files, a subfolder."""
    folder = tmp_path_factory.mktemp("corpus")
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, folder / seed.name)
    lines = (SEEDS / sorted(p.name for p in SEEDS.glob("000_*.txt"))[0]).read_text(encoding="utf-8").splitlines()
    # A republished copy with the paragraphs in another order: a near-duplicate.
    (folder / "republished.txt").write_text("\n".join(lines[:3] + lines[3:][::-1]) + "\n", encoding="utf-8")
    # Sections of the report as files of their own: enough documents that the
    # report's pages are written by forked processes with two workers.
    sections = folder / "sections"
    sections.mkdir()
    for number, begin in enumerate(range(3, len(lines), 4), start=1):
        (sections / f"part-{number:02d}.txt").write_text("\n".join(lines[begin : begin + 4]) + "\n", encoding="utf-8")
    extra = folder / "extra"
    extra.mkdir()
    (extra / "gbk.txt").write_bytes(
        "过去一年，×县地区生产总值完成×亿元，增长×%。崞阳镇、轩岗镇新建×个农产品仓储保鲜库。\n".encode("gb18030"))
    (extra / "utf16.txt").write_bytes(
        "围绕“重振×雄风”目标，粮食产量稳定在×亿斤以上，滹沱河生态修复完成×公里。\r\n".encode("utf-16"))
    (extra / "bom.txt").write_bytes(codecs.BOM_UTF8 + "第×届人民代表大会第×次会议，×市×县。\n".encode("utf-8"))
    (extra / "empty.txt").write_bytes(b"")
    (extra / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (extra / "undecodable.txt").write_bytes("各位代表".encode("utf-8") + b"\xff\xfe\xff" * 10)
    return folder


def _scan(corpus: Path, out: Path, workers: int, link: bool) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "auditor.cli", "scan", str(corpus), "--out", str(out),
               "--workers", str(workers), "--quiet"]
    if not link:
        command.append("--no-link")
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)


def _assert_same_tables(corpus: Path, tmp_path: Path, link: bool) -> Path:
    outs = {}
    for workers in (1, 2):
        outs[workers] = tmp_path / f"workers{workers}"
        done = _scan(corpus, outs[workers], workers, link)
        assert done.returncode == 0, done.stderr
    for table in TABLES:
        one = (outs[1] / table).read_bytes()
        two = (outs[2] / table).read_bytes()
        assert one == two, f"{table} differs between --workers 1 and --workers 2"
    # The report too: with two workers its pages come from forked processes.
    pages = sorted(p.relative_to(outs[1]).as_posix() for p in outs[1].rglob("*.html"))
    assert pages == sorted(p.relative_to(outs[2]).as_posix() for p in outs[2].rglob("*.html"))
    assert len(pages) > 16
    for page in pages:
        assert (outs[1] / page).read_bytes() == (outs[2] / page).read_bytes(), f"{page} differs"
    return outs[1]


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _input_docs(corpus: Path) -> list[str]:
    return sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*.txt"))


def test_slot_tables_are_byte_identical_with_one_and_two_workers(corpus, tmp_path):
    out = _assert_same_tables(corpus, tmp_path, link=False)
    files = _rows(out / "files.csv")
    # in input order, one row per file, broken ones included; named by the folder as given
    inside = f"{corpus.as_posix()}/"
    assert [row["doc"] for row in files] == [inside + doc for doc in _input_docs(corpus)]
    status = {row["doc"].removeprefix(inside): row["status"] for row in files}
    assert status["extra/empty.txt"] == "empty"
    assert status["extra/binary.txt"] == "binary"
    assert status["extra/undecodable.txt"] == "undecodable"
    assert {status["extra/gbk.txt"], status["extra/utf16.txt"], status["extra/bom.txt"]} == {"ok"}
    slots = _rows(out / "slots.csv")
    per_doc = {}
    for row in slots:
        per_doc[row["doc"].removeprefix(inside)] = per_doc.get(row["doc"].removeprefix(inside), 0) + 1
    # the two copies of the redacted county report carry hundreds of slots each
    assert per_doc[sorted(p.name for p in SEEDS.glob("000_*.txt"))[0]] > 200
    assert per_doc["extra/gbk.txt"] >= 3 and per_doc["extra/utf16.txt"] >= 3


@pytest.mark.skipif(not LINKER_READY, reason=f"needs {', '.join(LINKER_MODULES)}; the slot tables are compared without it")
def test_linked_tables_are_byte_identical_with_one_and_two_workers(corpus, tmp_path):
    out = _assert_same_tables(corpus, tmp_path, link=True)
    documents = _rows(out / "documents.csv")
    assert [row["doc"] for row in documents], "the linker wrote no documents"


def test_library_map_over_two_processes_gives_the_same_records(corpus):
    one = audit(corpus, workers=1, link=False)
    two = audit(corpus, workers=2, link=False)
    assert [a.source for a in one.analyses] == [a.source for a in two.analyses]
    assert [a.slots for a in one.analyses] == [a.slots for a in two.analyses]
    assert sum(len(a.slots) for a in two.analyses) > 500
