"""The one runner (issue 14): every stage that uses processes goes through it,
workers=1 runs the very same function here, and the reduce returns new
records instead of writing into the map's."""
from __future__ import annotations

import os

import pytest

from auditor.map.loading import iter_input_files
from auditor.rules import load_rules
from auditor.runner import Runner, can_fork
from auditor.scan import linked, map_documents


def _pid_and_square(number: int) -> tuple[int, int]:
    return os.getpid(), number * number


def test_one_worker_runs_every_task_here_in_order():
    done = []
    results = Runner(1).map(_pid_and_square, [3, 1, 2], progress=done.append)
    assert results == [(os.getpid(), 9), (os.getpid(), 1), (os.getpid(), 4)]
    assert done == [1, 1, 1]
    assert not Runner(1).start(_pid_and_square, [1, 2]).forked


@pytest.mark.skipif(not can_fork(), reason="no fork on this platform: the runner works in this process")
def test_workers_run_the_tasks_elsewhere_and_give_them_back_in_order():
    inherited = {"offset": 10}  # a closure's data reaches the forked workers without pickling

    def shifted(number: int) -> tuple[int, int]:
        return os.getpid(), number + inherited["offset"]

    results = Runner(2).map(shifted, list(range(40)), size=lambda task: 2)
    assert [value for _, value in results] == [n + 10 for n in range(40)]
    assert os.getpid() not in {pid for pid, _ in results}


def _fails(number: int) -> int:
    if number == 3:
        raise ValueError("task 3 failed")
    return number


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_task_raises_where_the_results_are_read(workers):
    with pytest.raises(ValueError, match="task 3 failed"):
        Runner(workers).map(_fails, [1, 2, 3, 4])


def test_the_reduce_leaves_the_map_records_as_they_were(seeds_dir):
    rules = load_rules()
    mapped = map_documents(list(iter_input_files([seeds_dir])), rules)
    clues_before = [[(c.text, c.start, c.weight) for c in a.clues] for a in mapped]
    slots_before = [[(s.slot_id, s.recovered, s.recovered_confidence) for s in a.slots] for a in mapped]
    result = linked(mapped, rules)
    # The map's records are untouched: no weight, no recovery written into them.
    assert [[(c.text, c.start, c.weight) for c in a.clues] for a in mapped] == clues_before
    assert [[(s.slot_id, s.recovered, s.recovered_confidence) for s in a.slots] for a in mapped] == slots_before
    assert all(c.weight == 0.0 for a in mapped for c in a.clues)
    # The audit's records carry them, as new values.
    county = result.analysis(next(a.doc for a in mapped if a.doc.endswith(".txt") and "000_" in a.doc))
    assert any(c.weight > 0 for c in county.clues)
    assert any(s.recovered for s in county.slots)
    # Linking the audit's own records again gives the same audit (nothing of a
    # first link leaks into a second: fix re-links its copies this way).
    again = linked(result.analyses, rules)
    assert [[(c.text, c.start, c.weight) for c in a.clues] for a in again.analyses] == \
        [[(c.text, c.start, c.weight) for c in a.clues] for a in result.analyses]
    assert [[(s.slot_id, s.recovered, s.recovered_confidence) for s in a.slots] for a in again.analyses] == \
        [[(s.slot_id, s.recovered, s.recovered_confidence) for s in a.slots] for a in result.analyses]
    assert [i.identity for i in again.identities] == [i.identity for i in result.identities]
