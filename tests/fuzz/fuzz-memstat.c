/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-memstat.c - flat "key value" counter files: memstat_parse(), /proc/vmstat, memory.stat */

#include "cgroupfs.h"
#include "fuzz.h"
#include "meminfo.h"
#include "memstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const keys[] = {"pgscan", "a", "pgscan_direct", "total_active_file", ""};
        char *buf = fuzz_strdup(data, size);
        uint64_t vals[5] = {1, 2, 3, 4, 5}, seen = 99, reclaim = 777;
        int r;

        r = memstat_parse(buf, keys, 5, vals, &seen);
        FUZZ_ASSERT(r == 0 || r == -EINVAL);
        if (r < 0)
                FUZZ_ASSERT(seen == 99 && vals[0] == 1 && vals[4] == 5);
        else
                FUZZ_ASSERT(seen < (1u << 5) && !memstat_seen(seen, 4)); /* "" never names a line */

        r = meminfo_parse_vmstat(buf, &reclaim);
        FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ENODATA);
        if (r < 0)
                FUZZ_ASSERT(reclaim == 777);

        /* the same bytes as memory.stat, both flavours */
        for (int v1 = 0; v1 <= 1; v1++) {
                struct cgroup_memory_stat st = {.file = 555};

                r = cgroup_parse_memory_stat(buf, v1, &st);
                FUZZ_ASSERT(r == 0 || r == -EINVAL);
                if (r != 0)
                        FUZZ_ASSERT(st.file == 555);
                else
                        FUZZ_ASSERT(st.have_reclaim || st.reclaim == 0);
        }
        free(buf);
        return 0;
}
