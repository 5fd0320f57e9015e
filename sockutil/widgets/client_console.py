"""The client console: connect, type and send, and see every ``recv`` chunk with its size as it arrives.

Theory of operation
-------------------
Connect runs ``connect()`` and then a read loop in one background thread,
so a slow or silent server never blocks the kernel. Each Connect is an
*attempt*, a token the console keeps while it is current. Close (or a new
Connect, or re-running the cell) takes the attempt away, under the console's
lock, whether the thread is still connecting or already reading:

* still connecting: the thread finds, when ``connect()`` returns, that its
  attempt is no longer current; it closes the new socket at once and ends.
  (The close is not lost, and no read loop starts for a connection nobody
  wants.)
* reading: Close shuts the socket down (``SHUT_RDWR``), which wakes the
  blocked ``recv`` at once; the thread closes the socket and ends quietly.
  Only the reading thread closes the socket, and under the lock, so Close
  never shuts down a descriptor number that a new socket has reused.

The thread shows what happened (connected, a chunk, the server's close, a
reset) only while its attempt is current, and under the same lock, so a late
"connected" can never overwrite "not connected" after a Close.
"""

from __future__ import annotations

import html
import socket
import threading

import ipywidgets as w

from ..clients import DEFAULT_TIMEOUT, connect
from ..errors import describe_error
from ..names import LOOPBACK, host_port, unbracket
from .base import LiveLog, Panel, error_html
from .server_panel import ServerPanel

__all__ = ["ClientConsole"]

#: Bytes asked of each ``recv``: more than a typed message, so one line usually
#: comes back in one chunk, yet small enough that a long reply shows its cuts.
RECV_SIZE = 4096


class _Attempt:
    """One Connect click: current until Close, a new Connect, or the connection's end."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.where = host_port(host, port)  # [::1]:4444 for IPv6, as people write it


class ClientConsole(Panel):
    """Connect, type and send, and see every ``recv`` chunk with its size as it arrives.

    Refused, reset and timed-out connections are shown in plain words in the
    panel, never as a traceback. ``server`` may be a ``ServerPanel``: with the
    port left at 0, Connect goes to that panel's server, at its address and
    port (so a server panel on ``::1`` is reached over IPv6). The host may be
    an IPv4 or IPv6 address, with or without brackets (``[::1]``), or a name.
    """

    kind = "ClientConsole"

    def __init__(self, server: ServerPanel | None = None, host: str = LOOPBACK, port: int = 0,
                 name: str = "client-console", timeout: float = DEFAULT_TIMEOUT) -> None:
        self.server_panel = server
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self._attempt: _Attempt | None = None
        self._reader: threading.Thread | None = None
        self._lock = threading.Lock()  # the attempt, the socket, and the widgets showing them
        self._live_log = LiveLog(f"client log of {name}")
        self.log_view = self._live_log.view
        self.host_choice = w.Text(value=host, description="host",
                                  tooltip="the server's address (127.0.0.1, ::1) or name")
        self.port_choice = w.BoundedIntText(value=port, min=0, max=65535, description="port",
                                            tooltip="0: the address and port of the server panel")
        self.connect_button = w.Button(description="Connect", button_style="primary", icon="plug",
                                       tooltip="connect() in the background, then show every recv")
        self.message = w.Text(value="hello", placeholder="text to send", description="message",
                              tooltip="the text to send, encoded as UTF-8")
        self.newline = w.Checkbox(value=True, description="add \\n", indent=False,
                                  tooltip="end the message with a newline byte")
        self.send_button = w.Button(description="Send", icon="paper-plane", disabled=True,
                                    tooltip="sendall() the message")
        self.half_close_button = w.Button(description="Half-close (SHUT_WR)", disabled=True,
                                          tooltip="shutdown(SHUT_WR): send no more, keep receiving",
                                          layout=w.Layout(width="14em"))
        self.close_button = w.Button(description="Close", icon="times", disabled=True,
                                     tooltip="close() the connection")
        self.status = w.HTML(value="not connected")
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
        self._live_log.add(line)

    def _show(self, state: str, status: str) -> None:
        """Buttons and status for ``state``: "idle", "connecting" or "connected" (call under the lock)."""
        self.connect_button.disabled = state != "idle"
        self.close_button.disabled = state == "idle"
        self.send_button.disabled = self.half_close_button.disabled = state != "connected"
        self.status.value = status

    # -- actions
    def connect(self) -> None:
        """Connect in a background thread, so a slow or silent server never blocks the kernel."""
        self.close_connection()
        try:
            host = unbracket(self.host_choice.value) or LOOPBACK
        except ValueError as error:  # a lone bracket
            self.status.value = error_html(str(error))
            return
        port = int(self.port_choice.value)
        panel = self.server_panel
        if port == 0 and panel is not None:
            address = panel.connect_address  # one read: host and port of the same server, or None
            if address is not None:
                host, port = address
        if port == 0:
            self.status.value = "choose a port (or start the server panel first)"
            return
        attempt = _Attempt(host, port)
        with self._lock:
            self._attempt = attempt
            self._show("connecting", f"connecting to {html.escape(attempt.where)} ...")
        self._reader = threading.Thread(target=self._connect_and_read, args=(attempt,),
                                        name=f"sockutil-console:{self.panel_name}", daemon=True)
        self._reader.start()

    def _connect_and_read(self, attempt: _Attempt) -> None:
        host, port, where = attempt.host, attempt.port, attempt.where
        try:
            sock = connect(port, host, self.timeout)
        except ConnectionRefusedError:
            self._fail(attempt, f"connection refused: nothing listens on {where}")
            return
        except TimeoutError:
            self._fail(attempt, f"no answer from {where} within {self.timeout:g} s")
            return
        except Exception as error:  # noqa: BLE001 - e.g. a host name IDNA cannot encode: shown, never raised
            self._fail(attempt, f"could not connect: {describe_error(error)}")
            return
        with self._lock:
            current = self._attempt is attempt
            if current:
                self.sock = sock
                self._show("connected",
                           f"<span style='color:#080'>connected to <code>{html.escape(where)}</code></span>")
                self._say(f"connected to {where}")
        if not current:
            sock.close()  # closed (or replaced) while connecting: nobody wants this connection
            self._say(f"the abandoned connect() to {where} finished; closed that connection")
            return
        self._read_loop(sock, attempt)

    def _read_loop(self, sock: socket.socket, attempt: _Attempt) -> None:
        try:
            while self._attempt is attempt:
                try:
                    data = sock.recv(RECV_SIZE)
                except TimeoutError:
                    continue  # idle; the socket's timeout only bounds each wait
                except ConnectionResetError:
                    self._end(attempt, "connection reset by the peer (RST)")
                    return
                except OSError as error:  # ours after Close (then _end is silent), or the network's
                    self._end(attempt, f"recv failed: {describe_error(error)}")
                    return
                if not data:
                    self._end(attempt, "recv → b'' : the server closed its side")
                    return
                self._say(f"recv → {len(data)} bytes {data!r}")
        finally:
            self._end(attempt, None)
            with self._lock:  # never while Close is still shutting it down
                sock.close()

    def _end(self, attempt: _Attempt, why: str | None) -> None:
        """The connection ended: say why and show "not connected", if the attempt is still current."""
        with self._lock:
            if self._attempt is not attempt:
                return  # Close already said so
            self._attempt = self.sock = None
            if why:
                self._say(why)
            self._show("idle", "not connected")

    def _fail(self, attempt: _Attempt, text: str) -> None:
        with self._lock:
            if self._attempt is not attempt:
                return  # abandoned: its failure is no longer news
            self._attempt = None
            self._say(text)
            self._show("idle", error_html(text))

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
        """Close the connection, or abandon a connect still pending; returns at once.

        The reading thread sees the shutdown, closes the socket and ends.
        """
        with self._lock:
            attempt, sock = self._attempt, self.sock
            self._attempt = self.sock = None
            if attempt is None:
                return
            self._show("idle", "not connected")
            if sock is None:
                self._say(f"close(): abandoned the pending connect() to {attempt.where}")
                return
            self._say("close()")
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the reading thread at once
            except OSError:
                pass  # the peer was faster: the reader is ending anyway

    def _stop_everything(self) -> None:
        self.close_connection()
