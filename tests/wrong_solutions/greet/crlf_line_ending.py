"""Ends the line with \\r\\n, as HTTP does: the greeting has a carriage return before the newline."""

HINT_WORDS = ("carriage return",)


def write_greet_c(path):
    """Write greet.c, with your change, to path."""
    path.write_text(r"""/* greet.c: the first line every client gets, with its number. */
#include <stdio.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    char line[64];
    int length = snprintf(line, sizeof line, "hello from C, client %lu\r\n", number);
    if (length < 0 || (size_t)length >= sizeof line)
        return -1;
    return send_all(fd, line, (size_t)length);
}""")
