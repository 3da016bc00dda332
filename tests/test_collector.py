"""The cycle collector during a build: set aside, then as it was."""

from __future__ import annotations

import gc

from pressroom.run import collector


def test_the_collector_is_as_it_was_after_a_build_and_after_a_failure():
    before = gc.get_threshold()
    with collector.seldom():
        assert gc.get_threshold() == collector.THRESHOLD
        assert gc.get_freeze_count() > 0  # what existed is set aside
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    try:
        with collector.seldom():
            raise KeyError("x")
    except KeyError:
        pass
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_cycles_made_during_a_build_are_still_collected():
    class Node:
        pass

    with collector.seldom():
        for _ in range(50_000):  # five times the young generation's threshold
            a, b = Node(), Node()
            a.other, b.other = b, a
        alive = sum(isinstance(o, Node) for o in gc.get_objects())
    assert alive < 50_000 * 2


def test_an_inner_block_leaves_the_outer_one_set_aside():
    before = gc.get_threshold()
    with collector.seldom():
        with collector.seldom():
            pass
        assert gc.get_threshold() == collector.THRESHOLD
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
