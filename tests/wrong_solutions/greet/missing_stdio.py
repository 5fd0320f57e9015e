"""Forgets #include <stdio.h>: snprintf is declared implicitly, and the compiler warns."""

HINT_WORDS = ("the compiler warns", "snprintf")


def write_greet_c(path):
    """Write greet.c, with your change, to path."""
    path.write_text(r"""/* greet.c: the first line every client gets, with its number. */
#include "greet.h"

int greet(int fd, unsigned long number)
{
    char line[64];
    int length = snprintf(line, sizeof line, "hello from C, client %lu\n", number);
    if (length < 0 || (size_t)length >= sizeof line)
        return -1;
    return send_all(fd, line, (size_t)length);
}""")
