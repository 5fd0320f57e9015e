/* Wrong: reads until the server closes, but the server waits for the next question. */
#include "kit.h"

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    int fd = connect_to(argv[1]);
    send_all(fd, argv[2], strlen(argv[2]));
    send_all(fd, "\n", 1);
    char answer[4096];
    size_t have = 0;
    ssize_t got;
    while ((got = recv(fd, answer + have, sizeof answer - have, 0)) > 0) have += (size_t)got;
    close(fd);
    fwrite(answer, 1, have, stdout);
    return 0;
}
