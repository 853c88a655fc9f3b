/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reaper-order.c - pure: how many reaper threads, and the order a pool takes a batch in */

#include <stdbool.h>
#include <stdint.h>

#include "kill.h"

unsigned reaper_threads_default(unsigned n_cpus)
{
        if (n_cpus == 0)
                return 1;
        return n_cpus < REAPER_THREADS_DEFAULT_MAX ? n_cpus : REAPER_THREADS_DEFAULT_MAX;
}

/* By hand rather than sscanf(), which may take a scratch buffer from malloc. */
uint32_t reaper_statm_pages(const char *buf)
{
        uint64_t resident = 0;
        const char *p = buf;

        while (*p >= '0' && *p <= '9')
                p++;
        if (p == buf || *p != ' ' || !(p[1] >= '0' && p[1] <= '9'))
                return 0;
        for (p++; *p >= '0' && *p <= '9'; p++) {
                resident = resident * 10 + (uint64_t)(*p - '0');
                if (resident > UINT32_MAX)
                        return UINT32_MAX;
        }
        return (uint32_t)resident;
}

/* a goes before b: larger, or as large and listed first */
static bool item_before(const struct reaper_item *a, const struct reaper_item *b)
{
        return a->pages > b->pages || (a->pages == b->pages && a->index < b->index);
}

static void sift_down(struct reaper_item *items, size_t root, size_t n)
{
        for (;;) {
                size_t child = 2 * root + 1;
                struct reaper_item tmp;

                if (child >= n)
                        return;
                /* a heap whose top goes last: the item that sorts last */
                if (child + 1 < n && item_before(&items[child], &items[child + 1]))
                        child++;
                if (!item_before(&items[root], &items[child]))
                        return;
                tmp = items[root];
                items[root] = items[child];
                items[child] = tmp;
                root = child;
        }
}

void reaper_order_by_size(struct reaper_item *items, size_t n)
{
        if (n < 2)
                return;
        for (size_t i = n / 2; i-- > 0;)
                sift_down(items, i, n);
        for (size_t end = n - 1; end > 0; end--) {
                struct reaper_item tmp = items[0];

                items[0] = items[end];
                items[end] = tmp;
                sift_down(items, 0, end);
        }
}
