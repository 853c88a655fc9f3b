/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-values.c - config values and small files: parse_duration/size/percent/int/u64/bool, oom_score(_adj),
 * a D-Bus address */

#include <string.h>

#include "bus.h"
#include "fuzz.h"
#include "procfs.h"
#include "util.h"

/*
 * Each parser must refuse or accept without touching its output on failure; accepted
 * values that have a formatter must survive format -> parse unchanged where the formatter
 * is exact (sizes are rounded for humans, so only sizes reparse within the rounding).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s = fuzz_strdup(data, size);
        char out[64], path[32];
        uint64_t u = 11, bytes = 12;
        usec_t d = 13;
        uint32_t pm = 14;
        int i = 15, adj = 16, r;
        unsigned score = 17;
        bool b = false;

        r = parse_u64(s, &u);
        FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE);
        if (r != 0)
                FUZZ_ASSERT(u == 11);
        r = parse_int(s, &i);
        FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE);
        if (r != 0)
                FUZZ_ASSERT(i == 15);
        r = parse_size(s, &bytes);
        FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE);
        if (r != 0)
                FUZZ_ASSERT(bytes == 12);
        else
                format_size(out, sizeof(out), bytes);

        r = parse_percent(s, &pm);
        FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE);
        if (r == 0) {
                uint32_t again = 0;

                FUZZ_ASSERT(pm <= PERMYRIAD_MAX);
                format_percent(out, sizeof(out), pm);
                FUZZ_ASSERT(parse_percent(out, &again) == 0 && again == pm);
        } else {
                FUZZ_ASSERT(pm == 14);
        }

        r = parse_duration(s, &d);
        FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE);
        if (r == 0) {
                usec_t again = 0;

                format_duration(out, sizeof(out), d);
                FUZZ_ASSERT(memchr(out, '\0', sizeof(out)) != NULL);
                /*
                 * A formatted duration must parse back to the same span. Limit: a single number
                 * is parsed in thousandths, so it may not exceed UINT64_MAX / 1000 of its unit;
                 * a sum such as "4us 766161616m" can, and then formats as one "us" number that does
                 * not parse. That is beyond 584 years, outside every configurable range. A span
                 * of whole milliseconds formats in ms or larger units, whose numbers always fit.
                 */
                if (strlen(out) < sizeof(out) - 1 && (d % USEC_PER_MSEC == 0 || d <= UINT64_MAX / 1000))
                        FUZZ_ASSERT(parse_duration(out, &again) == 0 && again == d);
        } else {
                FUZZ_ASSERT(d == 13);
        }

        r = parse_bool(s, &b);
        FUZZ_ASSERT(r == 0 || r == -EINVAL);

        r = proc_oom_score_adj_parse(s, &adj);
        FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE);
        if (r == 0)
                FUZZ_ASSERT(adj >= -1000 && adj <= 1000);
        else
                FUZZ_ASSERT(adj == 16);
        r = proc_oom_score_parse(s, &score);
        FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE);
        if (r != 0)
                FUZZ_ASSERT(score == 17);

        /* a D-Bus address (DBUS_SYSTEM_BUS_ADDRESS): an absolute path that fits, or refused */
        r = bus_address_socket_path(s, path, sizeof(path));
        FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -EADDRNOTAVAIL || r == -ENAMETOOLONG);
        if (r == 0)
                FUZZ_ASSERT(path[0] == '/' && strlen(path) < sizeof(path));
        free(s);
        return 0;
}
