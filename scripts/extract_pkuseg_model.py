"""Extracts pkuseg's default model from the pkuseg wheel into a folder.

Usage: extract_pkuseg_model.py WHEEL_DIR TARGET_DIR
"""
import sys
import zipfile
from pathlib import Path

PREFIX = "pkuseg/models/default/"


def main(wheel_dir: str, target: str) -> None:
    wheels = sorted(Path(wheel_dir).glob("pkuseg-*.whl"))
    if not wheels:
        sys.exit(f"no pkuseg wheel in {wheel_dir}")
    target_dir = Path(target)
    target_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheels[0]) as wheel:
        members = [m for m in wheel.namelist() if m.startswith(PREFIX) and not m.endswith("/")]
        for member in members:
            (target_dir / member[len(PREFIX):]).write_bytes(wheel.read(member))
    print(f"pkuseg model: {', '.join(m[len(PREFIX):] for m in members)} -> {target_dir}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
