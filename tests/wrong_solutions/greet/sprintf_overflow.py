"""sprintf into a 16-byte buffer: the line does not fit and overruns the stack."""

HINT_WORDS = ("memory it does not own",)


def write_greet_c(path):
    """Write greet.c, with your change, to path."""
    path.write_text(r"""/* greet.c: the first line every client gets, with its number. */
#include <stdio.h>
#include <string.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    char line[16];
    sprintf(line, "hello from C, client %lu\n", number);
    return send_all(fd, line, strlen(line));
}""")
