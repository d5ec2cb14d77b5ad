"""``python -m auditor.gazetteer build | lookup NAME…``: compile the cache ahead
of time, or look a name up."""

import argparse
import sys
import time
from collections.abc import Sequence
from .cache import build_cache, clear_memo, load_gazetteer



# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m auditor.gazetteer", description="The administrative gazetteer cache.")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="compile the cache (quick no-op when it is current)")
    build.add_argument("--cache-dir", help="default: $AUDITOR_CACHE_DIR or ~/.cache/auditor")
    build.add_argument("--force", action="store_true", help="rebuild even if the cache is current")
    look = sub.add_parser("lookup", help="print the units a name refers to")
    look.add_argument("names", nargs="+")
    look.add_argument("--cache-dir")
    args = parser.parse_args(argv)

    if args.command == "build":
        started = time.perf_counter()
        path, built = build_cache(args.cache_dir, force=args.force)
        elapsed = time.perf_counter() - started
        clear_memo()
        started = time.perf_counter()
        g = load_gazetteer(args.cache_dir)
        load_time = time.perf_counter() - started
        state = "built" if built else "already current"
        print(f"gazetteer cache: {path} ({state}, {path.stat().st_size / 1e6:.1f} MB)")
        for level, count in g.counts().items():
            print(f"  {level:<10} {count:>8}")
        print(f"  former names: {g.stats.get('former_names')}")
        print(f"  common words: {g.stats.get('common_words')} "
              f"({g.stats.get('common_short_names')} of them short names)")
        print(f"  geography: {g.stats.get('geography')}")
        print(f"{'build' if built else 'check'} {elapsed:.2f} s, load {load_time:.3f} s")
        return 0

    g = load_gazetteer(args.cache_dir)
    for name in args.names:
        uids = g.lookup(name)
        common = ", common word" if g.is_common_word(name) else ""
        print(f"{name}: {len(uids)} unit(s){common}")
        for uid in uids[:20]:
            print(f"  {uid:>7} {g.level_of(uid):<10} {g.path(uid)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
