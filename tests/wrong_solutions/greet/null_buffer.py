"""Formats into a NULL pointer, as if sprintf made room for the text: the server crashes."""

HINT_WORDS = ("memory it does not own",)


def write_greet_c(path):
    """Write greet.c, with your change, to path."""
    path.write_text(r"""/* greet.c: the first line every client gets, with its number. */
#include <stdio.h>
#include <string.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    char *line = NULL;                   /* sprintf makes room for the text */
    sprintf(line, "hello from C, client %lu\n", number);
    return send_all(fd, line, strlen(line));
}
""")
