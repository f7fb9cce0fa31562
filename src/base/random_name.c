/* random_name: 64 unpredictable bits; see include/base/random_name.h. */
#include "base/random_name.h"
#include "base/diag.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

uint64_t random_u64(void)
{
    uint64_t v = 0;

    for (;;) {
        ssize_t n = getrandom(&v, sizeof(v), 0);
        if (n == (ssize_t)sizeof(v) && v != 0)
            return v;
        if (n < 0 && errno != EINTR) {
            diag_errno("no random source for file names");
            abort();
        }
    }
}
