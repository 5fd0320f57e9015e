"""Calls send() once and ignores what it returns: a short send loses the end of the line."""

HINT_WORDS = ("send_all",)


def write_greet_c(path):
    """Write greet.c, with your change, to path."""
    path.write_text(r"""/* greet.c: the first line every client gets, with its number. */
#include <stdio.h>
#include <sys/socket.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    char line[64];
    int length = snprintf(line, sizeof line, "hello from C, client %lu\n", number);
    if (length < 0 || (size_t)length >= sizeof line)
        return -1;
    if (send(fd, line, (size_t)length, 0) == -1)
        return -1;
    return 0;
}""")
