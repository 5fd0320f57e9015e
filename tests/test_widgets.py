"""The panels, driven from code the way their buttons drive them, over real sockets."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from sockutil import concurrency
from sockutil.servers import running_servers
from sockutil.widgets import ClientConsole, ManyClients, ServerPanel, StreamLab, close_all_panels


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


@pytest.fixture(autouse=True)
def close_panels():
    yield
    close_all_panels()
    for thread in threading.enumerate():
        if thread.name.startswith(("sockutil-console:", "sockutil-lab:", "sockutil-many:")):
            thread.join(5)


def test_server_panel_and_console_round_trip():
    panel = ServerPanel("echo", name="t-panel")
    assert repr(panel) == "ServerPanel 't-panel': echo server, stopped"
    panel.start()
    assert panel.port and "listening on" in panel.status.value
    assert repr(panel) == "ServerPanel 't-panel': echo server, running"
    console = ClientConsole(panel, name="t-console")
    console.connect()
    assert wait_until(lambda: console.sock is not None)
    console.message.value = "hello"
    console.send()
    assert wait_until(lambda: "recv → 6 bytes b&#x27;hello\\n&#x27;" in console.log_view.value)
    assert wait_until(lambda: "c1 sent 6 bytes" in panel.log_view.value)
    assert "bytes in: <b>6</b>" in panel.counters.value
    console.close_connection()
    panel.stop()
    assert panel.status.value == "stopped" and not running_servers("t-panel")
    panel.start()  # a new server counts from zero
    assert "connections: <b>0</b>" in panel.counters.value and "bytes in: <b>0</b>" in panel.counters.value
    panel.stop()


def test_half_close_lets_the_echo_server_finish():
    panel = ServerPanel("echo", name="t-half")
    panel.start()
    console = ClientConsole(panel, name="t-half-console")
    console.connect()
    assert wait_until(lambda: console.sock is not None)
    console.send()
    console.half_close()
    assert wait_until(lambda: "the server closed its side" in console.log_view.value)
    assert wait_until(lambda: console.sock is None)
    panel.stop()


def test_rerunning_replaces_the_panel_and_its_server():
    first = ServerPanel("echo", name="t-same")
    first.start()
    port = first.port
    second = ServerPanel("upper", name="t-same")
    assert first.port is None and first.server is None
    second.port_choice.value = port  # the port is free again at once
    second.start()
    assert second.port == port
    second.stop()


def test_taken_port_is_shown_in_words():
    with socket.create_server(("127.0.0.1", 0)) as taker:
        panel = ServerPanel("echo", port=taker.getsockname()[1], name="t-taken")
        panel.start()
    assert "could not start" in panel.status.value and "already in use" in panel.status.value
    assert panel.port is None


def test_refused_connection_is_shown_in_words():
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    console = ClientConsole(port=port, name="t-refused")
    console.connect()
    assert wait_until(lambda: "connection refused" in console.status.value)
    assert "Traceback" not in console.log_view.value
    assert not console.connect_button.disabled


def test_reset_by_the_server_is_shown_in_words():
    import struct

    from sockutil.servers import Server

    def resetter(conn):
        conn.recv()
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    with Server(resetter, name="t-resetter") as server:
        console = ClientConsole(port=server.port, name="t-reset")
        console.connect()
        assert wait_until(lambda: console.sock is not None)
        console.send()
        assert wait_until(lambda: "connection reset by the peer" in console.log_view.value)


def test_stream_lab_shows_the_same_bytes_cut_differently():
    lab = StreamLab(message="abcdefghij", name="t-lab")
    lab.chunk.value, lab.pause.value, lab.recv_size.value = 3, 10, 64
    lab.run(wait=True)
    assert "the same bytes: <b>True</b>" in lab.result.value
    assert b"".join(lab.last_chunks) == b"abcdefghij" and len(lab.last_chunks) > 1
    assert lab.image.value.tobytes().startswith(b"\x89PNG")


def test_many_clients_compares_models():
    panel = ManyClients(name="t-many")
    panel.clients.value, panel.work.value = 4, 50
    panel.run(wait=True)
    times = panel.last_times
    assert set(times) == set(concurrency.MODELS)
    # one at a time: the last of 4 clients waits for 4 pieces of work
    assert max(times["iterative"]) >= 4 * 0.05
    assert max(times["thread per client"]) < max(times["iterative"])
    assert panel.image.value.tobytes().startswith(b"\x89PNG")


def test_race_counts_every_client():
    for model in concurrency.MODELS.values():
        times = concurrency.race(model, 3, 0.01)
        assert len(times) == 3 and all(t < 5 for t in times)
