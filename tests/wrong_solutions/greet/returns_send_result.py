"""Returns the number of bytes sent, where greet() must return 0 once every byte has gone."""

HINT_WORDS = ("return 0", "not the number of bytes")


def write_greet_c(path):
    """Write greet.c, with your change, to path."""
    path.write_text(r"""/* greet.c: the first line every client gets, with its number. */
#include <stdio.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    char line[64];
    int length = snprintf(line, sizeof line, "hello from C, client %lu\n", number);
    if (length < 0 || (size_t)length >= sizeof line)
        return -1;
    if (send_all(fd, line, (size_t)length) == -1)
        return -1;
    return length;                       /* the bytes sent */
}
""")
