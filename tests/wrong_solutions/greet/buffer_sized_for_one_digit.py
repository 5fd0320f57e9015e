"""Sizes the buffer for "hello from C, client 1\\n" exactly (24 bytes): from client 10 on the line does not fit."""

HINT_WORDS = ("big enough", "20 digits")


def write_greet_c(path):
    """Write greet.c, with your change, to path."""
    path.write_text(r"""/* greet.c: the first line every client gets, with its number. */
#include <stdio.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    char line[24];                       /* "hello from C, client 1\n" and its '\0' */
    int length = snprintf(line, sizeof line, "hello from C, client %lu\n", number);
    if (length < 0 || (size_t)length >= sizeof line)
        return -1;
    return send_all(fd, line, (size_t)length);
}""")
