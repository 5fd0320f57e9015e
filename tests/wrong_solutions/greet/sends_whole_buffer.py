"""Sends the whole 64-byte buffer: the greeting, then its NUL and whatever the rest of the buffer held."""

HINT_WORDS = ("whole buffer", "snprintf")


def write_greet_c(path):
    """Write greet.c, with your change, to path."""
    path.write_text(r"""/* greet.c: the first line every client gets, with its number. */
#include <stdio.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    char line[64];
    snprintf(line, sizeof line, "hello from C, client %lu\n", number);
    return send_all(fd, line, sizeof line);
}
""")
