/* Wrong: one recv() taken for the whole stream. */
#include "kit.h"

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    int fd = connect_to(argv[1]);
    char chunk[65536];
    ssize_t got = recv(fd, chunk, sizeof chunk, 0);
    if (got > 0) fwrite(chunk, 1, (size_t)got, stdout);
    close(fd);
    return 0;
}
