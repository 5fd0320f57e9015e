/* Wrong: does nothing at all, for ever (never connects, never listens, never ends). */
#include "kit.h"

int main(void) {
    for (;;) pause();
}
