/* ask PORT QUESTION: send the question and a newline, read until the answer's newline, print it. */
#include "kit.h"

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: ask PORT QUESTION\n"); return 2; }
    int fd = connect_to(argv[1]);
    if (send_all(fd, argv[2], strlen(argv[2])) < 0 || send_all(fd, "\n", 1) < 0) { perror("send"); return 1; }
    char answer[4096];
    size_t have = 0;
    while (have == 0 || answer[have - 1] != '\n') {
        ssize_t got = recv(fd, answer + have, sizeof answer - have, 0);
        if (got < 0) { perror("recv"); return 1; }
        if (got == 0) { fprintf(stderr, "the server closed before the answer's end\n"); return 1; }
        have += (size_t)got;
        if (have == sizeof answer) { fprintf(stderr, "answer too long\n"); return 1; }
    }
    close(fd);
    fwrite(answer, 1, have, stdout);  /* the answer's line, newline included */
    return 0;
}
