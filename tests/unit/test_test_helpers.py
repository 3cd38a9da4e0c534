"""The shared test helpers keep their promises: ports no other connection can take in the
meantime, and no subprocess left running when a test ends badly."""

from __future__ import annotations

import socket
import sys

import pytest

from tests.conftest import ephemeral_ports, free_port, killing_on_exit


def test_free_ports_are_distinct_bindable_and_outside_the_ephemeral_range():
    ports = [free_port() for _ in range(20)]
    assert len(set(ports)) == len(ports)
    assert not any(port in ephemeral_ports() for port in ports)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", ports[-1]))


def test_subprocesses_are_killed_when_the_test_fails():
    with pytest.raises(AssertionError), killing_on_exit() as start:
        process = start([sys.executable, "-c", "import time; time.sleep(120)"])
        raise AssertionError("the test failed while the process ran")
    assert process.poll() is not None
