"""Counts clients in a static variable of its own and ignores the parameter number."""

HINT_WORDS = ("number greet() is given",)


def write_greet_c(path):
    """Write greet.c, with your change, to path."""
    path.write_text(r"""/* greet.c: the first line every client gets, with its number. */
#include <stdio.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    static unsigned long clients = 0;    /* how many clients so far */
    (void)number;
    clients++;
    char line[64];
    int length = snprintf(line, sizeof line, "hello from C, client %lu\n", clients);
    if (length < 0 || (size_t)length >= sizeof line)
        return -1;
    return send_all(fd, line, (size_t)length);
}""")
