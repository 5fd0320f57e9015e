"""The stream lab: the same bytes, cut differently by the sender's sends and the receiver's recvs.

A run lasts as long as the sender's pauses add up to (the default message,
55 bytes, sent one byte at a time 200 ms apart takes 11 s), so it is a
cancellable ``Job``: closing the panel stops the run's server, whose handler
then stops sending, so the client sees the end of the stream at once and the
run ends without showing anything.
"""

from __future__ import annotations

import html
import threading

import ipywidgets as w

from ..clients import DEFAULT_TIMEOUT, connect, recv_chunks
from ..errors import describe_error
from ..handlers import make_chunky
from ..servers import Server
from .base import Job, Panel, error_html, figure_view, number_field, picture, plots

__all__ = ["StreamLab"]


class StreamLab(Panel):
    """The same bytes, cut differently: sender's chunk size and pause against the receiver's recv size.

    Run sends the message through a real loopback connection (a chunky
    server sends it in pieces of ``chunk size`` bytes, ``pause`` ms apart) and
    a client receives with ``recv(recv size)``; the panel shows what each
    recv returned and redraws a plot of both cuttings.
    """

    kind = "StreamLab"

    def __init__(self, message: str = "TCP is a byte stream: it keeps no message boundaries.\n",
                 name: str = "stream-lab") -> None:
        self.message = w.Text(value=message, description="message", layout=w.Layout(width="36em"),
                              tooltip="the text the server sends, as UTF-8")
        self.chunk = number_field(4, 1, 64, "send size (bytes)", "bytes in each piece the server sends")
        self.pause = number_field(20, 0, 200, "pause (ms)", "milliseconds between the server's sends", step=5)
        self.recv_size = number_field(16, 1, 64, "recv size (bytes)", "the client's recv(n): at most n bytes")
        self.run_button = w.Button(description="Run", button_style="primary", icon="play",
                                   tooltip="send the message through a real loopback connection")
        self.result = w.HTML(value="press Run")
        self.image = figure_view()
        self.run_button.on_click(lambda _: self.run())
        self._thread: threading.Thread | None = None
        self._job: Job | None = None
        self.last_chunks: list[bytes] = []
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
        self._cancel()
        job = self._job = Job()
        self.run_button.disabled = True
        self.result.value = "running ..."
        self._thread = threading.Thread(target=self._run, args=(job,), name=f"sockutil-lab:{self.panel_name}",
                                        daemon=True)
        self._thread.start()
        if wait:
            self._thread.join(DEFAULT_TIMEOUT * 3)

    def _run(self, job: Job) -> None:
        data = self.message.value.encode("utf-8") or b"(empty)"
        chunk, pause, size = self.chunk.value, self.pause.value / 1000, self.recv_size.value
        try:
            with Server(make_chunky(data, chunk, pause), name=self.panel_name) as server:
                if not job.adopt(server.stop):
                    return
                with connect(server.port) as sock:
                    chunks = recv_chunks(sock, size)
        except Exception as error:  # noqa: BLE001 - shown in the panel, never on stderr
            text = error_html(f"failed: {describe_error(error)}")
            job.publish(lambda: self._show(text, None))
            return
        if job.cancelled:
            return  # stopped midway: these chunks are not the whole message
        sent = [data[i:i + chunk] for i in range(0, len(data), chunk)]
        text = (
            f"sent in <b>{len(sent)}</b> pieces of up to {chunk} bytes; received in "
            f"<b>{len(chunks)}</b> recv calls of up to {size} bytes; the same bytes: "
            f"<b>{b''.join(chunks) == data}</b><br><code>"
            + html.escape(" | ".join(repr(c)[2:-1] for c in chunks)) + "</code>"
        )
        image = picture(lambda: plots().chunkings(
            {"sent (each send)": [len(s) for s in sent], "received (each recv)": [len(c) for c in chunks]},
            title="The same bytes, cut differently"))

        def show() -> None:
            self.last_chunks = chunks
            self._show(text, image)

        job.publish(show)

    def _show(self, text: str, image: str | None) -> None:
        self.result.value = text
        if image is not None:
            self.image.value = image
            self.image.layout.display = None
        self.run_button.disabled = False

    def _cancel(self) -> bool:
        """Cancel the run under way, if any; return whether there was one."""
        job, self._job = self._job, None
        return job is not None and job.cancel()

    def _stop_everything(self) -> None:
        if self._cancel():
            self.result.value = "stopped before the end: press Run"
        self.run_button.disabled = False
