"""Closes fd after sending: the socket belongs to the server, which still shuts it down and closes it."""

HINT_WORDS = ("close",)


def write_greet_c(path):
    """Write greet.c, with your change, to path."""
    path.write_text(r"""/* greet.c: the first line every client gets, with its number. */
#include <stdio.h>
#include <unistd.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    char line[64];
    int length = snprintf(line, sizeof line, "hello from C, client %lu\n", number);
    if (length < 0 || (size_t)length >= sizeof line)
        return -1;
    int status = send_all(fd, line, (size_t)length);
    close(fd);                           /* done with this client */
    return status;
}""")
