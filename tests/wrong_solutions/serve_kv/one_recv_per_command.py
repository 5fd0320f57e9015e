"""Takes every recv() for one whole command: pieces and pipelined commands go wrong."""

HINT_WORDS = ("one recv() is not one command",)

import socket
import threading


def serve_kv(listener: socket.socket, stop: threading.Event, idle_timeout: float = 1.0) -> None:
    store, lock = {}, threading.Lock()

    def client(sock: socket.socket) -> None:
        with sock:
            sock.settimeout(idle_timeout)
            try:
                while data := sock.recv(4096):
                    head, _, rest = data.partition(b"\n")
                    words = head.decode("utf-8", "replace").split(" ")
                    with lock:
                        if words[0] == "SET" and len(words) == 3:
                            store[words[1]] = rest
                            reply = b"OK\n"
                        elif words[0] == "GET" and len(words) == 2 and words[1] in store:
                            reply = b"VALUE %d\n" % len(store[words[1]]) + store[words[1]]
                        elif words[0] in ("GET", "DEL") and len(words) == 2:
                            reply = b"DELETED\n" if store.pop(words[1], None) is not None else b"NOT_FOUND\n"
                        else:
                            reply = b"ERROR unknown command\n"
                    sock.sendall(reply)
            except OSError:
                pass

    listener.settimeout(0.1)
    while not stop.is_set():
        try:
            sock, _ = listener.accept()
        except TimeoutError:
            continue
        threading.Thread(target=client, args=(sock,), daemon=True).start()
