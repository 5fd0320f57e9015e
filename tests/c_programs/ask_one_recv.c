/* Wrong: one recv() taken for the whole answer. */
#include "kit.h"

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    int fd = connect_to(argv[1]);
    send_all(fd, argv[2], strlen(argv[2]));
    send_all(fd, "\n", 1);
    char answer[4096];
    ssize_t got = recv(fd, answer, sizeof answer, 0);
    close(fd);
    if (got > 0) fwrite(answer, 1, (size_t)got, stdout);
    return 0;
}
