"""The kit's command line: run a lesson server in a terminal, to talk to it with nc or curl.

    python -m sockutil serve echo --port 4444     # then: nc 127.0.0.1 4444
    python -m sockutil serve http --port 4444     # then: curl http://127.0.0.1:4444/
    python -m sockutil resolve localhost

The server prints its events as they happen (a terminal is not a notebook:
printing is fine here) and stops on Ctrl+C, or by itself after ``--seconds``.
"""

from __future__ import annotations

import argparse
import sys
import threading

from .errors import SockutilError
from .handlers import HANDLERS
from .names import LOOPBACK, resolve
from .servers import Server


def _serve(args: argparse.Namespace) -> int:
    server = Server(args.handler, port=args.port, host=args.host, name=f"cli-{args.handler}")
    server.log.add_listener(lambda event: print(event, flush=True))
    try:
        server.start()
    except (OSError, SockutilError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    host, port = server.address
    print(f"{args.handler} server on {host}:{port}; press Ctrl+C to stop", flush=True)
    try:
        threading.Event().wait(args.seconds)  # None: until Ctrl+C
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _resolve(args: argparse.Namespace) -> int:
    try:
        for address in resolve(args.name):
            print(address)
    except SockutilError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sockutil", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run a ready-made server until Ctrl+C")
    serve.add_argument("handler", choices=sorted(HANDLERS))
    serve.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    serve.add_argument("--host", default=LOOPBACK, help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--seconds", type=float, default=None, help="stop by itself after this long")
    serve.set_defaults(run=_serve)
    lookup = commands.add_parser("resolve", help="print the addresses a name resolves to")
    lookup.add_argument("name")
    lookup.set_defaults(run=_resolve)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
