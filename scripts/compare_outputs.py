"""Are the tables and the report the same, byte for byte, as another checkout's?

    python scripts/compare_outputs.py --base ../base seeds bench-corpus

Scans each folder with this checkout's auditor and with the one in ``--base``
(another checkout, a ``git worktree`` of an earlier commit, run with the same
Python), from the same working directory with the same arguments and rule
files, and
compares every file of the two output folders. When a commit changed the
rule files' keys, ``--base-rules`` names the base's own rule files: each scan
then reads its rule files from the same path (a copy), so the report, which
names that path, can still be compared. Prints one line per folder and
exits 1 if any file differs or exists on one side only.
"""
from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def scan(tree: Path, folder: str, out: Path, workers: int, rules: Path) -> float:
    """Runs ``auditor scan`` from ``tree`` on ``folder``; returns its wall time."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-P", "-m", "auditor", "scan", folder, "--out", str(out), "-q",
                           "--workers", str(workers), "--rules", str(rules)], env=env, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{tree}: auditor scan {folder} exited {done.returncode}:\n{done.stderr}")
    return time.perf_counter() - started


def differences(left: Path, right: Path) -> tuple[int, list[str]]:
    """(files compared, the relative paths that differ or exist on one side only)."""
    names = {p.relative_to(left) for p in left.rglob("*") if p.is_file()}
    names |= {p.relative_to(right) for p in right.rglob("*") if p.is_file()}
    differ = [str(name) for name in sorted(names)
              if not (left / name).is_file() or not (right / name).is_file()
              or not filecmp.cmp(left / name, right / name, shallow=False)]
    return len(names), differ


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", help="folders to scan (as given to auditor scan)")
    parser.add_argument("--base", required=True, help="the other checkout (its folder holds auditor/)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rules", default=str(ROOT / "rules"),
                        help="the rule files both scans read (default: this checkout's; the report names them)")
    parser.add_argument("--base-rules", help="the rule files the base reads instead (copied to the same path in turn)")
    args = parser.parse_args(argv)
    base = Path(args.base).resolve()
    if not (base / "auditor" / "__init__.py").is_file():
        parser.error(f"{base} holds no auditor package")
    failed = False
    with tempfile.TemporaryDirectory(prefix="compare-") as tmp:
        rules = Path(tmp) / "rules"

        def rules_from(folder: str) -> Path:
            if args.base_rules is None:
                return Path(args.rules).resolve()
            shutil.rmtree(rules, ignore_errors=True)
            shutil.copytree(folder, rules)
            return rules

        for index, folder in enumerate(args.folders):
            before, after = Path(tmp) / f"{index}-base", Path(tmp) / f"{index}-this"
            seconds_before = scan(base, folder, before, args.workers, rules_from(args.base_rules))
            seconds_after = scan(ROOT, folder, after, args.workers, rules_from(args.rules))
            compared, differ = differences(before, after)
            failed |= bool(differ)
            verdict = "identical" if not differ else f"{len(differ)} differ: {', '.join(differ[:5])}"
            print(f"{folder}: {compared} files, {verdict} (scan {seconds_before:.1f} s base, {seconds_after:.1f} s this)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
