"""The panels, driven from code the way their buttons drive them, over real sockets."""

from __future__ import annotations

import html
import re
import socket
import sys
import threading

import pytest

from sockutil import concurrency
from sockutil import events as ev
from sockutil.clients import connect, recv_until_closed, request
from sockutil.handlers import HELLO_MESSAGE
from sockutil.servers import Server, running_servers
from sockutil.widgets import ClientConsole, ManyClients, ServerPanel, StreamLab, close_all_panels
from tests.polling import wait_until


def plain(text):
    """An HTML value as the text a reader sees."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


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


def assert_figure_with_its_text(view: str, title: str) -> None:
    """A panel's figure: a PNG named by its alt text, and its whole text equivalent below it."""
    import base64
    import re

    image = re.search(r"<img src='data:image/png;base64,([^']+)' alt='([^']+)'>", view)
    assert image and base64.b64decode(image.group(1)).startswith(b"\x89PNG")
    assert image.group(2).startswith(title + ".")
    assert "<details><summary>The figure in words</summary>" in view and title in view.split("<details>")[1]


def test_stream_lab_shows_the_same_bytes_cut_differently():
    lab = StreamLab(message="abcdefghij", name="t-lab")
    lab.chunk.value, lab.pause.value, lab.recv_size.value = 3, 10, 64
    lab.run(wait=True)
    assert "the same bytes: <b>True</b>" in lab.result.value
    assert b"".join(lab.last_chunks) == b"abcdefghij" and len(lab.last_chunks) > 1
    assert_figure_with_its_text(lab.image.value, "The same bytes, cut differently")


def test_many_clients_compares_models():
    panel = ManyClients(name="t-many")
    panel.clients.value, panel.work.value = 4, 50
    panel.run(wait=True)
    times = panel.last_times
    assert set(times) == set(concurrency.MODELS)
    # one at a time: the last of 4 clients waits for 4 pieces of work
    assert max(times["iterative"]) >= 4 * 0.05
    assert max(times["thread per client"]) < max(times["iterative"])
    assert_figure_with_its_text(panel.image.value, "When each client finished")


def test_race_counts_every_client():
    for model in concurrency.MODELS.values():
        times = concurrency.race(model, 3, 0.01)
        assert len(times) == 3 and all(t < 5 for t in times)


# --------------------------------------------------------------------------- races, proven with hooks


def in_thread(action):
    """Run ``action`` in a thread (as a second cell run would); return an Event set when it returns."""
    done = threading.Event()

    def target():
        try:
            action()
        finally:
            done.set()

    threading.Thread(target=target, name="test-rerun", daemon=True).start()
    return done


def thread_named(name):
    return next(t for t in threading.enumerate() if t.name == name)


def test_close_during_a_pending_connect_is_not_lost(monkeypatch):
    module = sys.modules[ClientConsole.__module__]
    real_connect = module.connect
    connecting, release = threading.Event(), threading.Event()

    def held_connect(port, host, timeout):
        connecting.set()
        release.wait(10)  # hook: connect() is still pending until the test says so
        return real_connect(port, host, timeout)

    monkeypatch.setattr(module, "connect", held_connect)
    with Server("echo", name="t-pending") as server:
        console = ClientConsole(port=server.port, name="t-pending-console")
        console.connect()
        assert connecting.wait(5)
        reader = thread_named("sockutil-console:t-pending-console")
        console.close_connection()  # Close, clicked while connect() is pending
        release.set()
        reader.join(5)
        assert not reader.is_alive(), "the close was lost: the read loop runs on"
        assert console.status.value == "not connected" and not console.connect_button.disabled
        assert console.sock is None and console.describe() == "not connected"
        # the connection that opened late was closed at once, and the server saw it go
        assert server.log.wait_for(lambda events: any(e.kind == ev.PEER_CLOSED for e in events), 5)


def test_a_new_connect_abandons_a_pending_one(monkeypatch):
    module = sys.modules[ClientConsole.__module__]
    real_connect = module.connect
    first, release = threading.Event(), threading.Event()

    def first_one_held(port, host, timeout):
        if not first.is_set():
            first.set()
            release.wait(10)
        return real_connect(port, host, timeout)

    monkeypatch.setattr(module, "connect", first_one_held)
    with Server("echo", name="t-twice") as server:
        console = ClientConsole(port=server.port, name="t-twice-console")
        console.connect()
        assert first.wait(5)
        stale = thread_named("sockutil-console:t-twice-console")
        console.connect()  # a second click: the first attempt is abandoned
        assert wait_until(lambda: console.sock is not None)
        current = console.sock
        release.set()
        stale.join(5)
        assert not stale.is_alive() and console.sock is current
        console.send()
        assert wait_until(lambda: "recv → 6 bytes" in console.log_view.value)
        assert server.log.wait_for(lambda events: any(e.kind == ev.PEER_CLOSED for e in events), 5)


def test_rerunning_a_stream_lab_cell_does_not_wait_for_its_run(monkeypatch):
    module = sys.modules[StreamLab.__module__]
    real_chunky = module.make_chunky
    sending = threading.Event()

    def watched_chunky(*args):
        handler = real_chunky(*args)

        def chunky(conn):
            sending.set()  # hook: the run is under way
            handler(conn)

        return chunky

    monkeypatch.setattr(module, "make_chunky", watched_chunky)
    lab = StreamLab(message="x" * 400, name="t-lab-rerun")
    lab.chunk.value, lab.pause.value = 1, 200  # 400 pieces, 0.2 s apart: 80 s if left alone
    lab.run()
    assert sending.wait(5)
    old_run = lab._thread
    rerun = in_thread(lambda: StreamLab(name="t-lab-rerun"))
    assert rerun.wait(10), "re-running the cell waited for the old run"
    old_run.join(5)
    assert not old_run.is_alive() and not running_servers("t-lab-rerun")
    assert lab.result.value == "stopped before the end: press Run" and not lab.run_button.disabled


def test_rerunning_a_many_clients_cell_does_not_wait_for_its_race(monkeypatch):
    racing, stopped = threading.Event(), threading.Event()

    def held_race(model, clients, work, timeout=30.0):
        port, stop = model(work)
        racing.set()
        try:
            stopped.wait(30)  # hook: the race lasts until its server is stopped
        finally:
            stop()
        return [timeout] * clients

    def model(work):
        return 0, stopped.set

    monkeypatch.setattr(concurrency, "race", held_race)
    try:
        panel = ManyClients({"held": model}, name="t-many-rerun")
        panel.run()
        assert racing.wait(5)
        old_run = panel._thread
        rerun = in_thread(lambda: ManyClients({"held": model}, name="t-many-rerun"))
        assert rerun.wait(10), "re-running the cell waited for the old race"
        assert stopped.is_set()
        old_run.join(5)
        assert not old_run.is_alive()
    finally:
        stopped.set()


class ToldLock:
    """A lock that sets ``told`` when a thread has to wait for it (a hook for the test below)."""

    def __init__(self, told):
        self._lock = threading.Lock()
        self._told = told

    def __enter__(self):
        if not self._lock.acquire(blocking=False):
            self._told.set()
            self._lock.acquire()
        return self

    def __exit__(self, *exc_info):
        self._lock.release()


def test_server_panel_counters_never_go_back():
    # Two server threads record events at once. The one that counted first must not write its
    # older totals over the newer ones: the panel would show 1 connection after 2.
    panel = ServerPanel("echo", name="t-order")
    went_on = threading.Event()
    panel._lock = ToldLock(went_on)
    first_text = panel._counter_text
    calls = []

    def held_counter_text(*totals):
        calls.append(totals)
        if len(calls) == 1:
            # hook: the first thread pauses here until the second has counted too
            # (old code), or is waiting for the first to finish (fixed code)
            went_on.wait(10)
        return first_text(*totals)

    panel._counter_text = held_counter_text
    opened = [ev.Event(seq=n, kind=ev.OPENED, conn=f"c{n}") for n in (1, 2)]
    first = threading.Thread(target=panel._on_event, args=(opened[0],))
    first.start()
    assert wait_until(lambda: calls)
    panel._on_event(opened[1])
    went_on.set()
    first.join(5)
    assert "connections: <b>2</b>" in panel.counters.value
    assert panel.log_view.value.index("#1 c1 opened") < panel.log_view.value.index("#2 c2 opened")


def test_server_panel_counts_connections_and_bytes():
    panel = ServerPanel("echo", name="t-counters")
    panel.start()
    messages = [b"one\n", b"two, a little longer\n", bytes(range(256)) * 40]
    for data in messages:
        assert request(panel.port, data) == data
    panel.server.wait_idle()
    total = sum(len(data) for data in messages)
    assert panel.counters.value == panel._counter_text(3, total, total)
    assert f"bytes in: <b>{total}</b>" in panel.counters.value  # 10265: more than one recv each
    panel.stop()
    panel.handler_choice.value = "hello"
    panel.start()
    assert panel.counters.value == panel._counter_text(0, 0, 0)  # a new server counts from zero
    with connect(panel.port) as sock:
        assert recv_until_closed(sock) == HELLO_MESSAGE
    panel.server.wait_idle()
    assert panel.counters.value == panel._counter_text(1, 0, len(HELLO_MESSAGE))
    panel.stop()


def test_many_clients_shows_a_failed_client_as_failed():
    def race(model, clients, work):
        return [0.25, None, ConnectionResetError(104, "Connection reset by peer")][:clients]

    panel = ManyClients({"flaky": concurrency.thread_per_client}, name="t-many-failed", race=race)
    panel.clients.value = 3
    panel.run(wait=True)
    text = panel.result.value
    assert plain(text) == "flaky: last client done after 0.25 s; 2 of 3 clients failed " \
        "(no answer, ConnectionResetError)"
    assert panel.last_times == {"flaky": [0.25]}
    assert_figure_with_its_text(panel.image.value, "When each client finished")


def test_many_clients_shows_the_times_a_failed_race_still_has():
    def race(model, clients, work):  # what concurrency.race raises when some clients fail
        raise concurrency.ClientsFailedError([0.5, None, 0.75], {1: "ConnectionResetError"})

    panel = ManyClients({"flaky": concurrency.thread_per_client}, name="t-many-partly", race=race)
    panel.clients.value = 3
    panel.run(wait=True)
    assert plain(panel.result.value) == ("flaky: last client done after 0.75 s; 1 of 3 clients failed "
                                         "(ConnectionResetError)")
    assert panel.last_times == {"flaky": [0.5, 0.75]}


def test_many_clients_with_every_client_failed_draws_nothing():
    panel = ManyClients({"down": concurrency.thread_per_client}, name="t-many-down",
                        race=lambda model, clients, work: [None] * clients)
    panel.clients.value = 2
    panel.run(wait=True)
    assert plain(panel.result.value) == "down: all 2 clients failed (no answer)"
    assert panel.last_times == {} and panel.image.layout.display == "none"


def test_rerunning_during_a_real_race_stops_its_server_and_clients():
    serving = threading.Event()

    def iterative(work):
        started = concurrency.iterative(work)
        serving.set()  # hook: the race's server is up
        return started

    panel = ManyClients({"iterative": iterative}, name="t-many-real")
    panel.clients.value, panel.work.value = 20, 500  # one at a time: 10 s if left alone
    panel.run()
    assert serving.wait(5)
    old_run = panel._thread
    rerun = in_thread(lambda: ManyClients({"iterative": iterative}, name="t-many-real"))
    assert rerun.wait(10), "re-running the cell waited for the old race"
    old_run.join(5)
    assert not old_run.is_alive()
    assert not [t for t in threading.enumerate() if t.name.startswith("sockutil-model:")]


def test_a_host_name_that_cannot_be_encoded_is_shown_in_words(monkeypatch):
    escaped = []
    monkeypatch.setattr(threading, "excepthook", escaped.append)
    console = ClientConsole(host="a" * 64, port=9, name="t-bad-host")  # a label over 63 bytes
    console.connect()
    console._reader.join(5)
    assert not escaped, "an exception escaped the console's thread (a traceback on stderr)"
    assert "could not connect" in console.status.value and not console.connect_button.disabled


# -- accessibility: every control named (WCAG 4.1.2), every log reachable by keyboard (2.1.1)

def widgets_in(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from widgets_in(child)


@pytest.mark.parametrize("make", [
    lambda: ServerPanel(name="t-a11y-server"),
    lambda: ClientConsole(name="t-a11y-console"),
    lambda: StreamLab(name="t-a11y-lab"),
    lambda: ManyClients(name="t-a11y-many"),
], ids=["ServerPanel", "ClientConsole", "StreamLab", "ManyClients"])
def test_every_control_has_a_visible_name_and_says_what_it_does(make):
    import ipywidgets as w

    panel = make()
    try:
        parts = list(widgets_in(panel))
        controls = [c for c in parts if isinstance(c, (w.Button, w.Text, w.IntText, w.BoundedIntText, w.Dropdown,
                                                       w.Checkbox, w.SelectMultiple))]
        assert len(controls) >= 2
        for control in controls:
            # the description is the button's text, or the input's <label>: its accessible name
            assert control.description.strip(), f"{type(control).__name__} without a name"
            assert control.tooltip and control.tooltip.strip(), f"{control.description!r} says nothing about itself"
        # ipywidgets 8's slider handle and Image get no accessible name from Python: not used
        assert not [c for c in parts if isinstance(c, (w.IntSlider, w.FloatSlider, w.Image))]
        for view in parts:
            if isinstance(view, w.HTML) and "<pre" in view.value and "overflow:auto" in view.value:
                assert "tabindex='0'" in view.value and "aria-label='" in view.value
    finally:
        panel.shutdown()
