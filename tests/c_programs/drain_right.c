/* drain PORT: connect, receive until recv() returns 0 (the peer closed), write every byte to stdout. */
#include "kit.h"

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: drain PORT\n"); return 2; }
    int fd = connect_to(argv[1]);
    char chunk[65536];
    ssize_t got;
    while ((got = recv(fd, chunk, sizeof chunk, 0)) > 0) fwrite(chunk, 1, (size_t)got, stdout);
    if (got < 0) { perror("recv"); return 1; }
    close(fd);
    return 0;
}
