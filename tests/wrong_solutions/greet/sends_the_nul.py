"""Sends strlen(line) + 1 bytes: the string's terminating NUL goes out after the newline."""

HINT_WORDS = ("nul byte", "strlen(line)")


def write_greet_c(path):
    """Write greet.c, with your change, to path."""
    path.write_text(r"""/* greet.c: the first line every client gets, with its number. */
#include <stdio.h>
#include <string.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    char line[64];
    snprintf(line, sizeof line, "hello from C, client %lu\n", number);
    return send_all(fd, line, strlen(line) + 1);   /* + 1 for the '\0' */
}
""")
