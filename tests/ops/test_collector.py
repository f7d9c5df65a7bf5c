"""A gunicorn worker's garbage collector runs between requests, never inside one."""

from __future__ import annotations

import gc
import runpy
import weakref
from pathlib import Path

import pytest

from civicboard.ops import collector

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.fixture()
def held():
    """The collector off, as in a worker; on again afterwards, whatever the test did."""
    collector.hold()
    try:
        yield
    finally:
        gc.enable()


class Node:
    def __init__(self) -> None:
        self.other = self  # a cycle: only the collector frees it


def test_nothing_is_collected_while_held_until_between_requests(held):
    assert not gc.isenabled()
    gc.collect()
    nodes = [Node() for _ in range(2000)]
    alive = weakref.ref(nodes[0])
    del nodes
    [object() for _ in range(10)]  # more allocations: no automatic collection
    assert alive() is not None
    collected = [collector.collect_between_requests()]
    while alive() is not None and len(collected) < 200:  # the cycle may sit in an older generation
        [Node() for _ in range(800)]
        collected.append(collector.collect_between_requests())
    assert alive() is None
    assert collected[0] == 0


def test_older_generations_are_collected_as_cpython_would(held):
    gc.collect()
    generations = []
    keep = []
    for _ in range(140):
        keep.append([[] for _ in range(800)])  # survivors: the count grows by 800 each time
        generations.append(collector.collect_between_requests())
    # gen 0 each time; gen 1 once more than 10 gen-0 collections ran; gen 2 after more than 10 gen-1s
    assert generations[:12] == [0] * 11 + [1]
    assert generations.index(2) == 12 * 11
    assert all(generation is not None for generation in generations)


def test_few_allocations_collect_nothing(held):
    gc.collect()
    assert collector.collect_between_requests() is None


def test_a_process_that_collects_on_its_own_is_left_alone():
    assert gc.isenabled()
    assert collector.collect_between_requests() is None


def test_gunicorn_conf_holds_the_collector_and_collects_after_each_request():
    hooks = runpy.run_path(str(CONF))
    try:
        hooks["post_worker_init"](None)
        assert not gc.isenabled()
        nodes = [Node() for _ in range(1000)]
        alive = weakref.ref(nodes[0])
        del nodes
        for _ in range(200):
            if alive() is None:
                break
            [Node() for _ in range(800)]
            hooks["post_request"](None, None, {}, None)
        assert alive() is None
    finally:
        gc.enable()
