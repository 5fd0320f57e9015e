"""A 20-byte buffer with snprintf, then strlen: the line is cut short and its newline lost, silently."""

HINT_WORDS = ("the compiler warns", "truncated")


def write_greet_c(path):
    """Write greet.c, with your change, to path."""
    path.write_text(r"""/* greet.c: the first line every client gets, with its number. */
#include <stdio.h>
#include <string.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    char line[20];
    snprintf(line, sizeof line, "hello from C, client %lu\n", number);
    return send_all(fd, line, strlen(line));
}""")
