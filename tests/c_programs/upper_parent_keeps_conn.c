/* Wrong: the parent never closes its copy of each client's socket, so no client ever sees the end. */
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
            ssize_t got;
            while ((got = recv(conn, data, sizeof data, 0)) > 0) {
                for (ssize_t i = 0; i < got; i++) data[i] = (char)toupper((unsigned char)data[i]);
                if (send_all(conn, data, (size_t)got) < 0) break;
            }
            close(conn);
            _exit(0);
        }
        /* missing: close(conn); */
    }
}
