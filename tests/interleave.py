"""Deterministic interleavings: pause one path at a named point and run its rival there.

    with paused_at("serene.payments.checkout.get_gateway") as pause:
        first = pause.run(create_order)          # runs in a thread until it reaches the point
        second = pause.run_rival(create_order)   # runs to its end (or until it blocks on a lock)
        pause.release()                          # lets the first one go on
    first.result(), second.result()

A thread storm (`run_at_once`, below) finds a bad interleaving one run in five; a pause makes it
happen every run (as Saleor's race tests do with before_after). Each path runs in its own thread with its own database
connection, so the tests need `django_db(transaction=True)`.

While a path is paused, a rival that needs its locks waits for them: the pause lifts the lock wait
and the retry budget (core/locking.py) to WAIT_SECONDS, where a request would give up after a few
seconds. A test of that giving up passes `rivals_wait=False` and sets its own.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from unittest import mock

from django.conf import settings
from django.db import connections
from django.test import override_settings

WAIT_SECONDS = 30


class Outcome:
    """What a path returned or raised; read it once the path has finished."""

    def __init__(self, target: Callable[[], object]):
        self.value = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(target,), daemon=True)

    def _run(self, target):
        try:
            self.value = target()
        except BaseException as error:  # noqa: BLE001 — handed to the test through result()
            self.error = error
        finally:
            connections.close_all()

    def finished(self, timeout: float) -> bool:
        self.thread.join(timeout)
        return not self.thread.is_alive()

    def result(self, timeout: float = WAIT_SECONDS):
        if not self.finished(timeout):
            raise TimeoutError("the path did not finish")
        if self.error is not None:
            raise self.error
        return self.value


class Pause:
    def __init__(self, original: Callable, when: str):
        self.original = original
        self.when = when
        self.reached = threading.Event()
        self.go_on = threading.Event()
        self.paused_thread: int | None = None
        self._claim = threading.Lock()

    def hook(self, *args, **kwargs):
        with self._claim:
            first = self.paused_thread is None
            if first:
                self.paused_thread = threading.get_ident()
        mine = first or self.paused_thread == threading.get_ident()
        if mine and self.when == "after":
            value = self.original(*args, **kwargs)
            self._wait()
            return value
        if mine:
            self._wait()
        return self.original(*args, **kwargs)

    def _wait(self):
        if self.reached.is_set():
            return  # only the first call of the paused path stops
        self.reached.set()
        if not self.go_on.wait(WAIT_SECONDS):
            raise TimeoutError("the pause was never released")

    def run(self, target: Callable[[], object]) -> Outcome:
        """Start the path that will stop at the point; return once it has stopped there."""
        outcome = Outcome(target)
        outcome.thread.start()
        if not self.reached.wait(WAIT_SECONDS):
            outcome.result(0.1)  # it finished or failed without reaching the point: show why
            raise AssertionError("the paused path never reached its point")
        return outcome

    def run_rival(self, target: Callable[[], object], *, wait: float = 5.0) -> Outcome:
        """Run the rival while the first path is stopped; give it `wait` seconds to finish or block."""
        outcome = Outcome(target)
        outcome.thread.start()
        outcome.finished(wait)
        return outcome

    def release(self) -> None:
        self.go_on.set()


@contextmanager
def paused_at(target: str, *, when: str = "before", rivals_wait: bool = True):
    """Patch the callable at dotted path `target` so the first path to call it stops there.

    when="before" stops before the call, "after" once it has returned.
    """
    module_path, name = target.rsplit(".", 1)
    module = __import__(module_path, fromlist=[name])
    original = getattr(module, name)
    pause = Pause(original, when)
    patience = override_settings(
        BOOKING_LOCK_TIMEOUT_SECONDS=max(settings.BOOKING_LOCK_TIMEOUT_SECONDS, WAIT_SECONDS),
        BOOKING_RETRY_BUDGET_SECONDS=max(settings.BOOKING_RETRY_BUDGET_SECONDS, WAIT_SECONDS),
    ) if rivals_wait else nullcontext()
    with patience, mock.patch(target, side_effect=pause.hook):
        try:
            yield pause
        finally:
            pause.release()


def run_at_once(calls: list[Callable[[], object]], *, timeout: float = 120) -> list[object]:
    """A storm: every call in its own thread, released together; each result, or its error's class name."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 — counted by the test
            results[index] = type(error).__name__
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results

