/* serve_upper PORT: a process per client (fork); each client's bytes come back in capitals until it closes.
 * SIGTERM (the kit's stop) ends the server and, being sent to the whole process group, its children. */
#include "kit.h"

static void serve(int conn) {
    char data[65536];
    ssize_t got;
    while ((got = recv(conn, data, sizeof data, 0)) > 0) {
        for (ssize_t i = 0; i < got; i++) data[i] = (char)toupper((unsigned char)data[i]);
        if (send_all(conn, data, (size_t)got) < 0) break;
    }
    close(conn);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: serve_upper PORT\n"); return 2; }
    signal(SIGCHLD, SIG_IGN);  /* children are reaped by the kernel: no zombies */
    int listener = listen_on(argv[1]);
    for (;;) {
        int conn = accept(listener, NULL, NULL);
        if (conn < 0) { if (errno == EINTR) continue; perror("accept"); return 1; }
        pid_t child = fork();
        if (child == 0) { close(listener); serve(conn); _exit(0); }
        close(conn);  /* the child has its own copy */
    }
}
