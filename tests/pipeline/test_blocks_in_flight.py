"""Blocks of rows are started only as earlier ones are taken: finished blocks never
pile up in memory while the writing of the maps lags behind."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from seabed.pipeline.runner import _in_order


def test_blocks_are_taken_in_order_with_at_most_ahead_started():
    started, lock = [], threading.Lock()

    def block(number):
        with lock:
            started.append(number)
        time.sleep(0.001 * (7 - number % 7))  # later blocks finish first
        return number * 10

    with ThreadPoolExecutor(2) as pool:
        taken = []
        for result in _in_order(pool, block, range(12), ahead=2):
            time.sleep(0.005)  # the writer is the slow one
            with lock:
                # started but not taken: never more than two
                assert len(started) - len(taken) <= 2 + 1
            taken.append(result)
    assert taken == [n * 10 for n in range(12)]
    assert sorted(started) == list(range(12))
