"""`auditor fix` fails closed: what it cannot read or cannot write back is never a pass."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

SEED_000 = Path(__file__).resolve().parent.parent / "seeds" / "000_f10a573ecf1e5254.txt"


def fix(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "auditor.cli", "fix", *args, "-j", "1"], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_fix_does_not_pass_a_folder_holding_a_file_it_cannot_read(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (tmp_path / "in" / "clear.txt").write_text("太原市人民政府工作报告。全市生产总值增长5%。\n", encoding="utf-8")
    done = fix("in", "--out", "out", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "in/scan.txt: not copied and fails the policy (binary" in done.stdout
    assert "1 input(s) could not be fixed and fail" in done.stdout


def test_fix_of_a_repaired_big5_file_says_why_it_cannot_mask_it(tmp_path):
    text = "×縣位於山西省北部，境內有天涯山、大牛店，全縣生產總值×億元。\n" * 40
    data = bytearray(text.encode("big5"))
    data[500] = 0xFF  # one byte that is no Big5
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "b.txt").write_bytes(bytes(data))
    before = hashlib.sha256(bytes(data)).hexdigest()
    done = fix("in", "--out", "out", cwd=tmp_path)
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    assert "a masked copy cannot be written in big5" in done.stdout
    assert hashlib.sha256((tmp_path / "in" / "b.txt").read_bytes()).hexdigest() == before
