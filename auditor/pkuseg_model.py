"""pkuseg's default model, for the spaCy view (``auditor.nlp``).

spacy-pkuseg does not ship a model and pkuseg's own download site cannot be
reached; the model ships inside the ``pkuseg==0.0.25`` wheel on PyPI. This
module puts it where :func:`pkuseg_model_dir` looks::

    python -m auditor.pkuseg_model install            # into <venv>/share/auditor/pkuseg-default
    python -m auditor.pkuseg_model install --dest DIR # then set AUDITOR_PKUSEG_MODEL=DIR
    python -m auditor.pkuseg_model extract WHEEL_DIR DEST
    python -m auditor.pkuseg_model index              # its feature table, into auditor's cache folder

It is a set-up step, like ``python -m auditor.gazetteer build``: nothing is
downloaded while auditor runs. ``make install`` runs it.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from .map.pkuseg_features import build_table, build_weights, table_path, weights_path

WHEEL = "pkuseg==0.0.25"
_PREFIX = "pkuseg/models/default/"


def default_model_dir() -> Path:
    return Path(sys.prefix) / "share" / "auditor" / "pkuseg-default"


MODEL_ENV = "AUDITOR_PKUSEG_MODEL"


def pkuseg_model_dir() -> Path | None:
    """Where ``python -m auditor.pkuseg_model install`` (run by ``make install``) put
    pkuseg's model (features.pkl, weights.npz), or $AUDITOR_PKUSEG_MODEL."""
    candidates = []
    if os.environ.get(MODEL_ENV):
        candidates.append(Path(os.environ[MODEL_ENV]))
    candidates.append(default_model_dir())
    for folder in candidates:
        if (folder / "weights.npz").is_file() and any((folder / f).is_file() for f in ("features.pkl", "features.msgpack")):
            return folder
    return None


def extract(wheel_dir: str | Path, dest: str | Path) -> list[str]:
    """Copies the model files out of the pkuseg wheel in ``wheel_dir``; returns their names."""
    wheels = sorted(Path(wheel_dir).glob("pkuseg-*.whl"))
    if not wheels:
        raise SystemExit(f"no pkuseg wheel in {wheel_dir}")
    target = Path(dest)
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheels[0]) as wheel:
        members = [m for m in wheel.namelist() if m.startswith(_PREFIX) and not m.endswith("/")]
        for member in members:
            (target / member[len(_PREFIX):]).write_bytes(wheel.read(member))
    return [m[len(_PREFIX):] for m in members]


def install(dest: str | Path | None = None) -> Path:
    """Downloads the pkuseg wheel with pip (any platform's wheel holds the same model) and extracts it."""
    target = Path(dest) if dest else default_model_dir()
    with tempfile.TemporaryDirectory() as wheel_dir:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
             "--platform", "manylinux1_x86_64", "--python-version", "3.8", "--implementation", "cp",
             "--abi", "cp38m", WHEEL, "-d", wheel_dir],
            check=True,
        )
        names = extract(wheel_dir, target)
    print(f"pkuseg model: {', '.join(names)} -> {target}")
    return target


def index() -> int:
    """Builds the feature table and the weights array of the model pkuseg_model_dir() finds, unless they are built."""
    folder = pkuseg_model_dir()
    if folder is None or not (folder / "features.pkl").is_file():
        print("pkuseg model: not installed (run `python -m auditor.pkuseg_model install`)", file=sys.stderr)
        return 2
    path = table_path(folder)
    if not path.is_file():
        build_table(folder, path)
    print(f"pkuseg features: {path}")
    weights = weights_path(folder)
    if not weights.is_file():
        build_weights(folder, weights)
    print(f"pkuseg weights: {weights}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m auditor.pkuseg_model", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    inst = sub.add_parser("install", help=f"download {WHEEL} with pip and extract its model")
    inst.add_argument("--dest", help=f"default: {default_model_dir()}")
    ext = sub.add_parser("extract", help="extract the model from a pkuseg wheel already downloaded")
    ext.add_argument("wheel_dir")
    ext.add_argument("dest")
    sub.add_parser("index", help="build the model's feature table and weights array in auditor's cache folder "
                                 "(else built on first use; see auditor.map.pkuseg_features)")
    args = parser.parse_args(argv)
    if args.command == "install":
        install(args.dest)
    elif args.command == "index":
        return index()
    else:
        names = extract(args.wheel_dir, args.dest)
        print(f"pkuseg model: {', '.join(names)} -> {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
