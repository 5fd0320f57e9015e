"""Uses socket.create_server((host, port)): the socket it returns listens already."""

HINT_WORDS = ("without calling listen()",)

import errno
import socket


def bind_preferred(port: int, host: str = "127.0.0.1") -> socket.socket:
    try:
        return socket.create_server((host, port))
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
    return socket.create_server((host, 0))
