/* Wrong: dereferences a null pointer at once (SIGSEGV), whatever it is asked. */
#include "kit.h"

int main(int argc, char **argv) {
    volatile int *nothing = NULL;
    (void)argc; (void)argv;
    return *nothing;
}
