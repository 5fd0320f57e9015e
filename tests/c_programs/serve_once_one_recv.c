/* Wrong: one recv() taken for the whole request. */
#include "kit.h"
#include <sys/time.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: serve_once PORT\n"); return 2; }
    struct timeval half = {0, 500000};
    int listener = listen_on(argv[1]);
    setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &half, sizeof half);  /* accept() gives up too */
    int conn = accept(listener, NULL, NULL);
    if (conn < 0) { perror("accept"); return 1; }
    setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &half, sizeof half);
    static char request[1 << 20];
    size_t have = 0;
    ssize_t got;
    if ((got = recv(conn, request, sizeof request, 0)) > 0) have = (size_t)got;
    if (got < 0) { perror("recv"); return 1; }
    static char reply[1 << 20];
    for (size_t i = 0; i < have; i++) reply[i] = (char)toupper((unsigned char)request[i]);
    if (send_all(conn, reply, have) < 0) { perror("send"); return 1; }
    close(conn);
    close(listener);
    fwrite(request, 1, have, stdout);
    return 0;
}
