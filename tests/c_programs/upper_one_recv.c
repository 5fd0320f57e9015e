/* Wrong: one recv() per client, one reply, then close: a second message is never read. */
#include "kit.h"

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    signal(SIGCHLD, SIG_IGN);
    int listener = listen_on(argv[1]);
    for (;;) {
        int conn = accept(listener, NULL, NULL);
        if (conn < 0) continue;
        if (fork() == 0) {
            char data[65536];
            ssize_t got = recv(conn, data, sizeof data, 0);
            for (ssize_t i = 0; i < got; i++) data[i] = (char)toupper((unsigned char)data[i]);
            if (got > 0) send_all(conn, data, (size_t)got);
            close(conn);
            _exit(0);
        }
        close(conn);
    }
}
