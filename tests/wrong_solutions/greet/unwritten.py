"""The notebook's greet.c, unchanged: every client is greeted with "hello from C"."""

HINT_WORDS = ("write greet() first",)


def write_greet_c(path):
    """Write greet.c, with your change, to path."""
    path.write_text(r"""/* greet.c: the first line every client gets. */
#include <string.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    (void)number;                        /* not used yet */
    const char *line = "hello from C\n";
    return send_all(fd, line, strlen(line));
}
""")
