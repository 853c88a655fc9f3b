/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-config.c - reapd.conf through config_load(), then dump, copy and compare what it accepted */

#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

/*
 * A config of a few KB must not make the daemon balloon: it loads the config again on
 * SIGHUP, after mlockall(), possibly with oom_score_adj -1000, so every byte a regex costs
 * is locked and the kernel cannot take it back. glibc's regcomp() is exponential in stacked
 * quantifiers ("a+++...") and multiplicative in nested counted repeats ("((a{100}){100}){100}");
 * 256 MB of growth in the peak RSS is far beyond any sane rule set.
 */
#define CONFIG_RSS_GROWTH_MAX_KB (256 * 1024)

static long maxrss_kb(void)
{
        struct rusage ru;

        return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

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
        long rss0 = maxrss_kb();
        int r;

        FUZZ_ASSERT(ftruncate(memfd, 0) == 0);
        FUZZ_ASSERT(pwrite(memfd, data, size, 0) == (ssize_t)size);

        r = config_load(path, devnull, &c);
        FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ENOMEM || r == -ERANGE || r == -E2BIG);
        FUZZ_ASSERT(maxrss_kb() - rss0 < CONFIG_RSS_GROWTH_MAX_KB);
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
