"""The command line as an unlucky user meets it: logs without carriage returns, no traceback, exit 2 for faults."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

import auditor.cli
from auditor.cli import main

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_a_progress_bar_never_reaches_a_log(tmp_path):
    # stderr is a pipe here, as in CI or `auditor scan … 2> log`: no \r-animated bar in it.
    done = subprocess.run([sys.executable, "-m", "auditor", "scan", str(SEEDS), "--out", str(tmp_path / "out"),
                           "-j", "1"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "\r" not in done.stderr and "scanning" not in done.stderr


def test_python_dash_m_auditor_is_the_command():
    done = subprocess.run([sys.executable, "-m", "auditor", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("auditor, version")


def test_an_internal_error_exits_2_with_one_line_and_no_traceback(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the linker lost a slot")

    monkeypatch.setattr("auditor.scan.audit", broken)
    (tmp_path / "a.txt").write_text("×县位于山西省北部。\n", encoding="utf-8")
    outcome = CliRunner().invoke(main, ["check", str(tmp_path / "a.txt"), "-q"])
    assert outcome.exit_code == 2  # 1 would read as "findings"
    assert "internal error (RuntimeError: the linker lost a slot)" in outcome.output
    assert "Traceback" not in outcome.output


def test_an_input_error_is_one_line_on_stderr():
    outcome = CliRunner().invoke(main, ["check", "no/such/folder"])
    assert outcome.exit_code == 2
    assert outcome.output.strip() == "auditor: error: no such file or folder: no/such/folder"
