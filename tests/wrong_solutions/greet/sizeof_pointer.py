"""Sends sizeof(line) where line is a pointer: only the pointer's size in bytes (8) arrives."""

HINT_WORDS = ("sizeof", "pointer")


def write_greet_c(path):
    """Write greet.c, with your change, to path."""
    path.write_text(r"""/* greet.c: the first line every client gets, with its number. */
#include <stdio.h>
#include <stdlib.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    char *line = malloc(64);
    if (line == NULL)
        return -1;
    snprintf(line, 64, "hello from C, client %lu\n", number);
    int status = send_all(fd, line, sizeof line);
    free(line);
    return status;
}
""")
