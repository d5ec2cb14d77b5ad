"""Benchmark of the scan: throughput per stage, peak memory, cold start, linearity.

    python scripts/bench.py --size-mb 50 --out reports

1. Generates a deterministic corpus (``bench-corpus/``, git-ignored) of at least
   ``--size-mb`` MB (10^6 bytes, counted as bytes on disk) from ``seeds/`` and
   ``../shared/dev-eval/``: redacted and unredacted variants, different places
   masked, paragraphs moved or dropped, boilerplate headers, some GB18030 /
   UTF-16 files and a few broken ones (empty, binary, undecodable, truncated).
   A second corpus, of distinct lines (``--distinct-mb``, 20 MB), holds the
   real reports with their paragraphs shuffled and every digit redrawn, so
   that no line repeats: no memo of repeated lines carries its figure.
2. Scans it (and the distinct-lines corpus) in a child process (so that its peak RSS can be measured apart
   from this script's) and times every stage.
3. Times ``auditor check`` on one seed file in fresh processes (cold start).
4. Scans 1/8, 1/4 and 1/2 of the corpus (prefixes of the sorted file list) to
   show that the time grows linearly with the corpus.
5. Scans one big file (``--big-file-mb``, 20 MB: variants of the sources one
   after another) and one seed file, and gives the growth of the main
   process's peak RSS per MB of input (``--only-big-file`` runs only this).
7. Times what pkuseg's feature table trades (``--only-pkuseg`` runs only this):
   loading the whole table against looking a clause's features up, per
   character of the seeds' clauses; their ratio is where a process loads it all
   (``auditor.map.pkuseg_features.FULL_LOAD_NODES``).
8. Renders the overview page (index.html) of 100,000 documents, the seeds' audit
   copied into as many folders (``--only-overview`` runs only this): its weight.
6. Saves the seeds as Word and as PDF files (the tests' builders: python-docx,
   ReportLab) and times loading them against loading the text: the cost of
   extraction per MB (``--only-formats`` runs only this).

Writes ``OUT/bench.json`` and ``OUT/bench.md`` and prints the Markdown tables.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import importlib.util
import itertools
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DEV_EVAL = ROOT.parent / "shared" / "dev-eval"
MB = 1_000_000
GENERATOR_VERSION = 1  # bump when the corpus recipe changes, so a cached corpus is rebuilt

TARGETS = {
    "throughput_mb_s": 5.0,  # end to end, all cores (on both corpora)
    "cold_check_s": 1.0,
    "peak_rss_mb": 2048.0,
    "scaling_ratio": 8.5,  # t(8x) / t(1x): the whole corpus against its first eighth
    # Peak RSS growth of the main process per MB of one big file: the bound the
    # README states (the measured figure is in bench.md, beside it).
    "main_mb_per_input_mb": 18.0,
    # The main process's peak RSS per document more, from the smallest scaling run to the whole
    # corpus: the reduce is to hold per-document summaries, not texts (issue 16, item 2).
    "main_kb_per_document": 8.0,
}

# Boilerplate that republishing sites put around a report; a near-duplicate
# detector has to see through it.
HEADERS = [
    "",
    "当前位置：首页 > 政务公开 > 政府工作报告\n\n{title}\n\n发布时间：{date}  来源：本站  浏览次数：{n}\n",
    "当前位置:九力公文网>专题范文 > 讲话稿 > {title}\n\n{title}\n\n时间:{date} 讲话稿 来源:网友投稿\n\n"
    "下面是小编为大家整理的{title},供大家参考。\n",
    "{title}\n（{date}在第{n}次会议上）\n",
    "【字体：大 中 小】 【打印本页】 【关闭窗口】\n{title}\n",
    "文章来源：政府办公室  发布日期：{date}  作者：办公室  阅读：{n}次\n",
]
FOOTERS = [
    "",
    "\n责任编辑：办公室\n",
    "\n扫一扫在手机打开当前页\n【打印本页】【关闭窗口】\n",
    "\n以上就是本文的全部内容，更多精彩范文请关注本站。\n",
    "\n附件：名词解释\n1.“放管服”改革：简政放权、放管结合、优化服务。\n",
]
TITLES = ["政府工作报告", "{year}年政府工作报告", "在人民代表大会上的政府工作报告（全文）", "政府工作报告（摘要）"]
MASK_GLYPHS = ["×"] * 8 + ["××", "X", "＊", "□"]
ENCODINGS = ["utf-8"] * 44 + ["gb18030"] * 3 + ["utf-16"] * 2 + ["utf-8-sig"]
BROKEN_EVERY = 97  # about 1% of the files are broken in some way
BROKEN_KINDS = ["empty", "blank", "binary", "undecodable", "truncated", "png"]


# ---------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------


def _gazetteer():
    try:
        from auditor.gazetteer import load_gazetteer

        return load_gazetteer()
    except Exception as exc:  # the corpus only loses town names without it
        print(f"bench: no gazetteer ({exc}); only the manifest's names are masked", file=sys.stderr)
        return None


def _sub_unit_names(gazetteer, place: str, text: str) -> list[str]:
    """Names of the units directly under ``place`` that the text mentions (towns of a
    county, counties of a prefecture): the clear-text clues a redactor forgets."""
    if gazetteer is None or not place:
        return []
    found = set()
    for uid in gazetteer.lookup_full(place)[:1]:
        for child in gazetteer.children(uid):
            unit = gazetteer.units[child]
            for name in (unit.name, unit.short):
                if len(name) >= 2 and name in text:
                    found.add(name)
    return sorted(found)


def _sources() -> list[dict]:
    """Seeds and dev-eval reports with the names a redactor would hide in each."""
    from auditor.redact import names_for

    manifest = {}
    if (DEV_EVAL / "manifest.csv").is_file():
        with open(DEV_EVAL / "manifest.csv", encoding="utf-8") as handle:
            manifest = {row["id"]: row for row in csv.DictReader(handle)}
    gazetteer = _gazetteer() if manifest else None
    files = sorted(SEEDS.glob("*.txt")) + sorted(DEV_EVAL.glob("*.txt"))
    sources = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        row = manifest.get(path.stem)
        # Seeds have no manifest row: their variants mask numbers only (000 and
        # 001 are redacted already).
        own, others = [], []
        if row:
            own = [n for n in names_for(row["province"], row["prefecture"], row["county"]) if n]
            others = _sub_unit_names(gazetteer, row["county"] or row["prefecture"], text)
        sources.append({"id": path.stem, "file": str(path), "text": text, "own": own, "others": others})
    return sources


def _reorder(paragraphs: list[str], rng: random.Random) -> list[str]:
    """Moves and drops some body paragraphs; the opening lines stay in place."""
    head, body = paragraphs[:3], paragraphs[3:]
    if len(body) < 4:
        return paragraphs
    if rng.random() < 0.6:
        for _ in range(rng.randint(1, max(1, len(body) // 5))):
            body.insert(rng.randrange(len(body)), body.pop(rng.randrange(len(body))))
    if rng.random() < 0.3:
        keep = 1 - rng.uniform(0.05, 0.15)
        body = [p for p in body if rng.random() < keep]
    return head + body


def _variant(source: dict, rng: random.Random) -> tuple[str, str]:
    """One variant of a source document: (text, how it was made)."""
    paragraphs = [p for p in source["text"].split("\n") if p.strip()]
    paragraphs = _reorder(paragraphs, rng)
    text = "\n".join(paragraphs) + "\n"
    recipe = []
    if rng.random() < 0.8:
        from auditor.redact import redact_text

        mask = rng.choice(MASK_GLYPHS)
        # Own names are masked in most variants, sub-unit names only in some: the
        # forgotten town name is the leak the auditor must catch.
        share = rng.random()
        names = [n for n in source["own"] if rng.random() < 0.9]
        names += [n for n in source["others"] if rng.random() < share]
        numbers = rng.random() < 0.7
        text = redact_text(text, names, mask=mask, numbers=numbers)
        recipe.append(f"redacted({len(names)} names, numbers={numbers}, mask={mask})")
    else:
        recipe.append("clear")
    title = rng.choice(TITLES).format(year=rng.randint(2017, 2024))
    date = f"{rng.randint(2017, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    header = rng.choice(HEADERS).format(title=title, date=date, n=rng.randint(1, 9999))
    footer = rng.choice(FOOTERS)
    text = header + ("\n" if header else "") + text + footer
    if rng.random() < 0.1:
        text = text.replace("\n", "\r\n")
        recipe.append("crlf")
    return text, " ".join(recipe)


def _broken(kind: str, rng: random.Random, sample: str) -> bytes:
    if kind == "empty":
        return b""
    if kind == "blank":
        return b" \n\t\r\n" * rng.randint(1, 100)
    if kind == "binary":
        return bytes(rng.randrange(256) for _ in range(rng.randint(100, 20000))) + b"\x00\x01\x02"
    if kind == "undecodable":
        # 0xFF never starts a UTF-8 or GB18030 sequence and is no control character.
        return "各位代表".encode("utf-8") + b"\xff\xfe\xff" * rng.randint(1, 50)
    if kind == "truncated":
        data = sample.encode("utf-8")
        cut = rng.randrange(len(data) // 4, len(data))
        while cut < len(data) and (data[cut] & 0xC0) == 0x80:
            cut += 1
        # one byte short of a character boundary: the last character is cut in two
        return data[: cut - 1]
    if kind == "png":
        return b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(4096))
    raise ValueError(kind)


def corpus_params(size_mb: float, seed: int) -> dict:
    digest = hashlib.sha256()
    for path in sorted(SEEDS.glob("*.txt")) + sorted(DEV_EVAL.glob("*")):
        digest.update(path.name.encode() + path.read_bytes())
    return {"version": GENERATOR_VERSION, "size_mb": size_mb, "seed": seed,
            "gazetteer": _gazetteer() is not None, "sources_sha256": digest.hexdigest()}


def _reused_corpus(folder: Path, params: dict) -> dict | None:
    """The description of the corpus in ``folder`` if it was made by ``params``; else None,
    and the folder emptied for a new one."""
    marker = folder / ".bench-corpus.json"  # hidden: the scan skips dot files
    if marker.is_file():
        cached = json.loads(marker.read_text(encoding="utf-8"))
        if cached.get("params") == params:
            return cached
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return None


def generate_corpus(folder: Path, size_mb: float, seed: int) -> dict:
    """Writes the corpus (reusing it when the recipe is unchanged); returns its description."""
    params = corpus_params(size_mb, seed)
    cached = _reused_corpus(folder, params)
    if cached:
        return cached
    sources = _sources()
    rng = random.Random(seed)
    target = size_mb * MB
    total = 0
    counts = {"files": 0, "broken": {}, "encodings": {}, "clear": 0, "redacted": 0}
    index = 0
    # File names start with the variant number, so any prefix of the sorted list
    # holds variants of every source: the scaling runs take such prefixes.
    while total < target:
        for source in sources:
            name = f"v{index:04d}_{source['id']}.txt"
            counts["files"] += 1
            if counts["files"] % BROKEN_EVERY == 0:
                kind = BROKEN_KINDS[(counts["files"] // BROKEN_EVERY) % len(BROKEN_KINDS)]
                data = _broken(kind, rng, source["text"])
                counts["broken"][kind] = counts["broken"].get(kind, 0) + 1
            else:
                text, recipe = _variant(source, rng)
                encoding = rng.choice(ENCODINGS)
                data = text.encode(encoding)
                counts["encodings"][encoding] = counts["encodings"].get(encoding, 0) + 1
                counts["clear" if recipe.startswith("clear") else "redacted"] += 1
            (folder / name).write_bytes(data)
            total += len(data)
        index += 1
    description = {"params": params, "bytes": total, "mb": round(total / MB, 3), "sources": len(sources),
                   "variants_per_source": index, **counts}
    (folder / ".bench-corpus.json").write_text(json.dumps(description, ensure_ascii=False, indent=1), encoding="utf-8")
    return description


DISTINCT_VERSION = 1  # bump when the distinct-lines recipe changes
_DIGIT = re.compile(r"[0-9０-９]")
_DIGITS = {"ascii": "0123456789", "wide": "０１２３４５６７８９"}


def _redraw_digits(line: str, rng: random.Random) -> str:
    """Every digit of ``line`` drawn again at random (full-width ones stay full-width)."""
    return _DIGIT.sub(lambda m: rng.choice(_DIGITS["ascii" if m.group() < "：" else "wide"]), line)


def generate_distinct_corpus(folder: Path, size_mb: float, seed: int) -> dict:
    """The distinct-lines corpus: the seeds' and dev-eval's real reports, each document
    one report's paragraphs shuffled with every digit redrawn, its own names masked in
    most; a line that came out as one written before is drawn again, or dropped, so no
    line repeats and no memo of repeated lines carries the figure. Reused while its
    recipe is unchanged; returns its description, with the duplicate lines counted
    afresh over the files written."""
    params = {**corpus_params(size_mb, seed), "version": DISTINCT_VERSION, "kind": "distinct-lines"}
    cached = _reused_corpus(folder, params)
    if cached:
        return cached
    from auditor.redact import redact_text

    sources = _sources()
    rng = random.Random(seed)
    seen: set[str] = set()
    total = dropped = index = 0
    while total < size_mb * MB:
        for source in sources:
            paragraphs = [p.strip() for p in source["text"].split("\n") if p.strip()]
            rng.shuffle(paragraphs)
            kept = []
            for paragraph in paragraphs:
                for _ in range(5):
                    line = _redraw_digits(paragraph, rng)
                    if line not in seen:
                        seen.add(line)
                        kept.append(line)
                        break
                else:
                    dropped += 1  # a line without enough digits to be drawn anew
            if not kept:
                continue
            text = "\n".join(kept) + "\n"
            if source["own"] and rng.random() < 0.8:
                text = redact_text(text, source["own"], mask=rng.choice(MASK_GLYPHS), numbers=False)
            data = text.encode("utf-8")
            (folder / f"d{index:04d}_{source['id']}.txt").write_bytes(data)
            total += len(data)
            if total >= size_mb * MB:
                break
        index += 1
    lines = [line for path in folder.glob("*.txt") for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    description = {"params": params, "bytes": total, "mb": round(total / MB, 3), "files": len(list(folder.glob("*.txt"))),
                   "sources": len(sources), "rounds": index, "lines": len(lines),
                   "duplicate_lines": len(lines) - len(set(lines)), "lines_dropped": dropped}
    (folder / ".bench-corpus.json").write_text(json.dumps(description, ensure_ascii=False, indent=1), encoding="utf-8")
    return description


def generate_big_file(path: Path, size_mb: float, seed: int) -> dict:
    """Writes one UTF-8 file of at least ``size_mb`` MB: variants of the
    sources one after the other (the archive of a site saved as one page),
    reused when the recipe is unchanged; returns its description."""
    params = {**corpus_params(size_mb, seed), "kind": "one file"}
    marker = path.with_name(f".{path.name}.json")
    if path.is_file() and marker.is_file():
        cached = json.loads(marker.read_text(encoding="utf-8"))
        if cached.get("params") == params:
            return cached
    path.parent.mkdir(parents=True, exist_ok=True)
    sources = _sources()
    rng = random.Random(seed)
    total, variants = 0, 0
    with open(path, "wb") as handle:
        for source in itertools.cycle(sources):
            if total >= size_mb * MB:
                break
            data = _variant(source, rng)[0].replace("\r\n", "\n").encode("utf-8")
            handle.write(data)
            total += len(data)
            variants += 1
    description = {"params": params, "bytes": total, "mb": round(total / MB, 3), "variants": variants}
    marker.write_text(json.dumps(description, ensure_ascii=False, indent=1), encoding="utf-8")
    return description


# ---------------------------------------------------------------------------
# The measured scan (runs in a child process: `bench.py _scan ...`)
# ---------------------------------------------------------------------------


def _proc_kb(pid: int, file: str, field: str) -> int:
    """A size in kB that /proc/PID/FILE gives on the line starting FIELD (0 when the process is gone)."""
    try:
        with open(f"/proc/{pid}/{file}", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _rss_kb(pid: int) -> int:
    return _proc_kb(pid, "status", "VmRSS:")


def _pss_kb(pid: int) -> int:
    """PSS divides each shared page among the processes that share it, so it
    sums to the memory a process tree holds. Reading it walks the process's
    page tables (some 20 ms for a 1 GB process), so it is sampled less often."""
    return _proc_kb(pid, "smaps_rollup", "Pss:")


def _descendants(pid: int) -> list[int]:
    # Only processes younger than ``pid`` can be its descendants (barring a pid
    # wrap-around), which spares reading the stat file of every process.
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) > pid:
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    stat = handle.read()
                parents[int(entry)] = int(stat[stat.rfind(")") + 2 :].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent]
        found += children
        frontier += children
    return found


class TreeMemorySampler(threading.Thread):
    """Samples the summed memory of this process and its workers.

    The report's page writers are forked from the main process and share its
    pages copy-on-write: summed RSS counts those once per process, summed PSS
    (proportional set size) once in all, so PSS is what the scan holds."""

    def __init__(self, interval: float = 0.2, pss_every: int = 5):
        super().__init__(daemon=True)
        self.interval, self.pss_every = interval, pss_every
        self.peak_pss_kb = self.peak_rss_kb = 0
        self.peak_processes = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        for tick in itertools.count():
            if self._stop_event.is_set():
                break
            pids = [me] + _descendants(me)
            self.peak_rss_kb = max(self.peak_rss_kb, sum(_rss_kb(p) for p in pids))
            if tick % self.pss_every == 0:
                pss = sum(_pss_kb(p) for p in pids)
                if pss > self.peak_pss_kb:
                    self.peak_pss_kb, self.peak_processes = pss, len(pids)
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def link_mode(no_link: bool = False) -> tuple[bool, str]:
    if no_link:
        return False, "link=False (--no-link): slots only"
    missing = [m for m in ("auditor.map.clues", "auditor.reduce.linker") if importlib.util.find_spec(m) is None]
    if missing:
        return False, f"{' and '.join(missing)} missing: link=False, slots only"
    return True, "link=True: slots, clues, linker"


def child_scan(args) -> None:
    sampler = TreeMemorySampler()
    sampler.start()
    started = time.perf_counter()
    import auditor.heap
    import auditor.memo

    for name in args.without:
        if name == "gc-pause":
            auditor.heap.PAUSE_COLLECTOR = False
        else:
            auditor.memo.SIZES[name] = 0  # before anything that keeps the memo is built
    from auditor.map.loading import DEFAULT_MAX_BYTES, iter_input_files
    from auditor.rules import load_rules
    from auditor.output.writer import write_audit
    from auditor.scan import audit

    imported = time.perf_counter()
    # Only the files a scan of the folder reads: iter_input_files also lists what it
    # skips (the hidden .big/ folder of the one-big-file bench, the corpus stamp), and
    # given by name those would be read too.
    files = [file for file in iter_input_files([args.corpus]) if not file.status]
    count = max(1, round(len(files) * args.fraction))
    files = files[:count]
    size = sum(file.path.stat().st_size for file in files)
    link, link_note = link_mode(args.no_link)
    rules = load_rules()
    scan_started = time.perf_counter()
    # The files of the (possibly partial) corpus all sit in one folder, so the
    # document names (corpus/name, the paths as given) are the same as for a scan of the folder.
    cache = None
    if args.cache_dir:
        from auditor.mapcache import MapCache

        cache = MapCache(args.cache_dir)
    result = audit([str(file.path) for file in files], rules, workers=args.workers, link=link,
                   max_bytes=args.max_bytes or DEFAULT_MAX_BYTES, cache=cache)
    audited = time.perf_counter()
    # What `auditor scan` does: tables in this process while forked workers
    # write the report's pages (slots-only scans write a report too).
    timings = dict(result.timings)
    write_audit(result, args.scan_out, workers=args.workers, timings=timings)
    finished = time.perf_counter()
    sampler.stop()

    stages: dict[str, float] = {}
    for analysis in result.analyses:
        for stage, seconds in analysis.timings.items():
            stages[stage] = stages.get(stage, 0.0) + seconds
    # Soak: every input file must have its row in files.csv.
    with open(Path(args.scan_out) / "files.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    statuses: dict[str, int] = {}
    for row in rows:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    expected = {file.doc for file in files}
    listed = {row["doc"] for row in rows}
    self_usage = resource.getrusage(resource.RUSAGE_SELF)
    children_usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {
        "fraction": args.fraction,
        "workers": args.workers,
        "link": link,
        "link_note": link_note,
        "files": len(files),
        "bytes": size,
        "slots": sum(len(a.slots) for a in result.analyses),
        "clues": sum(len(a.clues) for a in result.analyses),
        "identities": len(result.identities),
        "cache_hits": cache.hits if cache else None,
        "seconds": {
            "import": imported - started,
            "scan": finished - scan_started,  # audit + tables + report
            "audit": audited - scan_started,
            "map": timings.get("map"),
            "link": timings.get("link"),
            "review": timings.get("review"),
            "tables": timings["tables"],
            "report": timings["report"],
            "report_workers_cpu": timings["report_workers_cpu"],
            "write": timings["write"],
            **{f"stage_{k}": v for k, v in stages.items()},
        },
        "cpu_seconds": {
            "main": self_usage.ru_utime + self_usage.ru_stime,
            "workers": children_usage.ru_utime + children_usage.ru_stime,
        },
        "rss_mb": {
            # VmHWM, the peak of this process's own memory since its exec: getrusage's maxrss
            # starts from the peak of the process that forked it (the bench, which holds the
            # 100,000-document overview by the time it scans the big file).
            "main_peak": _proc_kb(os.getpid(), "status", "VmHWM:") / 1024,
            # RUSAGE_CHILDREN's maxrss is the peak of the largest reaped child,
            # pages shared with the parent included.
            "largest_worker_peak": children_usage.ru_maxrss / 1024,
            "tree_sampled_peak_pss": sampler.peak_pss_kb / 1024,
            "tree_sampled_peak_rss": sampler.peak_rss_kb / 1024,
            "tree_sampled_processes": sampler.peak_processes,
        },
        "soak": {
            "files_csv_rows": len(rows),
            "missing": sorted(expected - listed)[:20],
            "n_missing": len(expected - listed),
            "statuses": statuses,
        },
    }
    Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")


def run_child_scan(corpus: Path, fraction: float, workers: int, no_link: bool, max_bytes: int = 0,
                   without: tuple[str, ...] = (), cache_dir: Path | None = None) -> dict:
    """Scans (a fraction of) the files of ``corpus`` in a child process, with
    ``--max-bytes`` when ``max_bytes`` is set (else auditor's default), with
    the memos ``without`` turned off, and with the map cache in ``cache_dir``
    (else none)."""
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        json_path = Path(tmp) / "result.json"
        command = [sys.executable, str(Path(__file__).resolve()), "_scan", "--corpus", str(corpus),
                   "--fraction", str(fraction), "--workers", str(workers), "--scan-out", str(Path(tmp) / "out"),
                   "--json", str(json_path)]
        if no_link:
            command.append("--no-link")
        if max_bytes:
            command += ["--max-bytes", str(max_bytes)]
        for name in without:
            command += ["--without", name]
        if cache_dir is not None:
            command += ["--cache-dir", str(cache_dir)]
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        subprocess.run(command, check=True, cwd=ROOT)
        wall = time.perf_counter() - started
        result = json.loads(json_path.read_text(encoding="utf-8"))
    result["seconds"]["end_to_end"] = wall  # interpreter start, imports, scan, tables, exit
    # Other people's jobs on the machine stretch wall times but not CPU seconds.
    result["loadavg_1min"] = {"before": load_before, "after": os.getloadavg()[0]}
    result["cpu_seconds"]["total"] = result["cpu_seconds"]["main"] + result["cpu_seconds"]["workers"]
    return result


def machine_reference(steps: int = 10_000_000) -> float:
    """CPU seconds of a fixed pure-Python loop, taken just before the scan.
    The machine is shared: its speed has varied by half from one hour to the
    next, and this says how fast it was when the figures were taken."""
    started = time.process_time()
    total = 0
    for step in range(steps):
        total += step
    return time.process_time() - started


# ---------------------------------------------------------------------------
# Main-process memory per MB of one big file
# ---------------------------------------------------------------------------


def big_file_memory(corpus: Path, size_mb: float, seed: int, workers: int, no_link: bool) -> dict:
    """Peak RSS of the scanning process (getrusage, its own pages only) on one
    file of ``size_mb`` MB, and on one seed file for the part that does not
    grow with the input (interpreter, rules, gazetteer): the difference per MB
    of input is the figure a user sizing a machine for a big file needs. A
    single document is read, linked and written in the main process."""
    # Hidden folders under the corpus: the corpus scan skips them.
    big = generate_big_file(corpus / ".big" / "big.txt", size_mb, seed)
    one_seed = corpus / ".one-seed"
    one_seed.mkdir(parents=True, exist_ok=True)
    seed_file = sorted(SEEDS.glob("000_*.txt"))[0]
    shutil.copyfile(seed_file, one_seed / seed_file.name)
    fixed = run_child_scan(one_seed, 1.0, workers, no_link)
    scan = run_child_scan(corpus / ".big", 1.0, workers, no_link, max_bytes=big["bytes"] + 1)
    mb = scan["bytes"] / MB
    growth = scan["rss_mb"]["main_peak"] - fixed["rss_mb"]["main_peak"]
    return {"mb": mb, "variants": big["variants"], "workers": workers, "slots": scan["slots"], "clues": scan["clues"],
            "seconds": scan["seconds"]["end_to_end"], "main_peak_mb": scan["rss_mb"]["main_peak"],
            "fixed_main_peak_mb": fixed["rss_mb"]["main_peak"], "main_mb_per_input_mb": growth / mb,
            "tree_sampled_peak_pss_mb": scan["rss_mb"]["tree_sampled_peak_pss"]}


def render_big_file(big: dict) -> list[str]:
    return [
        f"Big file: one {big['mb']:.1f} MB text ({big['variants']} variants of the sources one after another, "
        f"{big['slots']} slots, {big['clues']} clues), `scan` with {big['workers']} worker(s) in "
        f"{big['seconds']:.1f}s: peak RSS of the main process {big['main_peak_mb']:.0f} MB, "
        f"{big['fixed_main_peak_mb']:.0f} MB of it for one seed file (interpreter, rules, gazetteer), so "
        f"**{big['main_mb_per_input_mb']:.1f} MB of main-process memory per MB of input** "
        f"(sampled PSS of all the processes {big['tree_sampled_peak_pss_mb']:.0f} MB).",
        "",
    ]


# ---------------------------------------------------------------------------
# Cold start of `auditor check`
# ---------------------------------------------------------------------------


def cold_start(runs: int = 3) -> dict:
    """``auditor check`` of one seed file in fresh processes, ``runs`` times each way: a file
    the map cache holds (checked once before, unchanged: a re-check before publishing), and
    one it does not (``AUDITOR_NO_CACHE=1``: every step from its bytes). The OS file cache is warm."""
    exe = Path(sys.executable).with_name("auditor")
    command_prefix = [str(exe)] if exe.exists() else [sys.executable, "-m", "auditor.cli"]
    seed = sorted(SEEDS.glob("000_*.txt"))[0]
    command = command_prefix + ["check", str(seed)]

    def timed(env: dict) -> dict:
        times, cpu, codes = [], [], []
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, cwd=ROOT, env=env)
            times.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            codes.append(done.returncode)
        # `check` exits 1 when something leaks; 2 or more means it failed to run.
        return {"seconds": times, "median": statistics.median(times), "cpu_seconds": cpu, "exit_codes": codes,
                "ran": all(c in (0, 1) for c in codes)}

    cached_env = {k: v for k, v in os.environ.items() if k != "AUDITOR_NO_CACHE"}
    subprocess.run(command, capture_output=True, cwd=ROOT, env=cached_env)  # the file into the map cache
    return {"command": f"auditor check {seed.relative_to(ROOT)}",
            "unseen": timed({**os.environ, "AUDITOR_NO_CACHE": "1"}), "cached": timed(cached_env)}


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def _rate(mb: float, seconds: float | None) -> str:
    if not seconds:
        return "–"
    return f"{mb / seconds:.2f}"


def _secs(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds:.2f}"


FORMAT_RUNS = 3


def measure_formats(runs: int = FORMAT_RUNS) -> dict:
    """Loading (reading and extracting) the seeds as text, as .docx and as .pdf, best of ``runs``, in this process."""
    sys.path.insert(0, str(ROOT / "tests"))
    from docx_fixtures import text_docx
    from pdf_fixtures import text_pdf

    from auditor.map.loading import load_file

    makers = {"txt": None, "docx": text_docx, "pdf": text_pdf}
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-formats-") as tmp:
        for kind, make in makers.items():
            paths = []
            for seed in sorted(SEEDS.glob("*.txt")):
                text = seed.read_text(encoding="utf-8")
                path = Path(tmp) / f"{seed.stem}.{kind}"
                if make is None:
                    path.write_text(text, encoding="utf-8")
                else:
                    path.write_bytes(make([line.strip() for line in text.split("\n") if line.strip()]))
                paths.append(path)
            best = None
            for _ in range(runs):
                started = time.perf_counter()
                chars = sum(len(load_file(path, path.name).text) for path in paths)
                elapsed = time.perf_counter() - started
                best = elapsed if best is None else min(best, elapsed)
            file_bytes = sum(path.stat().st_size for path in paths)
            results[kind] = {"files": len(paths), "file_bytes": file_bytes, "chars": chars, "seconds": best,
                             "pages": _pdf_pages(paths) if kind == "pdf" else None}
    return results


def _pdf_pages(paths: list[Path]) -> int:
    import pdfplumber

    total = 0
    for path in paths:
        with pdfplumber.open(path) as pdf:
            total += len(pdf.pages)
    return total


def render_formats(formats: dict) -> list[str]:
    text = formats["txt"]
    lines = [f"Extraction: the {text['files']} seeds ({text['chars']:,} characters) loaded as text, as Word and as "
             f"PDF (best of {FORMAT_RUNS}, one process):", "",
             "| format | file MB | seconds | s per MB of file | s per 10⁵ characters | × text |",
             "|---|---:|---:|---:|---:|---:|"]
    for kind, run in formats.items():
        mb = run["file_bytes"] / MB
        pages = f" ({run['pages']} pages, {run['seconds'] / run['pages'] * 1000:.0f} ms a page)" if run["pages"] else ""
        lines.append(f"| {kind}{pages} | {mb:.2f} | {run['seconds']:.3f} | {run['seconds'] / mb:.2f} | "
                     f"{run['seconds'] / run['chars'] * 1e5:.3f} | {run['seconds'] / text['seconds']:.0f} |")
    return lines + [""]


MEMO_FRACTION = 0.125


def measure_memos(corpus: Path, workers: int, no_link: bool) -> dict:
    """Scans MEMO_FRACTION of the corpus with every memo, then without each
    memo (auditor.memo.SIZES) and without the report's collector pause in turn."""
    import auditor.memo

    names = list(auditor.memo.SIZES) + ["gc-pause"]
    print(f"bench: memos: {MEMO_FRACTION:g} of the corpus with all, then without each of {len(names)}", file=sys.stderr)
    runs = {"(all)": run_child_scan(corpus, MEMO_FRACTION, workers, no_link)}
    for name in names:
        runs[name] = run_child_scan(corpus, MEMO_FRACTION, workers, no_link, without=(name,))
    return {name: {"seconds": run["seconds"]["end_to_end"], "cpu_seconds": run["cpu_seconds"]["total"],
                   "bytes": run["bytes"]} for name, run in runs.items()}


def render_memos(memos: dict) -> list[str]:
    base = memos["(all)"]
    lines = [f"Memos: {base['bytes'] / MB:.1f} MB ({MEMO_FRACTION:g} of the corpus), end to end, with every memo "
             f"and without one (a memo pays where the scan is slower without it):", "",
             "| without | seconds | CPU seconds | saved by the memo |", "|---|---:|---:|---:|"]
    for name, run in memos.items():
        saved = "" if name == "(all)" else f"{(run['cpu_seconds'] - base['cpu_seconds']) / run['cpu_seconds']:+.0%} CPU"
        lines.append(f"| {name} | {run['seconds']:.1f} | {run['cpu_seconds']:.1f} | {saved} |")
    return lines + [""]


def measure_pkuseg_features(runs: int = 3) -> dict:
    """CPU seconds to load pkuseg's whole feature table, and per character to look up the
    features of the seeds' clauses instead (pkuseg over the table less pkuseg with it all)."""
    import io
    import pickle

    import spacy_pkuseg
    from auditor.map.pkuseg_features import FULL_LOAD_NODES, FeatureTable, growing_extractor, pkuseg_over_table
    from auditor.map.segment import pkuseg_model_dir

    model = pkuseg_model_dir()
    if model is None or not (model / "features.pkl").is_file():
        return {}
    table = FeatureTable.of_model(model)
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    clauses = [c for text in texts for c in re.split(r"[。！？；，、：\n\r（）()“”\"《》]", text) if c.strip()]
    characters = sum(map(len, clauses))

    def cpu(function) -> float:
        best = None
        for _ in range(runs):
            started = time.process_time()
            function()
            spent = time.process_time() - started
            best = spent if best is None else min(best, spent)
        return best

    def load_all():
        with open(table.source, "rb") as reader:
            pickle.load(reader)

    with contextlib.redirect_stderr(io.StringIO()):
        whole = spacy_pkuseg.pkuseg(model_name=str(model))
    load = cpu(load_all)
    with_all = cpu(lambda: [whole.cut(clause) for clause in clauses])
    over_table = pkuseg_over_table(model, table)

    def cut_looking_up():
        over_table.feature_extractor = growing_extractor(table, full_load_nodes=10**12)  # nothing looked up yet
        for clause in clauses:
            over_table.cut(clause)

    looked_up = cpu(cut_looking_up)
    per_character = max(looked_up - with_all, 0.0) / characters
    return {"characters": characters, "load_cpu_s": load, "lookup_cpu_s_per_character": per_character,
            "break_even_characters": load / per_character if per_character else None,
            "full_load_nodes": FULL_LOAD_NODES}


def render_pkuseg_features(found: dict) -> list[str]:
    return ["### pkuseg features", "",
            f"Loading the whole feature table: {found['load_cpu_s']:.2f} CPU s; looking features up instead: "
            f"{found['lookup_cpu_s_per_character'] * 1e6:.0f} CPU µs a character (the seeds' "
            f"{found['characters']:,} characters of clauses); break-even at "
            f"{found['break_even_characters']:,.0f} characters (a process loads it all after "
            f"{found['full_load_nodes']:,}).", ""]


def naive_vote(corpus: Path, runs: int = 2) -> dict:
    """The scale issue's reference: one multi-pattern pass over each document with every
    gazetteer name (full and short, official and former), each hit voting for its units and
    their prefectures and provinces, the top county the guess. One core, CPU seconds; with
    ahocorasick-rs (auditor's matcher) and, where installed, daachorse's double-array one."""
    import ahocorasick_rs

    from auditor.gazetteer import load_gazetteer

    gazetteer = load_gazetteer()
    names = {**gazetteer.full_names()}
    for name, uids in gazetteer.short_names().items():
        names[name] = tuple(sorted(set(names.get(name, ())) | set(uids)))
    patterns = sorted(names)
    votes = []
    for name in patterns:
        counted = set()
        for uid in names[name]:
            for level in ("county", "prefecture", "province"):
                above = gazetteer.ancestor(uid, level)
                if above is not None:
                    counted.add(above)
        votes.append(tuple(counted))
    counties = {uid for found in votes for uid in found if gazetteer.level_of(uid) == "county"}
    texts = [path.read_text(encoding="utf-8") for path in sorted(corpus.glob("*.txt"))]
    size = sum(len(text.encode("utf-8")) for text in texts)

    def vote(hits_of) -> float:
        best = None
        for _ in range(runs):
            started = time.process_time()
            for text in texts:
                tally: dict[int, int] = {}
                for index in hits_of(text):
                    for uid in votes[index]:
                        tally[uid] = tally.get(uid, 0) + 1
                max((uid for uid in tally if uid in counties), key=tally.get, default=None)
            spent = time.process_time() - started
            best = spent if best is None else min(best, spent)
        return best

    matchers = {}
    automaton = ahocorasick_rs.AhoCorasick(patterns, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
    matchers["ahocorasick-rs"] = lambda text: (index for index, _, _ in automaton.find_matches_as_indexes(text))
    try:
        import daachorse
    except ImportError:
        pass
    else:
        double_array = daachorse.CharwiseDoubleArrayAhoCorasick(patterns, match_kind=daachorse.MATCH_KIND_LEFTMOST_LONGEST)
        matchers["daachorse"] = lambda text: (index for _, _, index in double_array.find(text))
    def match_only(hits_of) -> float:
        started = time.process_time()
        for text in texts:
            for _ in hits_of(text):
                pass
        return time.process_time() - started

    found = {"bytes": size, "patterns": len(patterns), "cpu_s": {}, "mb_s": {}, "match_only_mb_s": {}}
    for name, hits_of in matchers.items():
        seconds = vote(hits_of)
        found["cpu_s"][name] = seconds
        found["mb_s"][name] = size / MB / seconds if seconds else None
        matching = match_only(hits_of)
        found["match_only_mb_s"][name] = size / MB / matching if matching else None
    return found


def render_distinct(distinct: dict, workers: int) -> list[str]:
    corpus, scan = distinct["corpus"], distinct["scan"]
    mb = scan["bytes"] / MB
    seconds = scan["seconds"]
    end_to_end = seconds["end_to_end"]
    lines = ["## The distinct-lines corpus", "",
             f"{corpus['mb']:.1f} MB in {corpus['files']} files drawn from {corpus['sources']} real reports, paragraphs "
             f"shuffled and every digit redrawn ({corpus['lines']:,} lines, {corpus['duplicate_lines']:,} of them "
             f"repeated; {corpus['lines_dropped']:,} lines dropped that could not be drawn anew).", "",
             f"End to end {_secs(end_to_end)} s: {_rate(mb, end_to_end)} MB/s with {workers} worker(s), "
             f"{_rate(mb / workers, end_to_end)} MB/s a core.", "",
             "| stage | seconds | MB/s |", "|---|---:|---:|"]
    for stage in ("map", "link", "review", "tables", "report"):
        value = seconds.get(stage)
        lines.append(f"| {stage} | {_secs(value)} | {_rate(mb, value)} |")
    vote = distinct.get("naive_vote")
    if vote:
        rates = "; ".join(f"{name} {rate:.2f} MB/s" for name, rate in vote["mb_s"].items() if rate)
        matching = "; ".join(f"{name} {rate:.1f} MB/s" for name, rate in vote["match_only_mb_s"].items() if rate)
        lines += ["", f"The naive vote on the same corpus (one pass of {vote['patterns']:,} gazetteer names, "
                      f"each hit a vote for its units and their ancestors; one core, CPU time): {rates}. "
                      f"The matching alone, hits read but not counted: {matching}."]
    return lines + [""]


OVERVIEW_DOCUMENTS = 100_000


def measure_overview(documents: int = OVERVIEW_DOCUMENTS) -> dict:
    """The overview page (index.html) of ``documents`` documents: the seeds' linked audit and
    review copied into as many folders as it takes (batch00000/seeds/…), and the page rendered
    as a scan renders it. Its weight, raw and gzipped, per document and whole, and the time it
    took (the document pages are not rendered: each is the size of its own document)."""
    import dataclasses
    import gzip

    from auditor.output.gate import resolve_policy
    from auditor.output.report.render import PageRenderer
    from auditor.output.writer import build_review
    from auditor.result import AuditResult
    from auditor.scan import audit

    with contextlib.chdir(ROOT):
        seeds = audit(["seeds"])
    review = build_review(seeds, resolve_policy(None, None))
    batches = -(-documents // len(seeds.analyses))
    analyses, identities, gates = [], [], {}
    for batch in range(batches):
        prefix = f"batch{batch:05d}/"
        analyses += [dataclasses.replace(a, source=dataclasses.replace(a.source, doc=prefix + a.doc))
                     for a in seeds.analyses]
        identities += [dataclasses.replace(i, doc=prefix + i.doc, group=f"{i.group}-{batch}") for i in seeds.identities]
        gates.update({prefix + doc: gate for doc, gate in review.gates.items()})
    analyses, identities = analyses[:documents], identities[:documents]
    many = AuditResult(analyses, identities, gazetteer=seeds.gazetteer)
    started = time.perf_counter()
    page = PageRenderer(many, review=dataclasses.replace(review, gates=gates, fixes={})).index_html().encode("utf-8")
    seconds = time.perf_counter() - started
    zipped = len(gzip.compress(page))
    return {"documents": len(analyses), "bytes": len(page), "gzip_bytes": zipped, "seconds": round(seconds, 2),
            "bytes_per_document": round(len(page) / len(analyses))}


def render_overview(overview: dict) -> list[str]:
    return ["## The overview page", "",
            f"index.html of {overview['documents']:,} documents (the seeds' audit copied): "
            f"{overview['bytes'] / MB:.1f} MB ({overview['bytes_per_document']} bytes a document), "
            f"{overview['gzip_bytes'] / MB:.1f} MB gzipped, rendered in {overview['seconds']:.1f} s. "
            "The documents' table shows 100 rows at a time and pages, searches, filters and sorts the others "
            "as data; the tables by slot type and by group show their first 100 rows.", ""]


def render(bench: dict) -> str:
    lines = render_scan(bench) if "scan" in bench else []
    if bench.get("distinct"):
        lines += render_distinct(bench["distinct"], bench["scan"]["workers"])
    if bench.get("memos"):
        lines += render_memos(bench["memos"])
    if bench.get("big_file"):
        lines += render_big_file(bench["big_file"])
    if bench.get("formats"):
        lines += render_formats(bench["formats"])
    if bench.get("pkuseg_features"):
        lines += render_pkuseg_features(bench["pkuseg_features"])
    if bench.get("overview"):
        lines += render_overview(bench["overview"])
    lines += ["| target | measured | met |", "|---|---:|---|"]
    for row in bench["targets"]:
        lines.append(f"| {row['target']} | {row['measured']} | {'yes' if row['met'] else '**no**'} |")
    return "\n".join(lines) + "\n"


def render_scan(bench: dict) -> list[str]:
    main = bench["scan"]
    mb = main["bytes"] / MB
    s = main["seconds"]
    lines = [
        f"## Scan benchmark: {mb:.1f} MB, {main['files']} files, {main['workers']} worker(s), {main['link_note']}",
        "",
        f"Corpus: {bench['corpus']['sources']} sources × {bench['corpus']['variants_per_source']} variants "
        f"(town names from the gazetteer: {'yes' if bench['corpus']['params']['gazetteer'] else 'no'}); encodings {bench['corpus']['encodings']}; "
        f"broken files {bench['corpus']['broken']}.",
        "",
        f"Machine: {bench['machine']['cores']} cores, Python {bench['machine']['python']}; a reference loop "
        f"of 10⁷ Python additions took {bench['machine']['reference_loop_seconds']:.2f} CPU s just before the scan "
        "(the machine is shared, and its speed varies).",
        "",
        "| stage | seconds | MB/s | how measured |",
        "|---|---:|---:|---|",
    ]
    in_worker = "per document in the workers, summed (perf_counter: stretched when the machine is busy)"
    stages = (("load", in_worker), ("tokenize", in_worker), ("classify", in_worker), ("fingerprint", in_worker),
              ("clues", in_worker + "; copies of a text in one process"))
    for stage, how in stages:
        value = s.get(f"stage_{stage}")
        lines.append(f"| {stage} | {_secs(value)} | {_rate(mb, value)} | {how if value is not None else 'not run'} |")
    lines += [
        f"| map | {_secs(s['map'])} | {_rate(mb, s['map'])} | wall: the stages above, transfer between processes |",
        f"| link | {_secs(s['link'])} | {_rate(mb, s['link'])} | {'wall' if s['link'] is not None else 'not run (no linker)'} |",
        f"| review | {_secs(s.get('review'))} | {_rate(mb, s.get('review'))} | wall: the gate and fix's plan the "
        f"report shows (output.build_review: rounds of masking and re-linking, in the main process) |",
        f"| tables | {_secs(s['tables'])} | {_rate(mb, s['tables'])} | wall: write_tables, in the main process "
        f"while forked workers write the report's pages |",
        f"| report | {_secs(s['report'])} | {_rate(mb, s['report'])} | wall the report adds to the tables: views, "
        f"index.html, the wait for the page writers ({s['report_workers_cpu']:.2f} CPU s in them) |",
        f"| **end to end** | **{_secs(s['end_to_end'])}** | **{_rate(mb, s['end_to_end'])}** | "
        f"wall of the child process: start-up {s['import']:.2f}s imports included |",
        "",
        f"CPU: main {main['cpu_seconds']['main']:.1f}s, workers {main['cpu_seconds']['workers']:.1f}s "
        f"({mb / main['cpu_seconds']['total']:.2f} MB per CPU second); 1-minute load average "
        f"{main['loadavg_1min']['before']:.1f} before, {main['loadavg_1min']['after']:.1f} after "
        f"(the scan alone makes {main['workers']}). "
        f"Memory: main + workers sampled every second, peak {main['rss_mb']['tree_sampled_peak_pss']:.0f} MB "
        f"over {main['rss_mb']['tree_sampled_processes']} processes (sum of PSS, each shared page counted once); "
        f"the sum of RSS (sampled every 200 ms), which counts the pages forked workers share with the main process once per process, "
        f"peaked at {main['rss_mb']['tree_sampled_peak_rss']:.0f} MB. main (VmHWM) {main['rss_mb']['main_peak']:.0f} MB, getrusage: "
        f"largest worker {main['rss_mb']['largest_worker_peak']:.0f} MB (RSS, shared pages included).",
        "",
        f"Soak: {main['soak']['files_csv_rows']} rows in files.csv for {main['files']} input files, "
        f"{main['soak']['n_missing']} missing; statuses {main['soak']['statuses']}.",
        "",
        f"Cold start: `{bench['cold_start']['command']}` in fresh processes (warm OS file cache): "
        + "; ".join(f"{what} " + ", ".join(f"{t:.2f}s" for t in run["seconds"]) + f" (median {run['median']:.2f}s; CPU "
                    + ", ".join(f"{t:.2f}s" for t in run["cpu_seconds"]) + ")"
                    for what, run in (("a file the map cache holds:", bench["cold_start"]["cached"]),
                                      ("a file it does not:", bench["cold_start"]["unseen"])))
        + ".",
        "",
    ]
    if bench.get("cache"):
        lines += render_cache(bench)
    if bench.get("scaling"):
        lines += ["| size | fraction | files | MB | scan s | map s | link s | end to end s | CPU s | scan MB/s | "
                  "main peak RSS MB | all processes' peak PSS MB | load avg |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        smallest = bench["scaling"]["runs"][0]["fraction"]
        for run in bench["scaling"]["runs"]:
            rs = run["seconds"]
            run_mb = run["bytes"] / MB
            lines.append(f"| {run['fraction'] / smallest:g}× | {run['fraction']:g} | {run['files']} | {run_mb:.1f} | "
                         f"{rs['scan']:.2f} | {rs['map']:.2f} | "
                         f"{_secs(rs['link'])} | {rs['end_to_end']:.2f} | {run['cpu_seconds']['total']:.1f} | "
                         f"{_rate(run_mb, rs['scan'])} | {run['rss_mb']['main_peak']:.0f} | "
                         f"{run['rss_mb']['tree_sampled_peak_pss']:.0f} | {run['loadavg_1min']['before']:.1f} |")
        sc = bench["scaling"]
        lines += ["", f"t(8×)/t(1×): scan {sc['ratio_scan']:.2f}, end to end {sc['ratio_end_to_end']:.2f}, "
                  f"CPU {sc['ratio_cpu']:.2f}"
                  + (f", link {sc['ratio_link']:.2f}" if sc.get("ratio_link") is not None else "")
                  + f" for {sc['size_ratio']:.2f}× the bytes (linear: ≈ size ratio; target ≤ {TARGETS['scaling_ratio']:g}).",
                  ""]
    return lines


def judge(bench: dict) -> list[dict]:
    rows = judge_scan(bench) if "scan" in bench else []
    big = bench.get("big_file")
    if big:
        rows.append({"target": f"main-process memory ≤ {TARGETS['main_mb_per_input_mb']:g} MB per MB of one big file",
                     "measured": f"{big['main_mb_per_input_mb']:.1f} MB/MB ({big['mb']:.0f} MB file)",
                     "met": big["main_mb_per_input_mb"] <= TARGETS["main_mb_per_input_mb"]})
    return rows


def judge_scan(bench: dict) -> list[dict]:
    main = bench["scan"]
    mb = main["bytes"] / MB
    peak = max(main["rss_mb"]["tree_sampled_peak_pss"], main["rss_mb"]["main_peak"])
    rows = [
        {"target": f"end to end ≥ {TARGETS['throughput_mb_s']} MB/s ({main['workers']} workers)",
         "measured": f"{mb / main['seconds']['end_to_end']:.2f} MB/s",
         "met": mb / main["seconds"]["end_to_end"] >= TARGETS["throughput_mb_s"]},
        *({"target": f"distinct lines: end to end ≥ {TARGETS['throughput_mb_s']} MB/s ({main['workers']} workers)",
           "measured": f"{distinct['bytes'] / MB / distinct['seconds']['end_to_end']:.2f} MB/s",
           "met": distinct["bytes"] / MB / distinct["seconds"]["end_to_end"] >= TARGETS["throughput_mb_s"]}
          for distinct in ([bench["distinct"]["scan"]] if bench.get("distinct") else [])),
        *({"target": f"cold `check` of one file {what} ≤ {TARGETS['cold_check_s']} s",
           "measured": f"{bench['cold_start'][key]['median']:.2f} s",
           "met": bench["cold_start"][key]["ran"] and bench["cold_start"][key]["median"] <= TARGETS["cold_check_s"]}
          for key, what in (("cached", "in the map cache"), ("unseen", "not in it"))),
        {"target": f"peak memory (main + workers, PSS) ≤ {TARGETS['peak_rss_mb']:.0f} MB",
         "measured": f"{peak:.0f} MB",
         "met": peak <= TARGETS["peak_rss_mb"]},
        {"target": "soak: a files.csv row for every input file",
         "measured": f"{main['soak']['n_missing']} missing of {main['files']}",
         "met": main["soak"]["n_missing"] == 0 and main["soak"]["files_csv_rows"] == main["files"]},
    ]
    if bench.get("scaling"):
        ratio = bench["scaling"]["ratio_scan"]
        rows.append({"target": f"t(8×) ≤ {TARGETS['scaling_ratio']:g} × t(1×)", "measured": f"{ratio:.2f}",
                     "met": ratio <= TARGETS["scaling_ratio"]})
        first, last = bench["scaling"]["runs"][0], bench["scaling"]["runs"][-1]
        if last["files"] > first["files"]:
            per_document = ((last["rss_mb"]["main_peak"] - first["rss_mb"]["main_peak"]) * 1024
                            / (last["files"] - first["files"]))
            rows.append({"target": f"main-process peak RSS ≤ {TARGETS['main_kb_per_document']:g} kB more a document "
                                   "(1× to 8×)",
                         "measured": f"{per_document:.0f} kB", "met": per_document <= TARGETS["main_kb_per_document"]})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    child = sub.add_parser("_scan", help=argparse.SUPPRESS)
    child.add_argument("--corpus", required=True)
    child.add_argument("--fraction", type=float, default=1.0)
    child.add_argument("--workers", type=int, required=True)
    child.add_argument("--scan-out", required=True)
    child.add_argument("--json", required=True)
    child.add_argument("--no-link", action="store_true")
    child.add_argument("--max-bytes", type=int, default=0)
    child.add_argument("--cache-dir", default="", help="the map cache's folder (default: no cache)")
    child.add_argument("--without", action="append", default=[], help="a memo (auditor.memo.SIZES) or gc-pause to turn off")
    parser.add_argument("--size-mb", type=float, default=50.0, help="corpus size in MB (10^6 bytes on disk)")
    parser.add_argument("--out", default="reports", help="folder for bench.json and bench.md")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--distinct-mb", type=float, default=20.0,
                        help="size of the distinct-lines corpus in MB (0: not scanned)")
    parser.add_argument("--distinct-corpus", default=str(ROOT / "bench-corpus-distinct"),
                        help="where the distinct-lines corpus is generated")
    parser.add_argument("--skip-scaling", action="store_true", help="do not scan 1/8, 1/4, 1/2 of the corpus")
    parser.add_argument("--corpus", default=str(ROOT / "bench-corpus"), help="where the corpus is generated")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the corpus generator")
    parser.add_argument("--no-link", action="store_true", help="scan slots only, even if the linker exists")
    parser.add_argument("--big-file-mb", type=float, default=20.0,
                        help="size of the one big file whose main-process memory is measured (0: not measured)")
    parser.add_argument("--memos", action="store_true",
                        help="also scan 1/8 of the corpus without each memo in turn (what each saves)")
    parser.add_argument("--only-formats", action="store_true",
                        help="only time the extraction of Word and PDF files (step 6)")
    parser.add_argument("--only-pkuseg", action="store_true",
                        help="only time loading pkuseg's whole feature table against looking features up")
    parser.add_argument("--only-overview", action="store_true",
                        help=f"only render the overview page of {OVERVIEW_DOCUMENTS:,} documents (its weight)")
    parser.add_argument("--only-big-file", action="store_true",
                        help="measure the big file only (no corpus scan, cold start or scaling)")
    args = parser.parse_args(argv)
    # This checkout's auditor, in the measured child too (not whichever one the interpreter has installed).
    sys.path.insert(0, str(ROOT))
    if args.command == "_scan":
        child_scan(args)
        return 0

    from auditor.runner import default_workers

    workers = args.workers or default_workers()
    corpus = Path(args.corpus).resolve()
    only = args.only_big_file or args.only_formats or args.only_pkuseg or args.only_overview
    if only:
        bench = {"machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]}}
    else:
        bench = measure_corpus(args, corpus, workers)
    if args.memos and not only:
        bench["memos"] = measure_memos(corpus, workers, args.no_link)
    # The steps besides the corpus scans: all of them, or the one an --only-… flag names.
    steps = ({"overview"} if args.only_overview else {"pkuseg"} if args.only_pkuseg else
             {"formats"} if args.only_formats else {"big-file"} if args.only_big_file else
             {"overview", "pkuseg", "formats", "big-file"})
    if "overview" in steps:
        print(f"bench: the overview page of {OVERVIEW_DOCUMENTS:,} documents", file=sys.stderr)
        bench["overview"] = measure_overview()
    if "pkuseg" in steps:
        print("bench: pkuseg's feature table", file=sys.stderr)
        bench["pkuseg_features"] = measure_pkuseg_features()
    if "formats" in steps:
        print("bench: the seeds as Word and PDF files", file=sys.stderr)
        bench["formats"] = measure_formats()
    if args.big_file_mb > 0 and "big-file" in steps:
        print(f"bench: one {args.big_file_mb:g} MB file", file=sys.stderr)
        bench["big_file"] = big_file_memory(corpus, args.big_file_mb, args.seed, workers, args.no_link)
    bench["targets"] = judge(bench)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(bench, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    table = render(bench)
    (out / "bench.md").write_text(table, encoding="utf-8")
    print(table)
    return 0


def measure_cache(corpus: Path, workers: int, no_link: bool) -> dict:
    """The corpus scanned twice with the map cache (auditor.mapcache) in a fresh folder:
    the first scan reads every file and fills it, the second takes each analysis from it."""
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as folder:
        print("bench: scanning the corpus twice with the map cache", file=sys.stderr)
        first = run_child_scan(corpus, 1.0, workers, no_link, cache_dir=Path(folder))
        second = run_child_scan(corpus, 1.0, workers, no_link, cache_dir=Path(folder))
        size = (Path(folder) / "map-v1.sqlite").stat().st_size
    return {"first": first, "second": second, "cache_bytes": size,
            "share_scan": second["seconds"]["scan"] / first["seconds"]["scan"],
            "share_end_to_end": second["seconds"]["end_to_end"] / first["seconds"]["end_to_end"]}


def render_cache(bench: dict) -> list[str]:
    cache = bench["cache"]
    first, second = cache["first"]["seconds"], cache["second"]["seconds"]
    lines = [f"Second scan with the cache: {second['scan']:.2f} s ({cache['share_scan']:.0%} of the first, "
             f"{first['scan']:.2f} s, which read every file and filled the cache; without a cache "
             f"{bench['scan']['seconds']['scan']:.2f} s); end to end {second['end_to_end']:.2f} s "
             f"({cache['share_end_to_end']:.0%} of {first['end_to_end']:.2f} s). "
             f"{cache['second']['cache_hits']} of {cache['second']['files']} documents from the cache "
             f"({cache['cache_bytes'] / MB:.1f} MB of it). The audit (map and link): {second['audit']:.2f} s "
             f"({second['audit'] / first['audit']:.0%} of {first['audit']:.2f} s), the map alone "
             f"{second['map']:.2f} s ({second['map'] / first['map']:.0%} of {first['map']:.2f} s); the rest, done "
             "again whatever the cache, is the link, the review the report shows and the writing.",
             "",
             "| scan | map s | link s | audit s | review s | tables s | report s | scan s | end to end s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, s in (("without a cache", bench["scan"]["seconds"]), ("first, cold cache", first),
                    ("second, warm cache", second)):
        lines.append(f"| {name} | {_secs(s['map'])} | {_secs(s['link'])} | {s['audit']:.2f} | {_secs(s.get('review'))} | "
                     f"{s['tables']:.2f} | {s['report']:.2f} | {s['scan']:.2f} | {s['end_to_end']:.2f} |")
    return lines + [""]


def measure_corpus(args, corpus: Path, workers: int) -> dict:
    """The corpus scan, the cold start and the scaling runs."""
    started = time.perf_counter()
    description = generate_corpus(corpus, args.size_mb, args.seed)
    print(f"bench: corpus {corpus}: {description['mb']} MB in {description['files']} files "
          f"({time.perf_counter() - started:.1f}s)", file=sys.stderr)

    print(f"bench: scanning the whole corpus with {workers} worker(s)", file=sys.stderr)
    reference = machine_reference()
    scan = run_child_scan(corpus, 1.0, workers, args.no_link)
    bench = {"machine": {"cores": os.cpu_count(), "python": sys.version.split()[0],
                         "reference_loop_seconds": reference},
             "corpus": description, "scan": scan}
    bench["cache"] = measure_cache(corpus, workers, args.no_link)
    if args.distinct_mb > 0:
        distinct = Path(args.distinct_corpus).resolve()
        described = generate_distinct_corpus(distinct, args.distinct_mb, args.seed)
        print(f"bench: scanning the distinct-lines corpus ({described['mb']} MB, {described['duplicate_lines']} "
              f"repeated lines) with {workers} worker(s)", file=sys.stderr)
        bench["distinct"] = {"corpus": described, "scan": run_child_scan(distinct, 1.0, workers, args.no_link)}
        print("bench: the naive vote on the distinct-lines corpus", file=sys.stderr)
        bench["distinct"]["naive_vote"] = naive_vote(distinct)
    print("bench: cold start", file=sys.stderr)
    bench["cold_start"] = cold_start()
    if not args.skip_scaling:
        runs = []
        for fraction in (0.125, 0.25, 0.5):
            print(f"bench: scaling run at {fraction:g}", file=sys.stderr)
            runs.append(run_child_scan(corpus, fraction, workers, args.no_link))
        runs.append(scan)
        first, last = runs[0], runs[-1]
        bench["scaling"] = {
            "runs": runs,
            "size_ratio": last["bytes"] / first["bytes"],
            "ratio_scan": last["seconds"]["scan"] / first["seconds"]["scan"],
            "ratio_end_to_end": last["seconds"]["end_to_end"] / first["seconds"]["end_to_end"],
            "ratio_cpu": last["cpu_seconds"]["total"] / first["cpu_seconds"]["total"],
            "ratio_link": (last["seconds"]["link"] / first["seconds"]["link"]
                           if first["seconds"].get("link") and last["seconds"].get("link") else None),
        }
    return bench


if __name__ == "__main__":
    sys.exit(main())
