"""Keeps a counter of its own that starts at 0: client 1 is greeted as client 0."""

HINT_WORDS = ("counts from 1",)


def write_greet_c(path):
    """Write greet.c, with your change, to path."""
    path.write_text(r"""/* greet.c: the first line every client gets, with its number. */
#include <stdio.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    static unsigned long clients = 0;    /* how many clients so far */
    (void)number;
    char line[64];
    int length = snprintf(line, sizeof line, "hello from C, client %lu\n", clients++);
    if (length < 0 || (size_t)length >= sizeof line)
        return -1;
    return send_all(fd, line, (size_t)length);
}
""")
