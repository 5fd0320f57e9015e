"""Writes the greeting with fprintf(stderr, ...): it goes to the server log, not to the client."""

HINT_WORDS = ("nothing arrived",)


def write_greet_c(path):
    """Write greet.c, with your change, to path."""
    path.write_text(r"""/* greet.c: the first line every client gets, with its number. */
#include <stdio.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    (void)fd;
    fprintf(stderr, "hello from C, client %lu\n", number);
    return 0;
}""")
