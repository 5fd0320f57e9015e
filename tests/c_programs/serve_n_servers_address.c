/* Wrong: records each client under the server's own address (getsockname), not the one accept() gave. */
#include "kit.h"

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: serve_n PORT N\n"); return 2; }
    int listener = listen_on(argv[1]), n = atoi(argv[2]);
    static char data[1 << 20];
    for (int i = 0; i < n; i++) {
        struct sockaddr_in peer;
        socklen_t size = sizeof peer;
        int conn = accept(listener, NULL, NULL);
        getsockname(conn, (struct sockaddr *)&peer, &size);  /* the server's own end */
        if (conn < 0) { perror("accept"); return 1; }
        size_t have = 0;
        ssize_t got;
        while ((got = recv(conn, data + have, sizeof data - have, 0)) > 0) have += (size_t)got;
        close(conn);
        char host[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &peer.sin_addr, host, sizeof host);
        printf("%s %d %zu\n", host, ntohs(peer.sin_port), have);
        fwrite(data, 1, have, stdout);
    }
    close(listener);
    return 0;
}
