/* Wrong: accepts clients for ever instead of n, so the n+1-th accept() waits for nobody. */
#include "kit.h"

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: serve_n PORT N\n"); return 2; }
    int listener = listen_on(argv[1]);  /* argv[2], n, is never looked at */
    static char data[1 << 20];
    for (int i = 0; ; i++) {  /* until no client comes */
        struct sockaddr_in peer;
        socklen_t size = sizeof peer;
        int conn = accept(listener, (struct sockaddr *)&peer, &size);
        if (conn < 0) { perror("accept"); return 1; }
        size_t have = 0;
        ssize_t got;
        while ((got = recv(conn, data + have, sizeof data - have, 0)) > 0) have += (size_t)got;
        close(conn);
        char host[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &peer.sin_addr, host, sizeof host);
        printf("%s %d %zu\n", host, ntohs(peer.sin_port), have);
        fwrite(data, 1, have, stdout);
        fflush(stdout);
    }
    close(listener);
    return 0;
}
