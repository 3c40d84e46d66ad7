"""SIGTERM/SIGINT during `collect` and `backfill`: the first stops the run cleanly, a second exits at once."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading

import pytest

from collector.run import stop_on_signals

SECOND_SIGNAL = """
import os, signal, threading
from collector.run import stop_on_signals
stop = threading.Event()
with stop_on_signals(stop):
    os.kill(os.getpid(), signal.SIGTERM)
    assert stop.is_set()
    print("first heard", flush=True)
    os.kill(os.getpid(), signal.SIGINT)
    print("never reached", flush=True)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_first_signal_sets_stop_logs_one_line_and_handlers_are_restored(
        sig: signal.Signals, caplog: pytest.LogCaptureFixture) -> None:
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    stop = threading.Event()
    with caplog.at_level(logging.WARNING, logger="collector.run"), stop_on_signals(stop):
        os.kill(os.getpid(), sig)  # os.kill runs pending handlers before it returns
        assert stop.is_set()
    assert [r.getMessage() for r in caplog.records] == [
        f"{sig.name}: stopping after finishing the current request; what was fetched and complete is loaded "
        "(send it again to exit now)"]
    assert {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)} == before


def test_interrupt_mode_raises_keyboard_interrupt_naming_the_signal() -> None:
    stop = threading.Event()
    with pytest.raises(KeyboardInterrupt, match=r"^SIGTERM$"), stop_on_signals(stop, interrupt=True):
        os.kill(os.getpid(), signal.SIGTERM)  # os.kill runs pending handlers before it returns
        pytest.fail("the handler did not raise")
    assert stop.is_set()


def test_a_second_signal_exits_at_once() -> None:
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    result = subprocess.run([sys.executable, "-c", SECOND_SIGNAL], capture_output=True, text=True, timeout=60,
                            env=env, check=False)
    assert result.stdout == "first heard\n"
    assert result.returncode == 128 + signal.SIGINT


def test_outside_the_main_thread_nothing_is_installed() -> None:
    before = signal.getsignal(signal.SIGTERM)
    seen: list[object] = []

    def worker() -> None:
        with stop_on_signals(threading.Event()):
            seen.append(signal.getsignal(signal.SIGTERM))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [before]
