"""Live panels for the notebooks: poke a real loopback server without a second terminal.

Theory of operation
-------------------
Every panel is an ipywidgets box whose buttons start and stop real servers
and clients in background threads, so the kernel stays free: a student can
run other cells and click buttons at the same time.

Background threads update the panels only by setting widget traits (a
label's ``value``, an HTML log's ``value``, a figure's HTML). That is safe
from any thread and invisible to nbval. They never use ``with output:`` from
a thread, which would put text into whichever cell happens to be running.
Two threads may update one panel at once (two connections of a server, a
reader and a Close click): each panel writes its widgets under its own lock,
so a later state is never overwritten by an earlier one.

Panels have names, like servers: creating a panel under a name that already
exists closes the old panel and stops what it started, so re-running a cell
replaces it cleanly, and at once. Closing never waits for a background run
to end on its own: it stops the servers that run started (which ends its
clients), cancels the run so that its results are dropped rather than shown,
and returns. Everything a panel starts stops when the kernel shuts down
(servers through ``sockutil.stop_all`` at exit, the rest here).

The text form of a panel (what nbval compares, and what a notebook shows
when widgets are not rendered) is one stable line, e.g.
``ServerPanel 'panel': echo server, stopped``.

Layout: one module per panel (``server_panel``, ``client_console``,
``stream_lab``, ``many_clients``) and ``base`` for what they share: the
registry by name, the live log, cancellable background runs, figures as PNG.
"""

from .base import LOG_LINES, close_all_panels
from .client_console import ClientConsole
from .many_clients import ManyClients
from .server_panel import ServerPanel
from .stream_lab import StreamLab

__all__ = ["ServerPanel", "ClientConsole", "StreamLab", "ManyClients", "close_all_panels"]
