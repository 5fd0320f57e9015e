"""serve_kv PORT IDLE_TIMEOUT, a program in another language than C: the lab's worked solution, run as a program.

It proves the "any language" half of the convention: the check starts it with
the port and the idle timeout as arguments, and stops it with SIGTERM, which
here sets the ``stop`` event the Python function watches.
"""

import importlib.util
import signal
import socket
import sys
import threading
from pathlib import Path

RIGHT = Path(__file__).resolve().parent.parent / "wrong_solutions" / "serve_kv" / "right.py"


def main() -> int:
    port, idle_timeout = int(sys.argv[1]), float(sys.argv[2])
    spec = importlib.util.spec_from_file_location("kv_right", RIGHT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with socket.create_server(("127.0.0.1", port)) as listener:
        module.serve_kv(listener, stop, idle_timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
