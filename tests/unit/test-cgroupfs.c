/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-cgroup.c - mountinfo on hybrid and pure-v2 layouts, /proc/<pid>/cgroup, memory files, paths */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "util.h"
#include "unit-files.h"

static char fixture_buf[65536];

static const char *fixture(const char *name)
{
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/%s", FIXTURES_DIR, name);
        assert_true(read_file_at(AT_FDCWD, path, fixture_buf, sizeof(fixture_buf)) >= 0);
        return fixture_buf;
}

static void test_mountinfo_hybrid(void **state)
{
        struct cgroup_roots r;

        assert_int_equal(cgroup_roots_parse_mountinfo(fixture("mountinfo-hybrid"), &r), 0);
        assert_string_equal(r.v2, "/sys/fs/cgroup/unified");
        assert_string_equal(r.v1_memory, "/sys/fs/cgroup/memory");
        assert_string_equal(r.v1_freezer, "/sys/fs/cgroup/freezer");
        assert_false(r.v2_has_memory);
}

static void test_mountinfo_v2(void **state)
{
        struct cgroup_roots r;

        assert_int_equal(cgroup_roots_parse_mountinfo(fixture("mountinfo-v2"), &r), 0);
        assert_string_equal(r.v2, "/sys/fs/cgroup");
        assert_string_equal(r.v1_memory, "");
        assert_string_equal(r.v1_freezer, "");

        /* A bind mount of a subgroup listed first loses to the hierarchy root; \040 is a space. */
        assert_int_equal(cgroup_roots_parse_mountinfo(fixture("mountinfo-v2-bind-first"), &r), 0);
        assert_string_equal(r.v2, "/sys/fs/cg root");
}

static void test_mountinfo_v1_and_garbage(void **state)
{
        struct cgroup_roots r;

        assert_int_equal(cgroup_roots_parse_mountinfo(fixture("mountinfo-v1-combined"), &r), -ENOENT);
        assert_string_equal(r.v1_memory, "/sys/fs/cgroup/memory,freezer");
        assert_string_equal(r.v1_freezer, "/sys/fs/cgroup/memory,freezer");
        assert_string_equal(r.v2, "");

        assert_int_equal(cgroup_roots_parse_mountinfo(fixture("mountinfo-garbage"), &r), -ENOENT);
        assert_string_equal(r.v1_memory, "");
        assert_int_equal(cgroup_roots_parse_mountinfo("", &r), -ENOENT);
        assert_int_equal(cgroup_roots_parse_mountinfo("1 2 3 / /a\\0 rw - cgroup2 x rw\n", &r), 0);
        assert_string_equal(r.v2, "/a\\0");
}

static void test_discover(void **state)
{
        struct cgroup_roots r;

        assert_int_equal(cgroup_roots_discover(FIXTURES_DIR "/no-such-mountinfo", &r), -ENOENT);
        assert_int_equal(cgroup_roots_discover(FIXTURES_DIR "/mountinfo-v1-combined", &r), -ENOENT);
        assert_int_equal(cgroup_roots_discover(FIXTURES_DIR "/mountinfo-hybrid", &r), 0);
        assert_string_equal(r.v2, "/sys/fs/cgroup/unified");
}

static void test_proc_cgroup(void **state)
{
        char v2[PATH_MAX] = "x", v1[PATH_MAX] = "x", small[4] = "x";

        assert_int_equal(
                cgroup_parse_proc_cgroup(fixture("cgroup-proc-hybrid"), v2, sizeof(v2), v1, sizeof(v1)), 0);
        assert_string_equal(v2, "/t1/sub");
        assert_string_equal(v1, "/t1/sub");

        assert_int_equal(cgroup_parse_proc_cgroup(fixture("cgroup-proc-v2"), v2, sizeof(v2), v1, sizeof(v1)),
                         0);
        assert_string_equal(v2, "/user.slice/user-1000.slice/session-2.scope");
        assert_string_equal(v1, "");

        /* memory co-mounted with cpu; a path containing ':'. Only one buffer asked for. */
        assert_int_equal(cgroup_parse_proc_cgroup(fixture("cgroup-proc-combined"), NULL, 0, v1, sizeof(v1)),
                         0);
        assert_string_equal(v1, "/a:b");

        strcpy(v2, "keep");
        assert_int_equal(
                cgroup_parse_proc_cgroup(fixture("cgroup-proc-garbage"), v2, sizeof(v2), v1, sizeof(v1)),
                -EINVAL);
        assert_int_equal(cgroup_parse_proc_cgroup(fixture("cgroup-proc-relative"), v2, sizeof(v2), NULL, 0),
                         -EINVAL);
        assert_int_equal(cgroup_parse_proc_cgroup("0:/x\n", v2, sizeof(v2), NULL, 0), -EINVAL);
        assert_int_equal(cgroup_parse_proc_cgroup(":memory:/x\n", v2, sizeof(v2), NULL, 0), -EINVAL);
        assert_int_equal(cgroup_parse_proc_cgroup("0::\n", v2, sizeof(v2), NULL, 0), -EINVAL);
        assert_string_equal(v2, "keep");
        assert_int_equal(cgroup_parse_proc_cgroup("0::/abcd\n", small, sizeof(small), NULL, 0),
                         -ENAMETOOLONG);
        assert_string_equal(small, "x");

        assert_int_equal(cgroup_parse_proc_cgroup("", v2, sizeof(v2), v1, sizeof(v1)), 0);
        assert_string_equal(v2, "");
        assert_string_equal(v1, "");
}

static void test_parse_limit(void **state)
{
        uint64_t v = 42;

        assert_int_equal(cgroup_parse_limit("max\n", &v), 0);
        assert_true(v == CGROUP_LIMIT_MAX);
        assert_int_equal(cgroup_parse_limit("1073741824\n", &v), 0);
        assert_int_equal(v, 1073741824);
        assert_int_equal(cgroup_parse_limit("0", &v), 0);
        assert_int_equal(v, 0);
        /* v1 "unlimited": PAGE_COUNTER_MAX pages with 4K and 64K pages. */
        assert_int_equal(cgroup_parse_limit("9223372036854771712\n", &v), 0);
        assert_true(v == CGROUP_LIMIT_MAX);
        assert_int_equal(cgroup_parse_limit("9223372036854710272\n", &v), 0);
        assert_true(v == CGROUP_LIMIT_MAX);
        assert_int_equal(cgroup_parse_limit("4611686018427387903\n", &v), 0);
        assert_int_equal(v, 4611686018427387903ULL);

        v = 42;
        assert_int_equal(cgroup_parse_limit("", &v), -EINVAL);
        assert_int_equal(cgroup_parse_limit("maxx\n", &v), -EINVAL);
        assert_int_equal(cgroup_parse_limit("max 1\n", &v), -EINVAL);
        assert_int_equal(cgroup_parse_limit("-1\n", &v), -EINVAL);
        assert_int_equal(cgroup_parse_limit("12 kB\n", &v), -EINVAL);
        assert_int_equal(cgroup_parse_limit("99999999999999999999999\n", &v), -EINVAL);
        assert_int_equal(v, 42);
}

static void test_memory_read(void **state)
{
        struct cgroup_roots r = {.v2_has_memory = true};
        struct cgroup_memory m;

        snprintf(r.v2, sizeof(r.v2), "%s/cgroup-v2", FIXTURES_DIR);
        assert_int_equal(cgroup_memory_read(&r, "/a/b", &m), 0);
        assert_false(m.v1);
        assert_int_equal(m.current, 104857600);
        assert_int_equal(m.max, 1073741824);
        assert_int_equal(m.swap_current, 4096);
        assert_true(m.swap_max == CGROUP_LIMIT_MAX);

        /* No swap files (no swap accounting): 0 used, unlimited. */
        assert_int_equal(cgroup_memory_read(&r, "a", &m), 0);
        assert_true(m.max == CGROUP_LIMIT_MAX);
        assert_int_equal(m.swap_current, 0);
        assert_true(m.swap_max == CGROUP_LIMIT_MAX);

        assert_int_equal(cgroup_memory_read(&r, "/nope", &m), -ENOENT);
        /* The root has no memory.current. */
        assert_int_equal(cgroup_memory_read(&r, "/", &m), -EOPNOTSUPP);

        /* Hybrid: same relative path in the v1 memory hierarchy. */
        r.v2_has_memory = false;
        snprintf(r.v1_memory, sizeof(r.v1_memory), "%s/cgroup-v1/memory", FIXTURES_DIR);
        assert_int_equal(cgroup_memory_read(&r, "/a/b", &m), 0);
        assert_true(m.v1);
        assert_int_equal(m.current, 209715200);
        assert_int_equal(m.max, 419430400);
        assert_int_equal(m.swap_current, 524288000 - 209715200);
        assert_int_equal(m.swap_max, 838860800 - 419430400);

        assert_int_equal(cgroup_memory_read(&r, "/nolimit", &m), 0);
        assert_true(m.max == CGROUP_LIMIT_MAX);
        assert_int_equal(m.current, 12345);
        assert_int_equal(m.swap_current, 0);
        assert_true(m.swap_max == CGROUP_LIMIT_MAX);

        r.v1_memory[0] = '\0';
        assert_int_equal(cgroup_memory_read(&r, "/a/b", &m), -EOPNOTSUPP);
}

static void put(const char *dir, const char *name, const char *text)
{
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        unit_write_file(path, text);
}

/* A reader's kept fds see each new value, as a fresh read would, and close cleanly. */
static void test_memory_reader(void **state)
{
        struct cgroup_roots r = {.v2_has_memory = true};
        struct cgroup_memory_reader rd = CGROUP_MEMORY_READER_INIT;
        struct cgroup_memory m;
        char tmpl[] = "/tmp/reapd-test-cgroup.XXXXXX", dir[PATH_MAX];
        uint64_t file = 0;
        int fd;

        assert_non_null(mkdtemp(tmpl));
        snprintf(r.v2, sizeof(r.v2), "%s", tmpl);
        snprintf(dir, sizeof(dir), "%s/g", tmpl);
        assert_int_equal(mkdir(dir, 0755), 0);
        put(dir, "memory.current", "100\n");
        put(dir, "memory.max", "1000\n");
        put(dir, "memory.stat", "active_file 5\ninactive_file 6\n");

        assert_int_equal(cgroup_memory_reader_read(&rd, &r, "/g", &m), 0);
        assert_int_equal(m.current, 100);
        assert_int_equal(m.max, 1000);
        assert_true(m.swap_max == CGROUP_LIMIT_MAX); /* no swap files: unlimited, 0 used */
        fd = rd.fd[CGROUP_MEMORY_CURRENT];
        assert_true(fd >= 0 && rd.dir >= 0);

        put(dir, "memory.current", "250\n");
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, "/g", &m), 0);
        assert_int_equal(m.current, 250);
        assert_int_equal(rd.fd[CGROUP_MEMORY_CURRENT], fd); /* the same fd, read again from 0 */
        assert_int_equal(cgroup_memory_reader_file(&rd, &r, "/g", &file), 0);
        assert_int_equal(file, 11);

        /* Swap files are read unless the machine has no swap (no_swap): then they are not even
         * opened, and a garbled one cannot fail the read. */
        put(dir, "memory.swap.current", "7\n");
        put(dir, "memory.swap.max", "70\n");
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, "/g", &m), 0);
        assert_true(m.swap_current == 7 && m.swap_max == 70);
        cgroup_memory_reader_close(&rd);
        put(dir, "memory.swap.max", "garbled\n");
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, "/g", &m), -EINVAL);
        cgroup_memory_reader_close(&rd);
        rd.no_swap = true;
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, "/g", &m), 0);
        assert_true(m.current == 250 && m.swap_current == 0 && m.swap_max == CGROUP_LIMIT_MAX);
        assert_true(rd.fd[CGROUP_MEMORY_SWAP_CURRENT] < 0 && rd.fd[CGROUP_MEMORY_SWAP_MAX] < 0);
        rd.no_swap = false;
        put(dir, "memory.swap.max", "70\n");

        cgroup_memory_reader_close(&rd);
        assert_true(rd.dir < 0 && rd.fd[CGROUP_MEMORY_CURRENT] < 0 && rd.fd[CGROUP_MEMORY_STAT] < 0);
        cgroup_memory_reader_close(&rd); /* twice is harmless */

        /* A garbled value is -EINVAL, and is not retried as a vanished group would be. */
        put(dir, "memory.max", "lots\n");
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, "/g", &m), -EINVAL);
        cgroup_memory_reader_close(&rd);

        for (const char *const *f = (const char *const[]){"memory.current", "memory.max", "memory.stat",
                                                          "memory.swap.current", "memory.swap.max", NULL};
             *f; f++) {
                int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                assert_true(dfd >= 0);
                assert_int_equal(unlinkat(dfd, *f, 0), 0);
                close(dfd);
        }
        assert_int_equal(rmdir(dir), 0);
        assert_int_equal(rmdir(tmpl), 0);
}

static void test_dir_stat(void **state)
{
        char root[PATH_MAX];
        struct stat st;

        snprintf(root, sizeof(root), "%s/cgroup-v2", FIXTURES_DIR);
        assert_int_equal(cgroup_dir_stat(root, "/a/b", &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(cgroup_dir_stat(root, "/", &st), 0);
        assert_int_equal(cgroup_dir_stat(root, "/nope", &st), -ENOENT);
        assert_int_equal(cgroup_dir_stat(root, "/a/b/memory.current", &st), -ENOTDIR);
}

static void test_memory_stat_file(void **state)
{
        struct cgroup_roots r = {.v2_has_memory = true};
        uint64_t v = 42;

        snprintf(r.v2, sizeof(r.v2), "%s/cgroup-v2", FIXTURES_DIR);
        assert_int_equal(cgroup_memory_file_read(&r, "/a/b", &v), 0);
        assert_int_equal(v, 52428800);
        /* No memory.stat in the fixture's /a. */
        assert_int_equal(cgroup_memory_file_read(&r, "/a", &v), -EOPNOTSUPP);
        assert_int_equal(cgroup_memory_file_read(&r, "/nope", &v), -ENOENT);

        /* v1: the hierarchical totals, not the group's own counters. */
        r.v2_has_memory = false;
        snprintf(r.v1_memory, sizeof(r.v1_memory), "%s/cgroup-v1/memory", FIXTURES_DIR);
        assert_int_equal(cgroup_memory_file_read(&r, "/a/b", &v), 0);
        assert_int_equal(v, 104857600);

        v = 42;
        assert_int_equal(cgroup_parse_memory_stat_file(fixture("cgroup-stat-missing"), false, &v), -EINVAL);
        assert_int_equal(cgroup_parse_memory_stat_file("active_file 1\ninactive_file x\n", false, &v),
                         -EINVAL);
        assert_int_equal(cgroup_parse_memory_stat_file("active_file 1\ninactive_file\n", false, &v),
                         -EINVAL);
        assert_int_equal(cgroup_parse_memory_stat_file("active_file 18446744073709551615\ninactive_file 1\n",
                                                       false, &v),
                         -EINVAL);
        assert_int_equal(cgroup_parse_memory_stat_file("active_file 1\ninactive_file 2\n", true, &v),
                         -EINVAL);
        assert_int_equal(v, 42);
        assert_int_equal(cgroup_parse_memory_stat_file("inactive_file 2\nactive_file 1", false, &v), 0);
        assert_int_equal(v, 3);
}

static void test_path_join(void **state)
{
        char buf[PATH_MAX], small[8];

        assert_int_equal(cgroup_path_join(buf, sizeof(buf), "/sys/fs/cgroup", "/a/b", "memory.max"), 0);
        assert_string_equal(buf, "/sys/fs/cgroup/a/b/memory.max");
        assert_int_equal(cgroup_path_join(buf, sizeof(buf), "/sys/fs/cgroup/", "a/b/", "memory.max"), 0);
        assert_string_equal(buf, "/sys/fs/cgroup/a/b/memory.max");
        assert_int_equal(cgroup_path_join(buf, sizeof(buf), "/sys/fs/cgroup", "", "cgroup.controllers"), 0);
        assert_string_equal(buf, "/sys/fs/cgroup/cgroup.controllers");
        assert_int_equal(cgroup_path_join(buf, sizeof(buf), "/sys/fs/cgroup", "/", NULL), 0);
        assert_string_equal(buf, "/sys/fs/cgroup");
        assert_int_equal(cgroup_path_join(buf, sizeof(buf), "/", "/a", ""), 0);
        assert_string_equal(buf, "/a");
        assert_int_equal(cgroup_path_join(buf, sizeof(buf), "/", "", ""), 0);
        assert_string_equal(buf, "/");

        strcpy(small, "x");
        assert_int_equal(cgroup_path_join(small, sizeof(small), "/sy", "a", "b"), 0);
        assert_string_equal(small, "/sy/a/b");
        assert_int_equal(cgroup_path_join(small, sizeof(small), "/sys", "a", "b"), -ENAMETOOLONG);
        assert_string_equal(small, "/sy/a/b");
}

static void test_pressure_path(void **state)
{
        struct cgroup_roots hybrid = {.v2 = "/sys/fs/cgroup/unified"}, pure = {.v2 = "/sys/fs/cgroup"},
                            none = {};
        char buf[PATH_MAX];

        assert_int_equal(cgroup_pressure_path(&hybrid, "/t1", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "/sys/fs/cgroup/unified/t1/memory.pressure");
        assert_int_equal(cgroup_pressure_path(&pure, "system.slice/x.service", buf, sizeof(buf)), 0);
        assert_string_equal(buf, "/sys/fs/cgroup/system.slice/x.service/memory.pressure");
        assert_int_equal(cgroup_pressure_path(&none, "/t1", buf, sizeof(buf)), -ENOENT);
}

static void test_descendant(void **state)
{
        assert_true(cgroup_is_descendant("/a/b", "/a"));
        assert_true(cgroup_is_descendant("/a", "/a"));
        assert_true(cgroup_is_descendant("/a/", "/a"));
        assert_true(cgroup_is_descendant("/a/b", "/a/"));
        assert_false(cgroup_is_descendant("/ab", "/a"));
        assert_false(cgroup_is_descendant("/a", "/a/b"));
        assert_true(cgroup_is_descendant("/x", ""));
        assert_true(cgroup_is_descendant("/x", "/"));
        assert_true(cgroup_is_descendant("/", "/"));
        assert_false(cgroup_is_descendant("/", "/a"));
        assert_false(cgroup_is_descendant(NULL, "/a"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_mountinfo_hybrid),
                cmocka_unit_test(test_mountinfo_v2),
                cmocka_unit_test(test_mountinfo_v1_and_garbage),
                cmocka_unit_test(test_discover),
                cmocka_unit_test(test_proc_cgroup),
                cmocka_unit_test(test_parse_limit),
                cmocka_unit_test(test_memory_read),
                cmocka_unit_test(test_memory_reader),
                cmocka_unit_test(test_memory_stat_file),
                cmocka_unit_test(test_dir_stat),
                cmocka_unit_test(test_path_join),
                cmocka_unit_test(test_pressure_path),
                cmocka_unit_test(test_descendant),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
