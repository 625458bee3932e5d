"""The web process's collector: the loaded application out of its sight, every pause measured."""

import gc

from prometheus_client import REGISTRY

from dispatch112 import heap


def pauses(generation):
    return REGISTRY.get_sample_value("dispatch112_gc_pause_seconds_count", {"generation": str(generation)}) or 0


def test_the_asgi_application_settles_the_heap_once_loaded():
    import dispatch112.asgi  # noqa: F401 — settles on import, as daphne loads it

    assert gc.get_freeze_count() > 50_000  # Django, DRF, Channels, the URL conf: all loaded
    assert heap._observe in gc.callbacks


def test_a_full_collection_skips_the_frozen_heap_and_is_measured():
    heap.settle()
    frozen = gc.get_freeze_count()
    before = pauses(2)
    garbage = [[] for _ in range(1000)]
    for a, b in zip(garbage, garbage[1:]):
        a.append(b), b.append(a)
    del garbage, a, b

    assert gc.collect() >= 1000  # the cycles are still found
    assert pauses(2) == before + 1
    assert gc.get_freeze_count() == frozen
    assert len(gc.get_objects(2)) < frozen / 10
