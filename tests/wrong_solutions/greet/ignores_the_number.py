"""Writes the number into the text by hand: every client is greeted as client 1."""

HINT_WORDS = ("same number",)


def write_greet_c(path):
    """Write greet.c, with your change, to path."""
    path.write_text(r"""/* greet.c: the first line every client gets, with its number. */
#include <string.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    (void)number;                        /* not used yet */
    const char *line = "hello from C, client 1\n";
    return send_all(fd, line, strlen(line));
}
""")
