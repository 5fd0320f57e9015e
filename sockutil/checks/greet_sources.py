"""The C sources of notebook 10's greet exercise: the shared header, greet.c as given, and the check's server.

Why a module of its own: they are C, read and compiled by the check
(``c_and_python.check_greet``) and by the tests, and they are most of that
check's length. ``DRIVER_C`` greets one client for each of ``NUMBERS``, not
only 1, 2, 3: a buffer sized for one digit, a signed or narrower format, or a
count kept by greet() itself then shows. Linked with ``-Wl,--wrap=send``
and ``-DSHORT_SENDS=n`` (GNU ld and lld; macOS's linker has no ``--wrap``),
every ``send()`` in it, greet()'s too, takes at most n bytes, as a real
``send()`` may: a greet() that calls ``send()`` once shows. It tells the
check on standard error when greet() returned something other than 0, or
closed the server's socket.

Bottom of the check's floor: the standard library only, no I/O.
"""

from __future__ import annotations

import struct

__all__ = ["DRIVER_C", "GREET_H", "NUMBERS", "ORIGINAL_GREET_C", "SHORT_SEND", "ULONG_MAX"]

#: The size of a C ``unsigned long`` here (8 on 64-bit Linux and macOS), and the largest one.
ULONG_MAX = 2 ** (8 * struct.calcsize("L")) - 1

#: The numbers the check's server passes to greet(), one client each: not only 1, 2, 3, so that a
#: buffer sized for one digit, a signed or narrower format, or a count of greet()'s own shows.
NUMBERS = (1, 2, 10, ULONG_MAX)

#: With the linker's ``--wrap`` (GNU ld and lld; not macOS's), every send() in the check's server,
#: greet()'s included, takes at most this many bytes, as a real send() may: one send() is not enough.
SHORT_SEND = 5

#: greet.h as the notebook writes it: what the server and greet.c share.
GREET_H = r"""/* greet.h: what server.c and greet.c share. */
#ifndef GREET_H
#define GREET_H

#include <stddef.h>

/* Send all len bytes of buf on socket fd, however many send() calls that
   takes. Returns 0, or -1 after printing why. (In server.c.) */
int send_all(int fd, const char *buf, size_t len);

/* Greet the number-th client since the server started, counting from 1.
   Returns 0, or -1 if the greeting could not be sent. (In greet.c.) */
int greet(int fd, unsigned long number);

#endif
"""

#: greet.c as the notebook first writes it (and as the exercise's cell starts): to be changed.
ORIGINAL_GREET_C = r"""/* greet.c: the first line every client gets. */
#include <string.h>

#include "greet.h"

int greet(int fd, unsigned long number)
{
    (void)number;                        /* not used yet */
    const char *line = "hello from C\n";
    return send_all(fd, line, strlen(line));
}
"""

#: The check's own server: greets a client for each of NUMBERS in turn with the student's greet(), then exits.
DRIVER_C = r"""/* The self-check's server: greet() from your greet.c, for each client in turn. */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "greet.h"

static const unsigned long numbers[] = {%(numbers)s};
#define CLIENTS (sizeof numbers / sizeof numbers[0])

#ifdef SHORT_SENDS
/* Linked with -Wl,--wrap=send: every send() in this program, greet()'s too,
   takes at most SHORT_SENDS bytes, as a real send() may. */
ssize_t __real_send(int fd, const void *buf, size_t len, int flags);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
    return __real_send(fd, buf, len < SHORT_SENDS ? len : SHORT_SENDS, flags);
}
#endif

int send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t sent = send(fd, buf, len, 0);
        if (sent == -1) {
            if (errno == EINTR)
                continue;
            perror("send");
            return -1;
        }
        buf += sent;
        len -= (size_t)sent;
    }
    return 0;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener == -1) {
        perror("socket");
        return 1;
    }
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (bind(listener, (struct sockaddr *)&address, sizeof address) == -1
            || listen(listener, CLIENTS) == -1
            || getsockname(listener, (struct sockaddr *)&address, &length) == -1) {
        perror("bind, listen or getsockname");
        return 1;
    }
    printf("port %%u\n", (unsigned)ntohs(address.sin_port));
    fflush(stdout);
    for (size_t i = 0; i < CLIENTS; i++) {
        unsigned long number = numbers[i];
        int fd = accept(listener, NULL, NULL);
        if (fd == -1) {
            perror("accept");
            return 1;
        }
        int status = greet(fd, number);
        if (status != 0)
            fprintf(stderr, "greet() returned %%d for client %%lu\n", status, number);
        if (fcntl(fd, F_GETFD) == -1) {  /* greet() closed the server's socket */
            fprintf(stderr, "greet() closed the socket of client %%lu\n", number);
            continue;
        }
        shutdown(fd, SHUT_WR);           /* the end of the greeting */
        char buf[256];
        while (recv(fd, buf, sizeof buf, 0) > 0)
            ;                            /* until the client closes */
        close(fd);
    }
    close(listener);
    return 0;
}
""" % {"numbers": ", ".join(f"{n}UL" for n in NUMBERS)}

