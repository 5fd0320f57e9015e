"""Live panels for the notebooks: poke a real loopback server without a second terminal.

Theory of operation
-------------------
Every panel is an ipywidgets box whose buttons start and stop real servers
and clients in background threads, so the kernel stays free: a student can
run other cells and click buttons at the same time.

Background threads update the panels only by setting widget traits (a
label's ``value``, an HTML log's ``value``, an image's bytes). That is safe
from any thread and invisible to nbval. They never use ``with output:`` from
a thread, which would put text into whichever cell happens to be running.

Panels have names, like servers: creating a panel under a name that already
exists closes the old panel and stops what it started, so re-running a cell
replaces it cleanly. Everything a panel starts stops when the kernel shuts
down (servers through ``sockutil.stop_all`` at exit, clients here).

The text form of a panel (what nbval compares, and what a notebook shows
when widgets are not rendered) is one stable line, e.g.
``ServerPanel 'panel': echo server, stopped``.
"""

from __future__ import annotations

import atexit
import html
import io
import socket
import threading
from typing import Callable, Mapping, Sequence

import ipywidgets as w

from . import events as ev
from .clients import DEFAULT_TIMEOUT, connect, recv_chunks
from .errors import SockutilError, describe_error
from .handlers import HANDLERS, make_chunky
from .names import LOOPBACK
from .servers import Server

__all__ = ["ServerPanel", "ClientConsole", "StreamLab", "ManyClients", "close_all_panels"]

#: How many lines a panel's live log shows (older lines scroll away).
LOG_LINES = 12

_PANELS: dict[str, "_Panel"] = {}
_PANELS_LOCK = threading.Lock()


def _log_html(lines: Sequence[str]) -> str:
    body = "\n".join(html.escape(line) for line in lines[-LOG_LINES:]) or "(nothing yet)"
    return (
        "<pre style='margin:0;max-height:16em;overflow:auto;font-size:12px;"
        f"background:#f7f7f7;padding:4px'>{body}</pre>"
    )


class _Panel(w.VBox):
    """Shared plumbing: a name registry, a stable text form, and shutdown."""

    kind = "Panel"

    def __init__(self, name: str, children: Sequence[w.Widget]) -> None:
        super().__init__(children=list(children))
        self.panel_name = name
        with _PANELS_LOCK:
            old = _PANELS.get(name)
            _PANELS[name] = self
        if old is not None and old is not self:
            old.shutdown()

    def describe(self) -> str:  # pragma: no cover - overridden
        return ""

    def __repr__(self) -> str:
        return f"{self.kind} {self.panel_name!r}: {self.describe()}"

    def shutdown(self) -> None:
        """Stop whatever this panel started and close its views."""
        self._stop_everything()
        with _PANELS_LOCK:
            if _PANELS.get(self.panel_name) is self:
                del _PANELS[self.panel_name]
        self.close()

    def _stop_everything(self) -> None:  # pragma: no cover - overridden
        pass


def close_all_panels() -> None:
    """Stop every panel's servers and clients (also run when the kernel exits)."""
    with _PANELS_LOCK:
        panels = list(_PANELS.values())
    for panel in panels:
        panel._stop_everything()


atexit.register(close_all_panels)


class ServerPanel(_Panel):
    """Choose a handler and a port, Start and Stop, and watch the server live.

    The status line shows the address; counters show connections and bytes in
    and out; the log shows the last events. The server runs under the panel's
    name, so it also replaces a server of that name started elsewhere.
    """

    kind = "ServerPanel"

    def __init__(self, handler: str = "echo", port: int = 0, name: str = "server-panel") -> None:
        self.server: Server | None = None
        self._lock = threading.Lock()
        self._lines: list[str] = []
        self._totals = [0, 0, 0]
        self.handler_choice = w.Dropdown(options=sorted(HANDLERS), value=handler, description="handler")
        self.port_choice = w.BoundedIntText(value=port, min=0, max=65535, description="port (0 = any)",
                                            style={"description_width": "initial"})
        self.start_button = w.Button(description="Start", button_style="success", icon="play")
        self.stop_button = w.Button(description="Stop", button_style="danger", icon="stop", disabled=True)
        self.status = w.HTML(value="stopped")
        self.counters = w.HTML(value=self._counter_text(0, 0, 0))
        self.log_view = w.HTML(value=_log_html([]))
        self.start_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        super().__init__(name, [
            w.HTML(f"<b>Server panel</b> <code>{html.escape(name)}</code>"),
            w.HBox([self.handler_choice, self.port_choice]),
            w.HBox([self.start_button, self.stop_button]),
            self.status,
            self.counters,
            self.log_view,
        ])
        self.add_class("sockutil-server-panel")

    # -- actions (buttons call these; so can code and tests)
    def start(self) -> None:
        """Start a server with the chosen handler and port (stopping a previous one)."""
        self.stop()
        with self._lock:
            self._totals = [0, 0, 0]  # connections, bytes in, bytes out of this server
        handler, port = self.handler_choice.value, int(self.port_choice.value)
        server = Server(handler, port=port, name=self.panel_name)
        server.log.add_listener(self._on_event)
        try:
            server.start()
        except (OSError, SockutilError) as error:
            self.status.value = f"<span style='color:#b00'>could not start: {html.escape(str(error))}</span>"
            return
        self.server = server
        host, real_port = server.address
        self.status.value = (f"<span style='color:#080'>listening on <code>{host}:{real_port}</code></span>"
                             f" ({handler})")
        self.start_button.disabled, self.stop_button.disabled = True, False
        self.handler_choice.disabled = self.port_choice.disabled = True

    def stop(self) -> None:
        """Stop the server, if one is running."""
        server, self.server = self.server, None
        if server is not None:
            server.stop()
            server.log.remove_listener(self._on_event)
            self.status.value = "stopped"
        self.start_button.disabled, self.stop_button.disabled = False, True
        self.handler_choice.disabled = self.port_choice.disabled = False

    @property
    def port(self) -> int | None:
        """The running server's port, or None."""
        return self.server.port if self.server is not None and self.server.running else None

    def describe(self) -> str:
        state = "running" if self.port is not None else "stopped"
        return f"{self.handler_choice.value} server, {state}"

    def _stop_everything(self) -> None:
        self.stop()

    # -- live updates, called on the server's threads
    @staticmethod
    def _counter_text(connections: int, bytes_in: int, bytes_out: int) -> str:
        return f"connections: <b>{connections}</b> · bytes in: <b>{bytes_in}</b> · bytes out: <b>{bytes_out}</b>"

    def _on_event(self, event: ev.Event) -> None:
        with self._lock:
            self._lines.append(str(event))
            del self._lines[:-LOG_LINES]
            lines = list(self._lines)
            # Running totals, one event at a time: re-summing the whole log on
            # every recv would grow with the log on the server's hot path.
            if event.kind == ev.OPENED:
                self._totals[0] += 1
            elif event.kind == ev.RECEIVED:
                self._totals[1] += event.nbytes
            elif event.kind == ev.SENT:
                self._totals[2] += event.nbytes
            totals = list(self._totals)
        self.counters.value = self._counter_text(*totals)
        self.log_view.value = _log_html(lines)


class ClientConsole(_Panel):
    """Connect, type and send, and see every ``recv`` chunk with its size as it arrives.

    Refused, reset and timed-out connections are shown in plain words in the
    panel, never as a traceback. ``server`` may be a ``ServerPanel``: with the
    port left at 0, Connect uses that panel's current port.
    """

    kind = "ClientConsole"

    def __init__(self, server: ServerPanel | None = None, host: str = LOOPBACK, port: int = 0,
                 name: str = "client-console", timeout: float = DEFAULT_TIMEOUT) -> None:
        self.server_panel = server
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self._reader: threading.Thread | None = None
        self._lock = threading.Lock()
        self._lines: list[str] = []
        self.host_choice = w.Text(value=host, description="host")
        self.port_choice = w.BoundedIntText(value=port, min=0, max=65535, description="port",
                                            tooltip="0: the port of the server panel")
        self.connect_button = w.Button(description="Connect", button_style="primary", icon="plug")
        self.message = w.Text(value="hello", placeholder="text to send", description="message")
        self.newline = w.Checkbox(value=True, description="add \\n", indent=False)
        self.send_button = w.Button(description="Send", icon="paper-plane", disabled=True)
        self.half_close_button = w.Button(description="Half-close (SHUT_WR)", disabled=True,
                                          layout=w.Layout(width="14em"))
        self.close_button = w.Button(description="Close", icon="times", disabled=True)
        self.status = w.HTML(value="not connected")
        self.log_view = w.HTML(value=_log_html([]))
        self.connect_button.on_click(lambda _: self.connect())
        self.send_button.on_click(lambda _: self.send())
        self.half_close_button.on_click(lambda _: self.half_close())
        self.close_button.on_click(lambda _: self.close_connection())
        super().__init__(name, [
            w.HTML(f"<b>Client console</b> <code>{html.escape(name)}</code>"),
            w.HBox([self.host_choice, self.port_choice, self.connect_button]),
            w.HBox([self.message, self.newline, self.send_button]),
            w.HBox([self.half_close_button, self.close_button]),
            self.status,
            self.log_view,
        ])
        self.add_class("sockutil-client-console")

    def describe(self) -> str:
        return "connected" if self.sock is not None else "not connected"

    def _say(self, line: str) -> None:
        with self._lock:
            self._lines.append(line)
            del self._lines[:-LOG_LINES]
            lines = list(self._lines)
        self.log_view.value = _log_html(lines)

    def _set_connected(self, connected: bool) -> None:
        self.connect_button.disabled = connected
        self.send_button.disabled = self.close_button.disabled = not connected
        self.half_close_button.disabled = not connected

    # -- actions
    def connect(self) -> None:
        """Connect in a background thread, so a slow or silent server never blocks the kernel."""
        self.close_connection()
        host = self.host_choice.value.strip() or LOOPBACK
        port = int(self.port_choice.value)
        if port == 0 and self.server_panel is not None and self.server_panel.port is not None:
            port = self.server_panel.port
        if port == 0:
            self.status.value = "choose a port (or start the server panel first)"
            return
        self.connect_button.disabled = True
        self.status.value = f"connecting to {html.escape(host)}:{port} ..."
        threading.Thread(target=self._connect_and_read, args=(host, port),
                         name=f"sockutil-console:{self.panel_name}", daemon=True).start()

    def _connect_and_read(self, host: str, port: int) -> None:
        try:
            sock = connect(port, host, self.timeout)
        except ConnectionRefusedError:
            self._fail(f"connection refused: nothing listens on {host}:{port}")
            return
        except TimeoutError:
            self._fail(f"no answer from {host}:{port} within {self.timeout:g} s")
            return
        except OSError as error:
            self._fail(f"could not connect: {error}")
            return
        with self._lock:
            self.sock = sock
        self._set_connected(True)
        self.status.value = f"<span style='color:#080'>connected to <code>{html.escape(host)}:{port}</code></span>"
        self._say(f"connected to {host}:{port}")
        self._read_loop(sock)

    def _read_loop(self, sock: socket.socket) -> None:
        while True:
            try:
                data = sock.recv(4096)
            except TimeoutError:
                continue  # idle; the socket's timeout only bounds each wait
            except ConnectionResetError:
                self._say("connection reset by the peer (RST)")
                break
            except OSError:
                break  # we closed it ourselves
            if not data:
                self._say("recv → b'' : the server closed its side")
                break
            self._say(f"recv → {len(data)} bytes {data!r}")
        self._finish(sock)

    def _finish(self, sock: socket.socket) -> None:
        with self._lock:
            mine = self.sock is sock
            if mine:
                self.sock = None
        sock.close()
        if mine:
            self._set_connected(False)
            self.status.value = "not connected"

    def _fail(self, text: str) -> None:
        self._say(text)
        self.status.value = f"<span style='color:#b00'>{html.escape(text)}</span>"
        self._set_connected(False)

    def send(self) -> None:
        """Send the message (UTF-8, with a newline if ticked)."""
        sock = self.sock
        if sock is None:
            self.status.value = "not connected"
            return
        data = self.message.value.encode("utf-8") + (b"\n" if self.newline.value else b"")
        try:
            sock.sendall(data)
        except OSError as error:
            self._say(f"send failed: {type(error).__name__} (the connection is gone)")
            return
        self._say(f"sendall → {len(data)} bytes {data!r}")

    def half_close(self) -> None:
        """``shutdown(SHUT_WR)``: tell the server no more is coming, keep receiving."""
        sock = self.sock
        if sock is None:
            return
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            return
        self.send_button.disabled = self.half_close_button.disabled = True
        self._say("shutdown(SHUT_WR): our side is closed, still receiving")

    def close_connection(self) -> None:
        """Close the connection; the reading thread sees it and ends."""
        with self._lock:
            sock, self.sock = self.sock, None
        if sock is None:
            return
        try:
            sock.shutdown(socket.SHUT_RDWR)  # wakes the reading thread at once
        except OSError:
            pass
        sock.close()
        self._say("close()")
        self._set_connected(False)
        self.status.value = "not connected"

    def _stop_everything(self) -> None:
        self.close_connection()


class StreamLab(_Panel):
    """The same bytes, cut differently: sender's chunk size and pause against the receiver's recv size.

    Run sends the message through a real loopback connection (a chunky
    server sends it in pieces of ``chunk size`` bytes, ``pause`` ms apart) and
    a client receives with ``recv(recv size)``; the panel shows what each
    recv returned and redraws a plot of both cuttings.
    """

    kind = "StreamLab"

    def __init__(self, message: str = "TCP is a byte stream: it keeps no message boundaries.\n",
                 name: str = "stream-lab") -> None:
        self.message = w.Text(value=message, description="message", layout=w.Layout(width="36em"))
        self.chunk = w.IntSlider(value=4, min=1, max=64, description="send size")
        self.pause = w.IntSlider(value=20, min=0, max=200, step=5, description="pause (ms)")
        self.recv_size = w.IntSlider(value=16, min=1, max=64, description="recv size")
        self.run_button = w.Button(description="Run", button_style="primary", icon="play")
        self.result = w.HTML(value="press Run")
        self.image = w.Image(format="png", layout=w.Layout(display="none"))
        self.run_button.on_click(lambda _: self.run())
        self._thread: threading.Thread | None = None
        super().__init__(name, [
            w.HTML("<b>Stream lab</b>"),
            self.message,
            w.HBox([self.chunk, self.pause]),
            w.HBox([self.recv_size, self.run_button]),
            self.result,
            self.image,
        ])
        self.add_class("sockutil-stream-lab")

    def describe(self) -> str:
        return "press Run"

    def run(self, wait: bool = False) -> None:
        """Send and receive in a background thread; ``wait=True`` blocks until done (tests)."""
        self.run_button.disabled = True
        self.result.value = "running ..."
        self._thread = threading.Thread(target=self._run, name=f"sockutil-lab:{self.panel_name}", daemon=True)
        self._thread.start()
        if wait:
            self._thread.join(DEFAULT_TIMEOUT * 3)

    def _run(self) -> None:
        data = self.message.value.encode("utf-8") or b"(empty)"
        chunk, pause, size = self.chunk.value, self.pause.value / 1000, self.recv_size.value
        try:
            with Server(make_chunky(data, chunk, pause), name=self.panel_name) as server:
                with connect(server.port) as sock:
                    chunks = recv_chunks(sock, size)
        except Exception as error:  # noqa: BLE001 - shown in the panel, never on stderr
            self.result.value = f"<span style='color:#b00'>failed: {html.escape(describe_error(error))}</span>"
            self.run_button.disabled = False
            return
        sent = [data[i:i + chunk] for i in range(0, len(data), chunk)]
        self.last_chunks = chunks
        self.result.value = (
            f"sent in <b>{len(sent)}</b> pieces of up to {chunk} bytes; received in "
            f"<b>{len(chunks)}</b> recv calls of up to {size} bytes; the same bytes: "
            f"<b>{b''.join(chunks) == data}</b><br><code>"
            + html.escape(" | ".join(repr(c)[2:-1] for c in chunks)) + "</code>"
        )
        self.image.value = _png(lambda: _plots().chunkings(
            {"sent (each send)": [len(s) for s in sent], "received (each recv)": [len(c) for c in chunks]},
            title="The same bytes, cut differently"))
        self.image.layout.display = None
        self.run_button.disabled = False

    def _stop_everything(self) -> None:
        if self._thread is not None:
            self._thread.join(DEFAULT_TIMEOUT * 3)


class ManyClients(_Panel):
    """Start N clients against a server of each concurrency model and plot their completion times.

    ``models`` maps a name to a function ``start(port_holder) -> stop`` ...
    see ``sockutil.concurrency`` for the ready-made models.
    """

    kind = "ManyClients"

    def __init__(self, models: Mapping[str, Callable] | None = None, name: str = "many-clients") -> None:
        from . import concurrency

        self.models = dict(models or concurrency.MODELS)
        self.clients = w.IntSlider(value=6, min=1, max=20, description="clients")
        self.work = w.IntSlider(value=100, min=0, max=500, step=10, description="work (ms)",
                                style={"description_width": "initial"})
        self.choice = w.SelectMultiple(options=list(self.models), value=list(self.models),
                                       description="models", rows=min(4, len(self.models)))
        self.run_button = w.Button(description="Run", button_style="primary", icon="play")
        self.result = w.HTML(value="press Run")
        self.image = w.Image(format="png", layout=w.Layout(display="none"))
        self.run_button.on_click(lambda _: self.run())
        self._thread: threading.Thread | None = None
        self.last_times: dict[str, list[float]] = {}
        super().__init__(name, [
            w.HTML("<b>Many clients</b>: each client sends one request; the server spends "
                   "<i>work</i> ms on each before answering."),
            w.HBox([self.clients, self.work]),
            w.HBox([self.choice, self.run_button]),
            self.result,
            self.image,
        ])
        self.add_class("sockutil-many-clients")

    def describe(self) -> str:
        return f"{len(self.models)} server models, press Run"

    def run(self, wait: bool = False) -> None:
        self.run_button.disabled = True
        self.result.value = "running ..."
        self._thread = threading.Thread(target=self._run, name=f"sockutil-many:{self.panel_name}", daemon=True)
        self._thread.start()
        if wait:
            self._thread.join(60)

    def _run(self) -> None:
        from . import concurrency

        times: dict[str, list[float]] = {}
        lines = []
        for model in self.choice.value:
            try:
                result = concurrency.race(self.models[model], self.clients.value, self.work.value / 1000)
            except Exception as error:  # noqa: BLE001 - shown in the panel, never on stderr
                lines.append(f"{html.escape(model)}: failed ({html.escape(describe_error(error))})")
                continue
            times[model] = result
            lines.append(f"{html.escape(model)}: last client done after <b>{max(result):.2f} s</b>")
        self.last_times = times
        self.result.value = "<br>".join(lines) or "choose at least one model"
        if times:
            self.image.value = _png(lambda: _plots().completion_times(times))
            self.image.layout.display = None
        self.run_button.disabled = False

    def _stop_everything(self) -> None:
        if self._thread is not None:
            self._thread.join(60)


def _plots():
    from . import plots

    return plots


def _png(make_figure: Callable) -> bytes:
    figure = make_figure()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()
