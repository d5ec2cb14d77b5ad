"""The Dask engine (issue 16): `auditor scan --engine dask` runs the per-document map
(reading, then the clue step with the copies of a text together) and the alignment of
copies on a Dask distributed cluster, and writes every file, byte for byte, as the local
engine does with --workers 1 and --workers 2.

A real cluster on loopback (a LocalCluster of two single-threaded processes, started once
for the module) serves the scans given --scheduler; the scheduler's task stream says which
of auditor's tasks ran on its workers. No network beyond 127.0.0.1. pytest-timeout is not
a dependency: every command runs with a subprocess timeout, and the scans use a policy of
two fix rounds (the review the report shows runs in the main process whatever the engine,
and is most of a scan's time)."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster

import auditor.reduce.linker as linker_module
import auditor.runner as runner_module
from auditor.cli import main
from conftest import write_masked_copies
from auditor.errors import EngineError
from auditor.map.loading import iter_input_files
from auditor.rules import load_rules
from auditor.runner import DaskBatch, DaskRunner, dask_runner
from auditor.scan import CLUE_TASK_DOCUMENTS, audit, linked, map_documents, map_steps

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
RUN_TIMEOUT = 300  # seconds, for one command (they take 5 to 20 here)
N_NOTES = 56  # with the seeds and the copies, more readable documents than one clue task holds

# A second LocalCluster's HTTP server (on 127.0.0.1) takes another port than the first's 8787: not news.
pytestmark = pytest.mark.filterwarnings("ignore:Port .* is already in use")


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def client(cluster):
    with Client(cluster, set_as_default=False) as client:
        client.get_task_stream()  # the scheduler records which task ran where from now on
        yield client


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A folder holding a copy of the seeds and a corpus made here: near-duplicate copies of
    two seeds masking different numbers (each reveals what the others hide), a republished
    copy of 000 with its paragraphs reordered, short notes, an empty and an undecodable file;
    and a policy of two fix rounds."""
    folder = tmp_path_factory.mktemp("dask-engine")
    shutil.copytree(SEEDS, folder / "seeds")
    seeds = sorted((folder / "seeds").glob("*.txt"))
    copies, republished, notes, broken = (folder / "corpus" / name
                                          for name in ("copies", "republished", "notes", "broken"))
    for made in (copies, republished, notes, broken):
        made.mkdir(parents=True)
    lines = seeds[0].read_text(encoding="utf-8").splitlines()
    (republished / "000.txt").write_text("\n".join(lines[:3] + lines[3:][::-1]) + "\n", encoding="utf-8")
    for seed in seeds[2:4]:
        write_masked_copies("\n".join(seed.read_text(encoding="utf-8").split("\n")[:20]) + "\n", copies, seed.name[:3])
    paragraphs = [line for line in seeds[4].read_text(encoding="utf-8").splitlines() if line.strip()]
    for number in range(N_NOTES):
        picked = (paragraphs[number % len(paragraphs)], paragraphs[(number * 7 + 3) % len(paragraphs)])
        (notes / f"note-{number:02d}.txt").write_text("\n".join(picked) + "\n", encoding="utf-8")
    (broken / "empty.txt").write_bytes(b"")
    (broken / "undecodable.txt").write_bytes("各位代表".encode("utf-8") + b"\xff\xfe\xff" * 10)
    policy = (ROOT / "rules" / "policy.toml").read_text(encoding="utf-8")
    (folder / "policy.toml").write_text(re.sub(r"(?m)^max_rounds = \d+$", "max_rounds = 2", policy), encoding="utf-8")
    return folder


def _environment(extra: dict | None = None) -> dict:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **(extra or {})}  # this checkout's auditor first on the path


def auditor_command(workspace: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``auditor ARGS`` run from the workspace."""
    return subprocess.run([sys.executable, "-m", "auditor", *args], cwd=workspace, capture_output=True, text=True,
                          timeout=RUN_TIMEOUT, env=_environment(env))


def scan_arguments(out: str, *options: str, verbose: bool = False) -> list[str]:
    # Relative paths: the cluster's workers run in another folder, so the documents reach them by absolute path.
    return [*(["-v"] if verbose else []), "scan", "seeds", "corpus", "--out", out, "--policy", "policy.toml", "-q",
            *options]


def assert_succeeded(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done


def scan(workspace: Path, out: str, *options: str, verbose: bool = False) -> subprocess.CompletedProcess:
    return assert_succeeded(auditor_command(workspace, *scan_arguments(out, *options, verbose=verbose)))


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file auditor wrote there (the manifest too: it records no engine nor time), by relative path."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def assert_same_files(expected: dict[str, bytes], folder: Path, engine: str) -> None:
    actual = files_under(folder)
    assert sorted(actual) == sorted(expected)
    for name, data in expected.items():
        assert actual[name] == data, f"{name} differs between --workers 1 and {engine}"


@pytest.fixture(scope="module")
def local_outputs(workspace) -> dict[str, bytes]:
    """The files of `auditor scan` with the local engine, one and two workers (the same)."""
    # Both at once: the test's time is mostly each command's cold start.
    running = [subprocess.Popen([sys.executable, "-m", "auditor", *scan_arguments(f"out-workers{n}", "--workers", str(n))],
                                cwd=workspace, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=_environment()) for n in (1, 2)]
    for process in running:
        try:
            stdout, stderr = process.communicate(timeout=RUN_TIMEOUT)
        finally:
            process.kill()  # only if it is still running (timed out)
        assert_succeeded(subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr))
    one = files_under(workspace / "out-workers1")
    assert_same_files(one, workspace / "out-workers2", "--workers 2")
    return one


def ran_on(client: Client, since: float) -> dict[str, set[str]]:
    """auditor's tasks that ran on the cluster since ``since``: the workers of each kind of task."""
    workers: dict[str, set[str]] = {}
    for task in client.get_task_stream(start=since):
        key = str(task["key"])
        if key.startswith("auditor-"):
            workers.setdefault(key.split("-")[1], set()).add(task["worker"])
    return workers


def test_the_outputs_compared_are_a_real_audit(local_outputs):
    """What the engines must agree on: every table and page of an audit with findings,
    the broken files listed, copies that reveal each other's slots."""
    names = set(local_outputs)
    assert {"slots.csv", "slots.json", "files.csv", "documents.csv", "documents.json", "clues.csv", "index.html",
            ".auditor-manifest.json"} <= names
    pages = [name for name in names if name.startswith("docs/") and name.endswith(".html")]
    assert len(pages) == 5 + 7 + N_NOTES  # one per readable document
    files = local_outputs["files.csv"].decode("utf-8")
    assert re.search(r"\ncorpus/broken/empty\.txt,.*,empty,", files)
    assert re.search(r"\ncorpus/broken/undecodable\.txt,.*,undecodable,", files)
    documents = local_outputs["documents.csv"].decode("utf-8").splitlines()
    assert len(documents) == 1 + 5 + 7 + N_NOTES
    assert any(re.match(r"seeds/000_[0-9a-f]+\.txt,G\d+,271,山西省/忻州市/原平市,county,.*,re-identified,", row)
               for row in documents)
    slots = local_outputs["slots.csv"].decode("utf-8")
    # a number one copy masks and another shows is recovered from it, and leaks
    assert len(re.findall(r"\ncorpus/copies/00[23]_copy\d\.txt,S\d+,.*,number-unit,\d+,0\.99,True", slots)) > 10


def test_a_dask_cluster_writes_every_file_the_local_engine_writes(workspace, local_outputs, cluster, client):
    started = time.time()
    scan(workspace, "out-dask", "--engine", "dask", "--scheduler", cluster.scheduler_address)
    assert_same_files(local_outputs, workspace / "out-dask", "--engine dask")
    ran = ran_on(client, started)
    workers = set(client.nthreads())
    # The documents were read on both workers, and the clue step ran there too (more documents than one task holds).
    assert ran.get("read_files") == workers, ran
    assert ran.get("clues_of") and ran["clues_of"] <= workers, ran
    assert len(list((workspace / "out-dask" / "docs").glob("*.html"))) > CLUE_TASK_DOCUMENTS


def test_dask_without_a_scheduler_starts_its_own_local_cluster(workspace, local_outputs, cluster):
    done = scan(workspace, "out-dask-own", "--engine", "dask", "--workers", "2", verbose=True)
    said = re.search(r"auditor: the Dask engine, (\d+) worker\(s\) at (tcp://127\.0\.0\.1:\d+)", done.stderr)
    assert said, done.stderr[-2000:]
    assert said.group(1) == "2" and said.group(2) != cluster.scheduler_address
    assert_same_files(local_outputs, workspace / "out-dask-own", "--engine dask (its own LocalCluster)")


def test_check_and_fix_take_the_same_engine_and_say_the_same(workspace, cluster, monkeypatch):
    # In this process (a command's cold start is most of its time here); the scans above run the command itself.
    monkeypatch.chdir(workspace)
    address = cluster.scheduler_address
    local = CliRunner().invoke(main, ["check", "seeds", "corpus", "--format", "json", "-j", "1"])
    dask = CliRunner().invoke(main, ["check", "seeds", "corpus", "--format", "json", "--engine", "dask",
                                     "--scheduler", address])
    assert local.exit_code == dask.exit_code == 1, dask.output[-2000:]
    assert dask.stdout == local.stdout and '"re-identified"' in dask.stdout
    fixed = {}
    for name, options in (("fixed-local", ["-j", "1"]), ("fixed-dask", ["--engine", "dask", "--scheduler", address])):
        done = CliRunner().invoke(main, ["fix", "corpus/copies", "--out", name, "-q", *options])
        assert done.exit_code == 0, done.output  # every copy passes the re-audit
        fixed[name] = (done.exit_code, files_under(workspace / name))
    assert fixed["fixed-dask"] == fixed["fixed-local"]
    copies = {name: data for name, data in fixed["fixed-dask"][1].items() if name.endswith(".txt")}
    assert len(copies) == 6 and copies != files_under(workspace / "corpus" / "copies")  # something was masked


def test_an_unreachable_scheduler_is_a_usage_error(workspace):
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    done = auditor_command(workspace, "scan", "seeds", "--out", "out-unreachable", "--engine", "dask",
                           "--scheduler", f"tcp://127.0.0.1:{port}",
                           env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert f"auditor: error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port} (waited 2 s" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (workspace / "out-unreachable").exists()  # nothing written
    assert time.monotonic() - started < 60


@pytest.mark.parametrize("args,said", [
    (["--engine", "dask", "--scheduler", "tcp://127.0.0.1:notaport"], "not a Dask scheduler address: 'tcp://127.0.0.1:notaport'"),
    (["--engine", "dask", "--scheduler", "bogus://127.0.0.1:8786"], "not a Dask scheduler address: 'bogus://127.0.0.1:8786'"),
    (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler is for --engine dask"),
])
def test_a_scheduler_address_that_cannot_work_is_refused_before_any_document_is_read(workspace, args, said):
    outcome = CliRunner().invoke(main, ["scan", str(workspace / "seeds"), "--out", str(workspace / "out-refused"), *args])
    assert outcome.exit_code == 2, outcome.output
    assert said in outcome.output
    assert "Traceback" not in outcome.output
    assert not (workspace / "out-refused").exists()


def test_copies_aligned_on_the_cluster_give_what_one_process_gives(workspace, client, monkeypatch):
    """The reduce's alignment of copies (a task per run of groups, each group's documents
    sent together) on the cluster: the same inconsistencies, in the same order, the same
    recoveries and identities. Below FORKED_ALIGNMENT_SLOTS the copies are aligned here,
    so the threshold is lowered."""
    rules = load_rules()
    files = list(iter_input_files([workspace / "corpus" / "copies", workspace / "seeds"]))
    alone = linked(map_documents(files, rules), rules)
    monkeypatch.setattr(linker_module, "FORKED_ALIGNMENT_SLOTS", 0)
    runner = DaskRunner(client)
    started = time.time()
    steps: list[int] = []
    on_cluster = linked(map_documents(files, rules, runner=runner, progress=steps.append), rules, runner)
    assert sum(steps) == map_steps(len(files))  # the progress bar's steps, as the local engine counts them
    assert set(ran_on(client, started)) >= {"read_files", "align_groups"}
    assert len(alone.inconsistencies) > 10

    def inconsistencies(result):
        return [(i.doc, i.slot_id, i.other_doc, i.other_start, i.other_end, i.revealed) for i in result.inconsistencies]

    assert inconsistencies(on_cluster) == inconsistencies(alone)
    assert [(s.doc, s.slot_id, s.recovered, s.recovered_confidence) for a in on_cluster.analyses for s in a.slots] == \
        [(s.doc, s.slot_id, s.recovered, s.recovered_confidence) for a in alone.analyses for s in a.slots]
    assert [(c.text, c.start, c.weight) for a in on_cluster.analyses for c in a.clues] == \
        [(c.text, c.start, c.weight) for a in alone.analyses for c in a.clues]
    assert [(i.doc, i.identity, i.risk, i.anonymity_set) for i in on_cluster.identities] == \
        [(i.doc, i.identity, i.risk, i.anonymity_set) for i in alone.identities]


def test_the_workers_use_the_rules_of_the_client_not_their_own(workspace, client, tmp_path):
    """The rules travel to the workers with the tasks: a mask glyph only the client's rule
    folder knows (◆) makes slots on the cluster."""
    rules_dir = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules_dir)
    with open(rules_dir / "masks.toml", "a", encoding="utf-8") as masks:
        masks.write('\n[[glyph]]\nname = "diamond"\nrequires = "◆"\npattern = "◆+"\n')
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "a.txt").write_text("过去一年，◆◆县地区生产总值完成◆亿元，增长◆%。\n", encoding="utf-8")
    (documents / "b.txt").write_text("崞阳镇新建◆个农产品仓储保鲜库，滹沱河生态修复完成◆公里。\n", encoding="utf-8")
    assert sum(len(a.slots) for a in audit([documents], link=False).analyses) == 0  # the shipped rules: no mask
    custom = load_rules(rules_dir)
    started = time.time()
    on_cluster = audit([documents], custom, link=False, runner=DaskRunner(client))
    assert "read_files" in ran_on(client, started)
    here = audit([documents], custom, link=False)
    assert [[(s.start, s.end, s.mask, s.slot_type) for s in a.slots] for a in on_cluster.analyses] == \
        [[(s.start, s.end, s.mask, s.slot_type) for s in a.slots] for a in here.analyses]
    assert [len(a.slots) for a in on_cluster.analyses] == [3, 2]


def _pid_and_square(number: int) -> tuple[int, int]:
    return os.getpid(), number * number


def _fails(number: int) -> int:
    if number == 3:
        raise ValueError("task 3 failed")
    return number


def test_the_dask_runner_keeps_the_runner_protocol(client):
    runner = DaskRunner(client)
    assert runner.workers == 2 and not runner.local
    done: list[int] = []
    results = runner.map(_pid_and_square, [3, 1, 2, 5], progress=done.append)
    assert [value for _, value in results] == [9, 1, 4, 25]  # in the tasks' order
    assert os.getpid() not in {pid for pid, _ in results}  # run on the workers
    assert done == [1, 1, 1, 1]
    assert isinstance(runner.start(_pid_and_square, [1, 2]), DaskBatch)
    # One task runs here, as with the local runner: sending it costs more than it does.
    assert runner.map(_pid_and_square, [4]) == [(os.getpid(), 16)]
    with pytest.raises(ValueError, match="task 3 failed"):  # a task's own exception, as raised where it ran
        runner.map(_fails, [1, 2, 3, 4])
    offset = 10
    with pytest.raises(TypeError, match="module-level functions"):  # a closure would carry what it holds
        runner.start(lambda number: number + offset, [1, 2])


def _dies(number: int) -> int:
    os._exit(3)  # the worker process ends as if killed (out of memory, say)


def test_a_worker_that_dies_is_an_engine_error_not_a_crash():
    import dask

    # A cluster of its own, so that the module's workers stay up; no retry of a task whose worker died.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with LocalCluster(n_workers=1, processes=True, threads_per_worker=1, host="127.0.0.1",
                          dashboard_address=None) as cluster, Client(cluster, set_as_default=False) as client:
            with pytest.raises(EngineError, match=r"a Dask worker of tcp://127\.0\.0\.1:\d+ died while it ran"):
                DaskRunner(client).map(_dies, [1, 2])


def test_workers_without_the_packages_of_this_process_are_refused(workspace, client, monkeypatch):
    """Results depend on the data packages' versions and pkuseg's model: a worker that differs
    from the client would give other results, so the map refuses it before any task."""
    import auditor.scan as scan_module

    files = list(iter_input_files([workspace / "corpus" / "copies"]))
    assert map_documents(files, load_rules(), runner=DaskRunner(client))  # the workers have what this process has
    # The client's list grows (the workers' does not): the workers now lack a package it has.
    monkeypatch.setattr(scan_module, "_DATA_PACKAGES", (*scan_module._DATA_PACKAGES, "pytest"))
    with pytest.raises(EngineError, match=r"differs from this process: pytest missing \(here \d"):
        map_documents(files, load_rules(), runner=DaskRunner(client))


def test_workers_that_run_another_auditor_are_refused(cluster, monkeypatch):
    monkeypatch.setattr(runner_module, "__version__", "0.0.0-elsewhere")
    with pytest.raises(EngineError, match=r"runs auditor .*, this is auditor 0\.0\.0-elsewhere"):
        with dask_runner(cluster.scheduler_address):
            pass


def test_with_the_map_cache_only_the_misses_go_to_the_cluster(workspace, client, map_cache_dir):
    """The look-ups are made in this process, before any task is sent: a second map of the
    same files sends the cluster nothing, and gives what the first gave."""
    from auditor.mapcache import MapCache

    files = list(iter_input_files([workspace / "seeds"]))
    rules, cache = load_rules(), MapCache()
    started = time.time()
    first = map_documents(files, rules, runner=DaskRunner(client), cache=cache)
    assert "read_files_digested" in ran_on(client, started)
    started = time.time()
    second = map_documents(files, rules, runner=DaskRunner(client), cache=cache)
    assert ran_on(client, started) == {}
    assert (cache.hits, cache.misses) == (len(files), len(files))
    assert [(a.source, a.slots, a.clues, a.fingerprint) for a in second] == \
        [(a.source, a.slots, a.clues, a.fingerprint) for a in first]
