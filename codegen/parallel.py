"""Running one function over many items on every CPU, this process included.

For the 1,000-model catalogues parsing and rendering are CPU-bound pure
Python, so threads do not help; forked processes do. Forking (not spawning)
matters twice: a worker starts in milliseconds with everything already imported
(and templates compiled), and it needs nothing sent to it, because the work
function and its data are inherited: only chunk bounds go through the queue.

Results come back pickled, and those bytes are handed to the caller too (the
caches store exactly them). This process takes chunks from the back of the
queue that no worker has started (work stealing), so no CPU idles and what it
computes itself needs no unpickling.
"""

from __future__ import annotations

import itertools
import os
import pickle
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

#: Below this many items, forking workers costs more than it saves.
PARALLEL_MIN = 100
#: Chunks per process: small enough to even out slow items, big enough to batch IPC.
_CHUNKS_PER_PROCESS = 8

#: Work functions by token, set before forking so workers inherit them.
_WORK: dict[int, Callable[[int], object]] = {}
_TOKENS = itertools.count()


def processes(count: int, jobs: int | None) -> int:
    """How many processes (this one included) for `count` items.

    `jobs` if given (1: no workers), else one per CPU when there are at least
    `PARALLEL_MIN` items. Only where fork exists (spawning would re-import
    everything) and only from a single-threaded process: a fork taken while
    another thread holds a lock (logging's, an import's) can hang the child.
    """
    if count < 2 or (jobs is None and count < PARALLEL_MIN) or jobs == 1:
        return 1
    if threading.active_count() > 1:
        return 1
    import multiprocessing  # here, not at the top: a warm run never needs it (~25 ms)

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if jobs is None:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(jobs or 1, count))


def run(work: Callable[[int], T], count: int, jobs: int | None) -> list[tuple[T, bytes | None]]:
    """``work(i)`` for each ``i < count``, in order, each with its pickle if a worker made it.

    An exception raised by ``work`` propagates, as it would from a plain loop.
    """
    total = processes(count, jobs)
    if total <= 1:
        return [(work(i), None) for i in range(count)]
    size = max(1, -(-count // (total * _CHUNKS_PER_PROCESS)))
    bounds = [(start, min(start + size, count)) for start in range(0, count, size)]
    done: list[list[tuple[T, bytes | None]] | None] = [None] * len(bounds)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    token = next(_TOKENS)
    _WORK[token] = work
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=total - 1, mp_context=context) as pool:
            futures = [pool.submit(_run_chunk, token, start, stop) for start, stop in bounds]
            for index in reversed(range(len(bounds))):
                if not futures[index].cancel():
                    break  # workers take chunks in order: every earlier one is theirs
                done[index] = [(work(i), None) for i in range(*bounds[index])]
            for index, future in enumerate(futures):
                if done[index] is None:
                    done[index] = [(pickle.loads(blob), blob) for blob in future.result()]
    finally:
        del _WORK[token]
    return [item for chunk in done if chunk is not None for item in chunk]


def _run_chunk(token: int, start: int, stop: int) -> list[bytes]:
    """Runs in a worker, on the work function it inherited when forked."""
    work = _WORK[token]
    return [pickle.dumps(work(i), pickle.HIGHEST_PROTOCOL) for i in range(start, stop)]
