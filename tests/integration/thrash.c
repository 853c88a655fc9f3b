/* SPDX-License-Identifier: GPL-2.0-or-later */
/* thrash.c - a thrashing workload: fill SIZE_MB of anonymous memory, then touch random pages forever */

/*
 * Usage: thrash SIZE_MB [--ready-fd N] [--threads T]
 * Touches every page once (the fill), writes "filled\n" to fd N (then closes it), then writes
 * one byte to a random page, again and again, in T threads (default 1), until killed. Run in a cgroup whose limit is
 * well under SIZE_MB with swap on, every touch of a swapped-out page is a major fault: the
 * memory stall of LAB.md (about 10-13 % "some" for 1.4 GB in 400 MB). Reusable by any test.
 */

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* xorshift64: cheap enough that the page faults, not the generator, set the pace. */
static uint64_t next_random(uint64_t *s)
{
        uint64_t x = *s;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return *s = x;
}

struct toucher {
        char *p;
        size_t pages, page;
        uint64_t seed;
};

static void *touch_forever(void *arg)
{
        struct toucher *t = arg;

        for (;;) {
                size_t i = (size_t)(next_random(&t->seed) % t->pages);

                t->p[i * t->page]++;
        }
        return NULL;
}

/* Threads share the mapping, so each stall counts for the group: "some" is the share of time
 * at least one of them waits on memory, which two threads keep steadier than one. */
#define THREADS_MAX 64

int main(int argc, char **argv)
{
        struct toucher t[THREADS_MAX];
        unsigned long threads = 1;
        long page = sysconf(_SC_PAGESIZE);
        unsigned long long mb;
        int ready_fd = -1;
        size_t size, pages;
        uint64_t seed;
        char *end, *p;

        if (argc < 2 || argc % 2 != 0) {
                fprintf(stderr, "usage: %s SIZE_MB [--ready-fd N] [--threads T]\n", argv[0]);
                return 2;
        }
        mb = strtoull(argv[1], &end, 10);
        if (*end || mb == 0 || mb > (1ULL << 30)) {
                fprintf(stderr, "thrash: bad size '%s'\n", argv[1]);
                return 2;
        }
        for (int a = 2; a + 1 < argc; a += 2) {
                if (strcmp(argv[a], "--ready-fd") == 0)
                        ready_fd = atoi(argv[a + 1]);
                else if (strcmp(argv[a], "--threads") == 0) {
                        threads = strtoul(argv[a + 1], &end, 10);
                        if (*end || threads == 0 || threads > THREADS_MAX) {
                                fprintf(stderr, "thrash: bad thread count '%s'\n", argv[a + 1]);
                                return 2;
                        }
                } else {
                        fprintf(stderr, "thrash: unknown option '%s'\n", argv[a]);
                        return 2;
                }
        }

        size = (size_t)mb << 20;
        pages = size / (size_t)page;
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
                perror("thrash: mmap");
                return 1;
        }
        /* One distinct non-zero byte per page, as hog.c: real faults, nothing KSM could merge. */
        for (size_t i = 0; i < pages; i++)
                p[i * (size_t)page] = (char)(i | 1);

        if (ready_fd >= 0) {
                if (write(ready_fd, "filled\n", 7) != 7)
                        return 1;
                close(ready_fd);
        }
        seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ULL;
        for (unsigned long k = 0; k < threads; k++) {
                pthread_t tid;

                t[k] = (struct toucher){
                        .p = p, .pages = pages, .page = (size_t)page, .seed = seed + k * 7919};
                if (k + 1 < threads && pthread_create(&tid, NULL, touch_forever, &t[k]) != 0) {
                        fprintf(stderr, "thrash: pthread_create failed\n");
                        return 1;
                }
        }
        touch_forever(&t[threads - 1]);
        return 0;
}
