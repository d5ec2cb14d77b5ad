"""The cycle collector's pauses (auditor.heap): off inside, back as it was after, and the
long-lived tables of a build moved out of its walks."""
import gc

import pytest

from auditor import heap


@pytest.fixture(autouse=True)
def _collector_restored():
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    (gc.enable if enabled else gc.disable)()
    heap.PAUSE_COLLECTOR = True


def test_the_collector_is_off_inside_and_back_after_an_error():
    gc.enable()
    with pytest.raises(ValueError):
        with heap.collector_paused():
            assert not gc.isenabled()
            raise ValueError("a failed build")
    assert gc.isenabled()


def test_an_inner_pause_leaves_the_collector_off_until_the_outer_one_ends():
    gc.enable()
    with heap.collector_paused():
        with heap.collector_paused(freeze=True):
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off():
    gc.disable()
    with heap.collector_paused():
        pass
    assert not gc.isenabled()


def test_what_a_long_lived_build_made_is_out_of_the_collectors_walks():
    gc.enable()
    gc.unfreeze()
    with heap.collector_paused(freeze=True):
        table = [("原平市", (i,)) for i in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(table)
    assert not any(item is table for item in gc.get_objects(generation=2))


def test_turned_off_the_pause_changes_nothing():
    heap.PAUSE_COLLECTOR = False
    gc.enable()
    gc.unfreeze()
    with heap.collector_paused(freeze=True):
        assert gc.isenabled()
    assert gc.get_freeze_count() == 0
