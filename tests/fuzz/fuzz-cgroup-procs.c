/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-cgroup-procs.c - the cgroup.procs stream parser: any cut gives the pids of the whole text */

#include <string.h>

#include "cgroupfs.h"
#include "fuzz.h"

#define PIDS_MAX 4096

struct pids {
        pid_t v[PIDS_MAX];
        size_t n;
};

static int collect(pid_t pid, void *userdata)
{
        struct pids *p = userdata;

        FUZZ_ASSERT(pid > 0); /* 0, negative and out-of-range numbers are never handed over */
        if (p->n < PIDS_MAX)
                p->v[p->n++] = pid;
        return 0;
}

static void parse(const uint8_t *data, size_t size, size_t piece, struct pids *out)
{
        struct cgroup_procs_parser p = {};

        out->n = 0;
        for (size_t off = 0; off < size; off += piece)
                FUZZ_ASSERT(cgroup_procs_feed(&p, (const char *)data + off,
                                              size - off < piece ? size - off : piece, collect, out) == 0);
        FUZZ_ASSERT(cgroup_procs_finish(&p, collect, out) == 0);
}

/* The first byte chooses the piece size; the rest is the file (any bytes: the kernel's or not). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct pids whole, cut;
        size_t piece;

        if (size == 0)
                return 0;
        piece = (size_t)data[0] % 64 + 1;
        parse(data + 1, size - 1, size, &whole);
        parse(data + 1, size - 1, piece, &cut);
        FUZZ_ASSERT(whole.n == cut.n);
        FUZZ_ASSERT(memcmp(whole.v, cut.v, whole.n * sizeof(whole.v[0])) == 0);
        return 0;
}
