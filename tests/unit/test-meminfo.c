/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-meminfo.c - /proc/meminfo parser and reader against good, broken and extreme fixtures */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>

#include "meminfo.h"
#include "util.h"

static int read_fixture(const char *name, struct meminfo *ret)
{
        return meminfo_read_at(AT_FDCWD, name, ret);
}

static void test_good(void **state)
{
        struct meminfo m;

        assert_int_equal(read_fixture(FIXTURES_DIR "/meminfo-swap", &m), 0);
        assert_int_equal(m.mem_total, 16384000ULL * 1024);
        assert_int_equal(m.mem_available, 1024000ULL * 1024);
        assert_int_equal(m.swap_total, 8192000ULL * 1024);
        assert_int_equal(m.swap_free, 4096000ULL * 1024);
}

static void test_noswap(void **state)
{
        struct meminfo m;

        /* A real copy of this machine's /proc/meminfo: no swap. */
        assert_int_equal(read_fixture(FIXTURES_DIR "/meminfo-noswap", &m), 0);
        assert_true(m.mem_total > 0);
        assert_true(m.mem_available > 0 && m.mem_available <= m.mem_total);
        assert_int_equal(m.swap_total, 0);
        assert_int_equal(m.swap_free, 0);

        /* Swap fields absent altogether (and no trailing newline): zero. */
        assert_int_equal(read_fixture(FIXTURES_DIR "/meminfo-no-swap-fields", &m), 0);
        assert_int_equal(m.mem_available, 1024000ULL * 1024);
        assert_int_equal(m.swap_total, 0);
}

static void test_broken(void **state)
{
        struct meminfo m = {.mem_total = 42};

        assert_int_equal(read_fixture(FIXTURES_DIR "/meminfo-no-available", &m), -EINVAL);
        assert_int_equal(read_fixture(FIXTURES_DIR "/meminfo-garbage", &m), -EINVAL);
        assert_int_equal(read_fixture(FIXTURES_DIR "/meminfo-no-unit", &m), -EINVAL);
        assert_int_equal(read_fixture(FIXTURES_DIR "/meminfo-overflow", &m), -ERANGE);
        assert_int_equal(read_fixture(FIXTURES_DIR "/meminfo-does-not-exist", &m), -ENOENT);
        assert_int_equal(meminfo_parse("", &m), -EINVAL);
        assert_int_equal(meminfo_parse("MemTotal: 1 kB\nMemAvailable: kB\n", &m), -EINVAL);
        assert_int_equal(meminfo_parse("MemTotal: 1 kB\nMemAvailable: -1 kB\n", &m), -EINVAL);
        assert_int_equal(meminfo_parse("MemTotal 1 kB\nMemAvailable: 1 kB\n", &m), -EINVAL);
        assert_int_equal(meminfo_parse("MemTotal: 1 kB x\nMemAvailable: 1 kB\n", &m), -EINVAL);
        /* Just past 2^64 bytes. */
        assert_int_equal(meminfo_parse("MemTotal: 18014398509481984 kB\nMemAvailable: 1 kB\n", &m), -ERANGE);
        assert_int_equal(m.mem_total, 42);
}

static void test_huge_and_odd(void **state)
{
        struct meminfo m;

        assert_int_equal(read_fixture(FIXTURES_DIR "/meminfo-huge", &m), 0);
        assert_int_equal(m.mem_total, 18014398509481983ULL * 1024);
        assert_int_equal(m.swap_free, m.swap_total);

        /* Prefix-named fields must not match ("MemTotalX"), first occurrence wins, tabs are fine. */
        assert_int_equal(
                meminfo_parse("MemTotalX: 5 kB\nMemTotal:\t7 kB\nMemTotal: 9 kB\nMemAvailable:3 kB\n", &m),
                0);
        assert_int_equal(m.mem_total, 7 * 1024);
        assert_int_equal(m.mem_available, 3 * 1024);

        /* SwapFree above SwapTotal is clamped. */
        assert_int_equal(
                meminfo_parse("MemTotal: 7 kB\nMemAvailable: 3 kB\nSwapTotal: 1 kB\nSwapFree: 2 kB\n", &m),
                0);
        assert_int_equal(m.swap_free, 1024);
}

/* The per-CPU free lists of /proc/zoneinfo (a 2-CPU VM's, 64311 pages in all). */
static void test_zoneinfo_pcp(void **state)
{
        static char buf[64 * 1024];
        uint64_t v = 7;

        assert_true(read_file_at(AT_FDCWD, FIXTURES_DIR "/zoneinfo-2cpu", buf, sizeof(buf)) > 0);
        assert_int_equal(meminfo_parse_zoneinfo_pcp(buf, 4096, &v), 0);
        assert_true(v == 64311ULL * 4096);
        /* "count:" outside pagesets does not count; no pagesets at all is not zoneinfo */
        assert_int_equal(meminfo_parse_zoneinfo_pcp("Node 0, zone Normal\n  pagesets\n    cpu: 0\n"
                                                    "              count: 10\n  node_unreclaimable:  0\n"
                                                    "  count: 99\n",
                                                    4096, &v),
                         0);
        assert_true(v == 10ULL * 4096);
        v = 7;
        assert_int_equal(meminfo_parse_zoneinfo_pcp("MemTotal: 1 kB\n", 4096, &v), -EINVAL);
        assert_int_equal(meminfo_parse_zoneinfo_pcp("", 4096, &v), -EINVAL);
        assert_int_equal(v, 7);
        /* saturates instead of wrapping */
        assert_int_equal(meminfo_parse_zoneinfo_pcp("Node 0\n pagesets\n  count: 99999999999999999999999\n",
                                                    4096, &v),
                         0);
        assert_true(v == UINT64_MAX);
        /* the live file parses */
        assert_int_equal(meminfo_read_pcp(&v), 0);
}

/* The HugeTLB pools, and the reclaim activity of /proc/vmstat. */
static void test_hugetlb_vmstat(void **state)
{
        struct meminfo m;
        uint64_t v = 42;

        assert_int_equal(meminfo_parse("MemTotal: 1000 kB\nMemAvailable: 500 kB\nHugetlb: 200 kB\n", &m), 0);
        assert_int_equal(m.hugetlb, 200 * 1024);
        assert_int_equal(read_fixture(FIXTURES_DIR "/meminfo-swap", &m), 0);
        assert_int_equal(m.hugetlb, 0); /* absent before 4.16 */

        assert_int_equal(
                meminfo_parse_vmstat("nr_free_pages 5\npgscan_kswapd 10\npgscan_direct 20\n"
                                     "pgscan_khugepaged 1\npgscan_proactive 1000\npgsteal_direct 9\n"
                                     "workingset_refault_anon 3\nworkingset_refault_file 4\n",
                                     &v),
                0);
        assert_int_equal(v, 38); /* proactive reclaim is asked for, not pressure */
        assert_int_equal(meminfo_parse_vmstat("workingset_refault 7\npgscan_direct 1\n", &v), 0);
        assert_int_equal(v, 8);
        v = 42;
        assert_int_equal(meminfo_parse_vmstat("nr_free_pages 5\n", &v), -ENODATA);
        assert_int_equal(meminfo_parse_vmstat("pgscan_direct -1\n", &v), -EINVAL);
        assert_int_equal(meminfo_parse_vmstat("pgscan_direct 18446744073709551616\n", &v), -EINVAL);
        assert_int_equal(v, 42);
        assert_int_equal(meminfo_parse_vmstat("pgscan_direct 18446744073709551615\npgscan_kswapd 5\n", &v),
                         0);
        assert_true(v == UINT64_MAX); /* saturates */
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good),         cmocka_unit_test(test_zoneinfo_pcp),
                cmocka_unit_test(test_noswap),       cmocka_unit_test(test_broken),
                cmocka_unit_test(test_huge_and_odd), cmocka_unit_test(test_hugetlb_vmstat),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
