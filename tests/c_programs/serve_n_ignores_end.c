/* Wrong: recv() returning 0 is not taken as the end of the stream, so the loop spins for ever. */
#include "kit.h"

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: serve_n PORT N\n"); return 2; }
    int listener = listen_on(argv[1]), n = atoi(argv[2]);
    static char data[1 << 20];
    for (int i = 0; i < n; i++) {
        struct sockaddr_in peer;
        socklen_t size = sizeof peer;
        int conn = accept(listener, (struct sockaddr *)&peer, &size);
        if (conn < 0) { perror("accept"); return 1; }
        size_t have = 0;
        ssize_t got;
        while ((got = recv(conn, data + have, sizeof data - have, 0)) >= 0) have += (size_t)got;  /* 0 is not the end? */
        close(conn);
        char host[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &peer.sin_addr, host, sizeof host);
        printf("%s %d %zu\n", host, ntohs(peer.sin_port), have);
        fwrite(data, 1, have, stdout);
    }
    close(listener);
    return 0;
}
