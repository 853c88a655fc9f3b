/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-config.c - reapd.conf through config_load(), then dump, copy and compare what it accepted */

#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

/* The file is a memfd reached as /proc/self/fd/N: no temp files, and "N.d/" never exists. */
static int memfd = -1;
static char path[64];
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        memfd = memfd_create("reapd-fuzz.conf", MFD_CLOEXEC);
        FUZZ_ASSERT(memfd >= 0);
        snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
        /* the diagnostics are printed, so their formatting paths run, but nowhere */
        devnull = fopen("/dev/null", "we");
        FUZZ_ASSERT(devnull);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct reapd_config c, copy;
        int r;

        FUZZ_ASSERT(ftruncate(memfd, 0) == 0);
        FUZZ_ASSERT(pwrite(memfd, data, size, 0) == (ssize_t)size);

        r = config_load(path, devnull, &c);
        FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ENOMEM || r == -ERANGE || r == -E2BIG);
        if (r < 0)
                return 0;
        config_dump(&c, devnull);
        /* what the loader accepted, the reload path must copy and find equal to itself */
        FUZZ_ASSERT(config_equal(&c, &c));
        r = config_copy(&c, &copy);
        FUZZ_ASSERT(r == 0);
        FUZZ_ASSERT(config_equal(&c, &copy));
        config_done(&copy);
        config_done(&c);
        return 0;
}
