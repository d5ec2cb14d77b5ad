"""Issue 10, rules and gate: broken rule files are refused at load (exit 2, the
file and key named), a catastrophic pattern cannot hang a scan, a policy is read
only from a regular file, and the gate fails closed (files it cannot audit,
look-alikes of masks, names that would split a line)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import auditor.cli
from auditor.rules import default_rules_dir

MASKED = "×市位于晋北，全市经济平稳增长，地区生产总值增长×%。\n"
# No mask auditor knows (◆◆), but the clear text names 原平's town, landmarks and river.
LOOKALIKE = ("◆◆县地处晋北，境内有轩岗镇、崞阳古城、天涯山等名胜，滹沱河穿境而过。\n"
             "◆◆县坚持发展全域旅游，崞阳古城修复活化，天涯山景区提档升级，轩岗镇煤电产业转型。\n")


def run_cli(args, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """``python -m auditor.cli`` in a process of its own, so that a hang is a time-out."""
    return subprocess.run([sys.executable, "-m", "auditor.cli", *args], cwd=cwd, capture_output=True,
                          text=True, encoding="utf-8", errors="replace", timeout=timeout)


def invoke(args, cwd: Path):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(auditor.cli.main, args)
    finally:
        os.chdir(old)


def broken_rules(tmp_path: Path, file: str, edit) -> Path:
    """A copy of the rules in use with one defect: ``edit(text) -> text`` of ``file``."""
    folder = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), folder)
    path = folder / file
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return folder


def append(extra: str):
    return lambda text: text + "\n" + extra + "\n"


def replace(old: str, new: str):
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)
    return edit


# (file, defect, what the message must name)
BROKEN = {
    "glyph-without-name": ("masks.toml", append('[[glyph]]\npattern = "◆+"'), ["masks.toml", "[[glyph]] #12", "name"]),
    "glyph-pattern-number": ("masks.toml", append('[[glyph]]\nname = "five"\npattern = 5'),
                             ["masks.toml", "'five'", "pattern", "must be a string"]),
    "glyph-empty-pattern": ("masks.toml", append('[[glyph]]\nname = "nothing"\npattern = ""'),
                            ["masks.toml", "'nothing'", "pattern"]),
    "glyph-matches-empty": ("masks.toml", append('[[glyph]]\nname = "any-x"\npattern = "X*"'),
                            ["masks.toml", "'any-x'", "matches the empty string"]),
    "glyph-key-typo": ("masks.toml", append('[[glyph]]\nname = "typo"\npattern = "◆+"\nrequire = "◆"'),
                       ["masks.toml", "'typo'", "unknown key", "require"]),
    "slot-rule-key-typo": ("slots.toml", replace('name = "ordinal-di"\ntype = "ordinal"\nbefore',
                                                 'name = "ordinal-di"\ntype = "ordinal"\nbefor'),
                           ["slots.toml", "'ordinal-di'", "unknown key", "befor"]),
    "clue-number-as-text": ("clues.toml", replace("min_short_chars = 2", 'min_short_chars = "two"'),
                            ["clues.toml", "[names] min_short_chars", "whole number"]),
    "abbreviation-bad-regex": ("abbreviations.toml", replace('regex = "驻(?P<a>', 'regex = "驻((?P<a>'),
                               ["abbreviations.toml", "'stationed-units'", "regex"]),
    "landmark-short-row": ("landmarks.tsv", append("孤山\triver"), ["landmarks.tsv", "line ", "3 or 4"]),
    "linker-out-of-range": ("linker.toml", replace("reidentified_confidence = 0.9", "reidentified_confidence = 1.5"),
                            ["linker.toml", "[verdict] reidentified_confidence", "from 0.0 to 1.0"]),
    "linker-bad-cue": ("linker.toml", replace('prefecture_cues = ["', 'prefecture_cues = ["(?P<x'),
                       ["linker.toml", "[level] prefecture_cues[0]", "bad regular expression"]),
}


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text(MASKED, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_rule_file_is_refused_at_load_with_its_file_and_key(workdir, case):
    file, edit, named = BROKEN[case]
    rules = broken_rules(workdir, file, edit)
    outcome = invoke(["check", "docs", "--rules", str(rules)], workdir)
    message = outcome.output
    assert outcome.exit_code == 2, outcome.output
    assert "Traceback" not in outcome.output and "internal error" not in message
    for part in named:
        assert part in message, (part, message)


@pytest.mark.parametrize("command", ["scan", "fix"])
def test_scan_and_fix_refuse_a_broken_rule_file_too(workdir, command):
    file, edit, named = BROKEN["glyph-matches-empty"]
    rules = broken_rules(workdir, file, edit)
    outcome = invoke([command, "docs", "--out", str(workdir / "out"), "--rules", str(rules)], workdir)
    assert outcome.exit_code == 2, outcome.output
    assert "matches the empty string" in outcome.output and "internal error" not in outcome.output
    assert not (workdir / "out").exists() or not any((workdir / "out").iterdir())


def test_a_rule_file_that_is_a_folder_is_refused(workdir):
    rules = broken_rules(workdir, "units.txt", lambda text: text)
    (rules / "units.txt").unlink()
    (rules / "units.txt").mkdir()
    outcome = invoke(["check", "docs", "--rules", str(rules)], workdir)
    assert outcome.exit_code == 2
    assert "units.txt" in outcome.output and "not a regular file" in outcome.output


def test_a_catastrophic_pattern_times_out_and_the_document_fails_not_checked(workdir):
    rules = broken_rules(workdir, "masks.toml", append('[[glyph]]\nname = "catastrophic"\npattern = "(a+)+$"'))
    (workdir / "docs" / "b.txt").write_text("a" * 3000 + "b\n", encoding="utf-8")
    outcome = run_cli(["check", "docs", "--rules", str(rules)], workdir, timeout=30)
    assert outcome.returncode == 1, outcome.stderr
    line = next(l for l in outcome.stdout.splitlines() if l.startswith("docs/b.txt: error:"))
    assert "rule-timeout" in line and "masks.toml [[glyph]] 'catastrophic'" in line and "[not-checked]" in line
    # The scan went on: the other document was audited.
    assert "docs/a.txt: FAIL" not in outcome.stdout or "rule-timeout" not in outcome.stdout.split("docs/a.txt")[1]
    assert "1 not checked" in outcome.stdout.splitlines()[-1]
    assert "2 documents: 1 checked" in outcome.stdout.splitlines()[-1]


def test_a_catastrophic_linker_cue_times_out_too(workdir):
    rules = broken_rules(workdir, "linker.toml", replace('prefecture_cues = ["', 'prefecture_cues = ["(a|a)+$", "'))
    (workdir / "docs" / "b.txt").write_text(LOOKALIKE.replace("◆◆", "×") + "a" * 40 + "b\n", encoding="utf-8")
    outcome = run_cli(["check", "docs/b.txt", "--rules", str(rules)], workdir, timeout=30)
    assert outcome.returncode == 1, outcome.stderr
    assert "rule-timeout: linker.toml [level] prefecture_cues[0]" in outcome.stdout
    assert outcome.stdout.splitlines()[-1].startswith("1 document: 0 checked, 0 passed, 0 failed, 1 not checked")


def test_a_catastrophic_abbreviation_pattern_times_out_too(workdir):
    # Patterns without repetition run under re (fast, bounded); this one repeats, so regex bounds it.
    rules = broken_rules(workdir, "abbreviations.toml",
                         append('[[pattern]]\nname = "slow"\nregex = "(?P<a>(?:a|a)+)$"'))
    (workdir / "docs" / "b.txt").write_text(MASKED + "a" * 40 + "b\n", encoding="utf-8")
    outcome = run_cli(["check", "docs/b.txt", "--rules", str(rules)], workdir, timeout=30)
    assert outcome.returncode == 1, outcome.stderr
    assert "rule-timeout: abbreviations.toml [[pattern]] 'slow'" in outcome.stdout


def test_zero_width_matches_are_never_slots(workdir):
    # A look-ahead alone matches nothing: it must not make a slot before each 县.
    import auditor

    (workdir / "docs" / "c.txt").write_text("全县上下，×县城区，县里。\n", encoding="utf-8")
    rules = broken_rules(workdir, "masks.toml", append('[[glyph]]\nname = "before-xian"\npattern = "(?=县)"'))
    result = auditor.audit([str(workdir / "docs")], rules=str(rules), link=False)
    slots = [s for a in result.analyses for s in a.slots]
    assert slots and all(s.end > s.start for s in slots)
    assert sorted(s.mask for s in slots) == ["×", "×", "×"]


# --- the policy file ---------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no fifos here")
def test_a_policy_that_is_a_fifo_is_refused_quickly(workdir):
    os.mkfifo(workdir / "policy.toml")
    outcome = run_cli(["check", "docs", "--policy", "policy.toml"], workdir, timeout=30)
    assert outcome.returncode == 2
    assert "policy file is not a regular file: policy.toml" in outcome.stderr
    assert "Traceback" not in outcome.stderr


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="no /proc")
def test_proc_self_mem_as_a_policy_is_a_policy_error(workdir):
    outcome = run_cli(["check", "docs", "--policy", "/proc/self/mem"], workdir, timeout=30)
    assert outcome.returncode == 2
    assert "policy file" in outcome.stderr and "/proc/self/mem" in outcome.stderr
    assert "internal error" not in outcome.stderr and "Traceback" not in outcome.stderr


@pytest.mark.parametrize("mask", ["原平", "\u200b", "×\u200d", "× "])
def test_a_fix_mask_that_is_not_a_mask_is_refused(workdir, mask):
    (workdir / "policy.toml").write_text(f"[fix]\nmask = {json.dumps(mask)}\n", encoding="utf-8")
    outcome = invoke(["check", "docs", "--policy", "policy.toml"], workdir)
    assert outcome.exit_code == 2, outcome.output
    assert "[fix] mask" in outcome.output and "internal error" not in outcome.output


def test_the_old_rule_name_unreadable_still_works(workdir):
    (workdir / "docs" / "blob.txt").write_bytes(bytes(range(256)) * 8)
    (workdir / "policy.toml").write_text('[rules]\nunreadable = "report"\n', encoding="utf-8")
    outcome = invoke(["check", "docs/blob.txt", "--policy", "policy.toml"], workdir)
    assert outcome.exit_code == 0, outcome.output
    assert "[not-checked]" in outcome.output and ": note: not checked: binary" in outcome.output


# --- the gate fails closed ----------------------------------------------------


def _docx(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document><w:t>原平市崞阳镇</w:t></w:document>")


UNAUDITABLE = {
    "binary.txt": lambda path: path.write_bytes(bytes(range(256)) * 16),
    # Big5 lead bytes with trail bytes no encoding accepts.
    "big5ish.txt": lambda path: path.write_bytes(("中文內容".encode("big5") + b"\xa4\x20\xf9\x7f") * 300),
    "report.docx": _docx,
}


@pytest.mark.parametrize("name", sorted(UNAUDITABLE))
def test_a_file_auditor_cannot_audit_fails_the_check(workdir, name):
    UNAUDITABLE[name](workdir / name)
    outcome = invoke(["check", name], workdir)
    assert outcome.exit_code == 1, outcome.output
    (line,) = [l for l in outcome.output.splitlines() if l.startswith(f"{name}: error: not checked: ")]
    assert line.endswith("[not-checked]")
    assert outcome.output.splitlines()[-1].startswith("1 document: 0 checked, 0 passed, 0 failed, 1 not checked")


def test_lookalike_masks_with_a_revealing_clear_text_fail(workdir):
    (workdir / "suspect.txt").write_text(LOOKALIKE, encoding="utf-8")
    outcome = invoke(["check", "suspect.txt"], workdir)
    assert outcome.exit_code == 1, outcome.output
    (line,) = [l for l in outcome.output.splitlines() if l.endswith("[unrecognised-masks]")]
    assert line.startswith("suspect.txt:1:1: error: ◆◆: no mask auditor knows, but '◆◆' at 1:1 looks like one")
    assert "re-identifies 山西省/忻州市/原平市" in line


def test_an_unredacted_report_still_passes_as_not_anonymised(tmp_path):
    seed = Path(auditor.cli.__file__).resolve().parent.parent / "seeds" / "002_dcf08f31ebd92ceb.txt"
    shutil.copy(seed, tmp_path / "002.txt")
    outcome = invoke(["check", "002.txt"], tmp_path)
    assert outcome.exit_code == 0, outcome.output
    assert "002.txt: note: no masks found" in outcome.output and "[not-anonymised]" in outcome.output
    assert outcome.output.splitlines()[-1].startswith("1 document: 1 checked, 1 passed, 0 failed, 0 not checked")


def test_a_newline_in_a_name_does_not_split_a_line(workdir):
    (workdir / "two\nlines.txt").write_bytes(bytes(range(256)) * 8)
    (workdir / "evil\u202etxt.exe.txt").write_text(LOOKALIKE, encoding="utf-8")
    outcome = run_cli(["check", "."], workdir)
    assert outcome.returncode == 1, outcome.stderr
    lines = outcome.stdout.splitlines()
    assert not any(l.startswith("lines.txt") for l in lines)
    assert any(l.startswith("two\\nlines.txt: error: not checked") for l in lines)
    assert not any("\u202e" in l for l in lines)
    # Each line is a finding, a document's line or the summary.
    assert all(l.endswith("]") or ": FAIL: " in l or ": pass: " in l or ": not " in l or l == lines[-1]
               for l in lines), lines


@pytest.mark.skipif(sys.platform != "linux", reason="file names are bytes on Linux only")
def test_sarif_and_json_are_utf8_for_a_name_that_is_not(workdir):
    name = os.fsdecode(b"caf\xe9.txt")
    (workdir / name).write_text(LOOKALIKE, encoding="utf-8")
    for fmt in ("sarif", "json"):
        outcome = run_cli(["check", name, "--format", fmt, "--output", f"out.{fmt}"], workdir)
        assert outcome.returncode == 1, outcome.stderr
        data = json.loads((workdir / f"out.{fmt}").read_bytes().decode("utf-8"))
        if fmt == "sarif":
            (result,) = data["runs"][0]["results"]
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert uri == "caf%E9.txt"
        else:
            assert data["summary"]["failed"] == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no fifos here")
def test_skipped_and_empty_files_are_reported_and_repaired_ones_audited_with_a_note(tmp_path):
    seed = Path(auditor.cli.__file__).resolve().parent.parent / "seeds" / "002_dcf08f31ebd92ceb.txt"
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(seed, folder / "002.txt")
    (folder / "empty.txt").write_bytes(b"")
    os.mkfifo(folder / "pipe.txt")
    data = seed.read_bytes()
    (folder / "repaired.txt").write_bytes(data[:3000] + b"\xff" + data[3000:6000])
    outcome = run_cli(["check", "docs"], tmp_path, timeout=60)
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    lines = outcome.stdout.splitlines()
    assert any(l.startswith("docs/empty.txt: note: ") and l.endswith("[empty]") for l in lines)
    assert any(l.startswith("docs/pipe.txt: note: skipped: ") and l.endswith("[skipped]") for l in lines)
    (note,) = [l for l in lines if l.endswith("[repaired-encoding]")]
    assert note.startswith("docs/repaired.txt: note: audited after repairing the encoding: ")
    assert lines[-1].startswith("4 documents: 2 checked, 2 passed, 0 failed, 0 not checked, 2 skipped or empty")
