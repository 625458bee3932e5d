"""The web process's garbage collector, and how long it stops the process.

CPython's cyclic collector holds the GIL for a whole collection: while it runs, no console frame
is written and no request advances. A full (generation 2) collection traverses every object the
process holds, and a loaded daphne process holds ~150,000 of them before its first request —
Django, DRF, Channels, the URL conf, the translations — which live as long as the process.
`settle()` moves those out of the collector's sight once the application is loaded (gc.freeze):
a full collection then traverses only what the process made since. bench/load.py measured the
pauses (bench/RESULTS.md, "load"); dispatch112_gc_pause_seconds shows them in production.
"""

import gc
import time

from prometheus_client import Histogram

GC_PAUSE = Histogram(
    "dispatch112_gc_pause_seconds",
    "Time the cyclic garbage collector held this process, by generation.",
    ["generation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)

_started = [0.0]


def _observe(phase, info):
    if phase == "start":
        _started[0] = time.perf_counter()
    else:
        GC_PAUSE.labels(generation=str(info["generation"])).observe(time.perf_counter() - _started[0])


def settle():
    """Once the application is loaded: freeze what is there (collected once first, so no garbage
    is frozen with it) and observe every later collection."""
    gc.collect()
    gc.freeze()
    if _observe not in gc.callbacks:
        gc.callbacks.append(_observe)
