"""The server panel: choose a handler, an address and a port, Start and Stop, and watch the server live.

The panel listens to its server's event log. Events are recorded on the
server's threads, one per connection, so two may arrive at once: the running
totals and the widgets that show them are updated under one lock, in one
step, so the counters never go back to an older total.
"""

from __future__ import annotations

import html
import ipaddress
import threading

import ipywidgets as w

from .. import events as ev
from ..errors import SockutilError
from ..handlers import HANDLERS
from ..names import LOOPBACK, host_port, unbracket
from ..servers import Server
from .base import LiveLog, Panel, error_html

__all__ = ["ServerPanel"]


class ServerPanel(Panel):
    """Choose a handler, an address and a port, Start and Stop, and watch the server live.

    The address is 127.0.0.1 unless changed (``host``): ``::1`` (or
    ``[::1]``) listens on IPv6's loopback. The status line shows where the
    server listens, an IPv6 address in brackets (``[::1]:4444``), and warns
    when other machines can connect; counters show connections and bytes in
    and out; the log shows the last events. The server runs under the panel's
    name, so it also replaces a server of that name started elsewhere.
    """

    kind = "ServerPanel"

    def __init__(self, handler: str = "echo", port: int = 0, name: str = "server-panel",
                 host: str = LOOPBACK) -> None:
        self.server: Server | None = None
        self._actions = threading.RLock()  # one Start or Stop at a time, from any thread
        self._lock = threading.Lock()  # the totals and the widgets showing them
        self._totals = [0, 0, 0]  # connections, bytes in, bytes out of the current server
        self._live_log = LiveLog(f"server log of {name}")
        self.log_view = self._live_log.view
        self.handler_choice = w.Dropdown(options=sorted(HANDLERS), value=handler, description="handler",
                                         tooltip="what the server does with each connection")
        self.host_choice = w.Text(value=host, description="host",
                                  tooltip="the address to listen on: 127.0.0.1 or ::1 (this machine only)")
        self.port_choice = w.BoundedIntText(value=port, min=0, max=65535, description="port (0 = any)",
                                            tooltip="the port to listen on; 0 lets the OS choose a free one",
                                            style={"description_width": "initial"})
        self.start_button = w.Button(description="Start", button_style="success", icon="play",
                                     tooltip="start the server: bind, listen, accept in the background")
        self.stop_button = w.Button(description="Stop", button_style="danger", icon="stop", disabled=True,
                                    tooltip="stop the server and close its connections")
        self.status = w.HTML(value="stopped")
        self.counters = w.HTML(value=self._counter_text(0, 0, 0))
        self.start_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        super().__init__(name, [
            w.HTML(f"<b>Server panel</b> <code>{html.escape(name)}</code>"),
            w.HBox([self.handler_choice, self.host_choice, self.port_choice]),
            w.HBox([self.start_button, self.stop_button]),
            self.status,
            self.counters,
            self.log_view,
        ])
        self.add_class("sockutil-server-panel")

    # -- actions (buttons call these; so can code and tests)
    def start(self) -> None:
        """Start a server with the chosen handler and port (stopping a previous one)."""
        with self._actions:
            self.stop()
            with self._lock:
                self._totals = [0, 0, 0]
                self.counters.value = self._counter_text(0, 0, 0)
            handler, port = self.handler_choice.value, int(self.port_choice.value)
            try:
                server = Server(handler, port=port, host=self.host_choice.value.strip() or LOOPBACK,
                                name=self.panel_name)
            except ValueError as error:  # e.g. a lone bracket in the host
                self.status.value = error_html(f"could not start: {error}")
                return
            server.log.add_listener(self._on_event)
            try:
                server.start()
            except (OSError, SockutilError) as error:
                server.log.remove_listener(self._on_event)
                self.status.value = error_html(f"could not start: {error}")
                return
            self.server = server
            where = host_port(*server.address)
            self.status.value = (f"<span style='color:#080'>listening on <code>{html.escape(where)}</code></span>"
                                 f" ({html.escape(handler)}){_exposure(server.address[0])}")
            self.start_button.disabled, self.stop_button.disabled = True, False
            self.handler_choice.disabled = self.host_choice.disabled = self.port_choice.disabled = True

    def stop(self) -> None:
        """Stop the server, if one is running."""
        with self._actions:
            server, self.server = self.server, None
            if server is not None:
                server.stop()
                server.log.remove_listener(self._on_event)
                self.status.value = "stopped"
            self.start_button.disabled, self.stop_button.disabled = False, True
            self.handler_choice.disabled = self.host_choice.disabled = self.port_choice.disabled = False

    @property
    def port(self) -> int | None:
        """The running server's port, or None."""
        server = self.server
        return server.port if server is not None and server.running else None

    @property
    def connect_address(self) -> tuple[str, int] | None:
        """``(host, port)`` a client on this machine connects to, or None if no server runs.

        The server's own address, except for a wildcard (``0.0.0.0``, ``::``),
        which is not a destination: then the loopback address of its family.
        Read from one server, so host and port always belong together.
        """
        server = self.server
        if server is None or not server.running:
            return None
        host, port = server.address
        return {"0.0.0.0": LOOPBACK, "::": "::1"}.get(host, host), port

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
            self._live_log.add(str(event))
            # Running totals, one event at a time: re-summing the whole log on
            # every recv would grow with the log on the server's hot path.
            if event.kind == ev.OPENED:
                self._totals[0] += 1
            elif event.kind == ev.RECEIVED:
                self._totals[1] += event.nbytes
            elif event.kind == ev.SENT:
                self._totals[2] += event.nbytes
            else:
                return
            self.counters.value = self._counter_text(*self._totals)


def _exposure(host: str) -> str:
    """A warning, as HTML, when a server on ``host`` can be reached from other machines; else ``""``."""
    try:
        address = ipaddress.ip_address(unbracket(host).split("%")[0])
    except ValueError:
        return ""
    mapped = getattr(address, "ipv4_mapped", None)
    if address.is_loopback or (mapped is not None and mapped.is_loopback):
        return ""
    return " " + error_html("other machines can connect to it: use 127.0.0.1 or ::1 to keep it to this machine")
