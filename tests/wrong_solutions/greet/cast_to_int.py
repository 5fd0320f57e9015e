"""Silences the %d warning with a cast to int: numbers above INT_MAX are cut and come out wrong."""

HINT_WORDS = ("%lu",)


def write_greet_c(path):
    """Write greet.c, with your change, to path."""
    path.write_text(r"""/* greet.c: the first line every client gets, with its number. */
#include <stdio.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    char line[64];
    int length = snprintf(line, sizeof line, "hello from C, client %d\n", (int)number);
    if (length < 0 || (size_t)length >= sizeof line)
        return -1;
    return send_all(fd, line, (size_t)length);
}""")
