"""Blocks of rows are taken as they finish, and started only as others are taken:
finished blocks never pile up in memory while the writing of the maps lags
behind, and no worker waits for an earlier block than its own to be taken."""

import gc
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor

from seabed.pipeline.runner import _as_finished


class Block:
    def __init__(self, number):
        self.number = number


def test_blocks_are_taken_as_they_finish_with_at_most_running_started():
    started, lock = [], threading.Lock()

    def block(number):
        with lock:
            started.append(number)
        time.sleep(0.004 * (3 - number % 3))  # later blocks finish first
        return number * 10

    with ThreadPoolExecutor(2) as pool:
        taken = []
        for index, result in _as_finished(pool, block, range(12), running=2):
            time.sleep(0.002)  # the writer
            assert result == index * 10
            taken.append(index)
            with lock:
                # started but not taken: never more than two
                assert len(started) - len(taken) <= 2
    assert sorted(taken) == list(range(12))
    assert taken != sorted(taken)  # block 1 (shorter) is taken before block 0
    assert sorted(started) == list(range(12))


def test_a_taken_block_is_held_by_its_taker_only():
    with ThreadPoolExecutor(2) as pool:
        refs = []
        for _, block in _as_finished(pool, Block, range(6), running=2):
            refs.append(weakref.ref(block))
            del block
            gc.collect()
            assert refs[-1]() is None  # not kept by the generator or its futures


def test_an_error_in_a_block_reaches_the_taker():
    def block(number):
        if number == 3:
            raise ValueError("block 3")
        return number

    with ThreadPoolExecutor(2) as pool:
        taken = []
        try:
            for index, _ in _as_finished(pool, block, range(6), running=2):
                taken.append(index)
        except ValueError as error:
            assert str(error) == "block 3"
        else:
            raise AssertionError("the error was lost")
    assert 3 not in taken and len(taken) <= 4
