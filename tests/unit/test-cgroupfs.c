/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-cgroupfs.c - mountinfo (hybrid, pure v2), memory files, paths, the walker, cgroup.procs, xattrs */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroupfs.h"
#include "util.h"
#include "unit-files.h"

static void test_mountinfo_hybrid(void **state)
{
        struct cgroup_roots r;

        assert_int_equal(cgroup_roots_parse_mountinfo(unit_fixture("mountinfo-hybrid"), &r), 0);
        assert_string_equal(r.v2, "/sys/fs/cgroup/unified");
        assert_string_equal(r.v1_memory, "/sys/fs/cgroup/memory");
        assert_false(r.v2_has_memory);
}

static void test_mountinfo_v2(void **state)
{
        struct cgroup_roots r;

        assert_int_equal(cgroup_roots_parse_mountinfo(unit_fixture("mountinfo-v2"), &r), 0);
        assert_string_equal(r.v2, "/sys/fs/cgroup");
        assert_string_equal(r.v1_memory, "");

        /* A bind mount of a subgroup listed first loses to the hierarchy root; \040 is a space. */
        assert_int_equal(cgroup_roots_parse_mountinfo(unit_fixture("mountinfo-v2-bind-first"), &r), 0);
        assert_string_equal(r.v2, "/sys/fs/cg root");
}

static void test_mountinfo_v1_and_garbage(void **state)
{
        struct cgroup_roots r;

        assert_int_equal(cgroup_roots_parse_mountinfo(unit_fixture("mountinfo-v1-combined"), &r), -ENOENT);
        assert_string_equal(r.v1_memory, "/sys/fs/cgroup/memory,freezer");
        assert_string_equal(r.v2, "");

        assert_int_equal(cgroup_roots_parse_mountinfo(unit_fixture("mountinfo-garbage"), &r), -ENOENT);
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
        assert_true(m.have_stat);
        assert_int_equal(m.stat.file, 11);
        assert_int_equal(m.available, 1000 - 250 + 11);
        assert_true(m.high == CGROUP_LIMIT_MAX && m.high_available == CGROUP_LIMIT_MAX);

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

        /* memory.high is a soft level: headroom under it is said apart. */
        put(dir, "memory.high", "200\n");
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, "/g", &m), 0);
        assert_int_equal(m.high, 200);
        assert_int_equal(m.high_available, 11); /* over it: only its page cache is left */
        cgroup_memory_reader_close(&rd);

        /* A garbled value is -EINVAL, and is not retried as a vanished group would be. */
        put(dir, "memory.max", "lots\n");
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, "/g", &m), -EINVAL);
        cgroup_memory_reader_close(&rd);

        for (const char *const *f =
                     (const char *const[]){"memory.current", "memory.max", "memory.stat",
                                           "memory.swap.current", "memory.swap.max", "memory.high", NULL};
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

static void test_memory_stat(void **state)
{
        struct cgroup_roots r = {.v2_has_memory = true};
        struct cgroup_memory m;
        struct cgroup_memory_stat st = {.file = 42};

        snprintf(r.v2, sizeof(r.v2), "%s/cgroup-v2", FIXTURES_DIR);
        assert_int_equal(cgroup_memory_read(&r, "/a/b", &m), 0);
        assert_true(m.have_stat);
        assert_int_equal(m.stat.file, 52428800);
        /* limit - usage + file LRU */
        assert_int_equal(m.available, 1073741824 - 104857600 + 52428800);
        /* No memory.stat in the fixture's /a: said, and no page cache counted. */
        assert_int_equal(cgroup_memory_read(&r, "/a", &m), 0);
        assert_false(m.have_stat);
        assert_int_equal(m.stat_error, -ENOENT);
        assert_true(m.available == CGROUP_LIMIT_MAX);

        /* v1: the hierarchical totals, not the group's own counters, and the hierarchical limit. */
        r.v2_has_memory = false;
        snprintf(r.v1_memory, sizeof(r.v1_memory), "%s/cgroup-v1/memory", FIXTURES_DIR);
        assert_int_equal(cgroup_memory_read(&r, "/a/b", &m), 0);
        assert_int_equal(m.stat.file, 104857600);
        assert_int_equal(m.available, 419430400 - 209715200 + 104857600);
        assert_false(m.stat.have_reclaim);

        assert_int_equal(cgroup_parse_memory_stat(unit_fixture("cgroup-stat-missing"), false, &st), -EINVAL);
        assert_int_equal(cgroup_parse_memory_stat("active_file 1\ninactive_file x\n", false, &st), -EINVAL);
        assert_int_equal(cgroup_parse_memory_stat("active_file 1\ninactive_file\n", false, &st), -EINVAL);
        assert_int_equal(
                cgroup_parse_memory_stat("active_file 18446744073709551615\ninactive_file 1\n", false, &st),
                -EINVAL);
        assert_int_equal(cgroup_parse_memory_stat("active_file 1\ninactive_file 2\n", true, &st), -EINVAL);
        assert_int_equal(st.file, 42);
        assert_int_equal(cgroup_parse_memory_stat("inactive_file 2\nactive_file 1", false, &st), 0);
        assert_int_equal(st.file, 3);
        assert_false(st.have_reclaim);
        assert_true(st.hierarchical_limit == CGROUP_LIMIT_MAX);

        /* Reclaim activity: v2 scans and refaults; v1 refaults (it has no scan counter). */
        assert_int_equal(cgroup_parse_memory_stat("active_file 1\ninactive_file 2\npgscan 100\npgsteal 90\n"
                                                  "workingset_refault_anon 7\nworkingset_refault_file 5\n"
                                                  "pgscan_direct 1000\n",
                                                  false, &st),
                         0);
        assert_true(st.have_reclaim);
        assert_int_equal(st.reclaim, 112);
        assert_int_equal(cgroup_parse_memory_stat(unit_fixture("cgroup-v1-stat"), true, &st), 0);
        assert_true(st.have_reclaim);
        assert_int_equal(st.reclaim, 1853598 + 2519287);
        assert_int_equal(st.file, 647278592ULL + 323571712ULL);
        assert_int_equal(st.hierarchical_limit, 314572800);
        /* v1's "unlimited" limit is none */
        assert_int_equal(cgroup_parse_memory_stat("total_active_file 1\ntotal_inactive_file 2\n"
                                                  "hierarchical_memory_limit 9223372036854771712\n",
                                                  true, &st),
                         0);
        assert_true(st.hierarchical_limit == CGROUP_LIMIT_MAX);
}

/* rm -r of a fixture tree of cgroup directories holding only the listed memory files */
static void remove_levels(const char *const *dirs)
{
        for (; *dirs; dirs++) {
                for (const char *const *f =
                             (const char *const[]){"memory.current", "memory.max", "memory.high",
                                                   "memory.stat", "memory.usage_in_bytes",
                                                   "memory.limit_in_bytes", NULL};
                     *f; f++) {
                        char path[PATH_MAX];

                        snprintf(path, sizeof(path), "%s/%s", *dirs, *f);
                        (void)unlink(path);
                }
                assert_int_equal(rmdir(*dirs), 0);
        }
}

/* The fixture tree both ancestor tests use, under a fresh @root (a mkdtemp() template): @p the
 * slice, @c the service in it, @g the worker in that. */
static void make_levels(char *root, char p[256], char c[256], char g[256])
{
        assert_non_null(mkdtemp(root));
        snprintf(p, 256, "%s/batch.slice", root);
        snprintf(c, 256, "%s/batch.slice/job.service", root);
        snprintf(g, 256, "%s/batch.slice/job.service/worker", root);
        assert_int_equal(mkdir(p, 0755), 0);
        assert_int_equal(mkdir(c, 0755), 0);
        assert_int_equal(mkdir(g, 0755), 0);
}

/* A limit above the cgroup binds it: the tightest max and high, the least headroom on the path. */
static void test_memory_ancestors(void **state)
{
        struct cgroup_roots r = {.v2_has_memory = true};
        struct cgroup_memory m;
        char tmpl[] = "/tmp/reapd-test-cgroup.XXXXXX", p[256], c[256], g[256];

        make_levels(tmpl, p, c, g);
        snprintf(r.v2, sizeof(r.v2), "%s", tmpl);
        /* the slice: 1000 bytes, 900 used by the service and its siblings, 40 of it page cache */
        put(p, "memory.current", "900\n");
        put(p, "memory.max", "1000\n");
        put(p, "memory.high", "800\n");
        put(p, "memory.stat", "active_file 30\ninactive_file 10\n");
        /* the service: no limit of its own */
        put(c, "memory.current", "300\n");
        put(c, "memory.max", "max\n");
        put(c, "memory.stat", "active_file 0\ninactive_file 0\npgscan 9\n");
        /* the worker inside: a loose limit of its own */
        put(g, "memory.current", "200\n");
        put(g, "memory.max", "5000\n");
        put(g, "memory.stat", "active_file 0\ninactive_file 0\npgscan 4\n");

        assert_int_equal(cgroup_memory_read(&r, "/batch.slice/job.service", &m), 0);
        assert_int_equal(m.current, 300);
        assert_int_equal(m.max, 1000);
        assert_int_equal(m.high, 800);
        assert_int_equal(m.available, 1000 - 900 + 40);
        assert_int_equal(m.high_available, 40); /* the slice is over its memory.high */
        assert_int_equal(m.stat.reclaim, 9); /* the scope's own counters */

        assert_int_equal(cgroup_memory_read(&r, "/batch.slice/job.service/worker", &m), 0);
        assert_int_equal(m.max, 1000);
        assert_int_equal(m.available, 140);

        /* the slice itself: only its own limits */
        assert_int_equal(cgroup_memory_read(&r, "/batch.slice", &m), 0);
        assert_int_equal(m.max, 1000);
        assert_int_equal(m.available, 140);

        /* a limit above that is tighter than the scope's headroom binds; one that is looser does not */
        put(p, "memory.max", "max\n");
        put(p, "memory.high", "max\n");
        assert_int_equal(cgroup_memory_read(&r, "/batch.slice/job.service/worker", &m), 0);
        assert_int_equal(m.max, 5000);
        assert_int_equal(m.available, 4800);
        assert_true(m.high == CGROUP_LIMIT_MAX);

        remove_levels((const char *const[]){g, c, p, NULL});
        assert_int_equal(rmdir(tmpl), 0);
}

/* A reader keeps a reader per level above; an unlimited level costs its limit files only, and a
 * limit set there later is seen on the next read through the kept fds. */
static void test_memory_reader_ancestors(void **state)
{
        struct cgroup_roots r = {.v2_has_memory = true};
        struct cgroup_memory_reader rd = CGROUP_MEMORY_READER_INIT;
        struct cgroup_memory m;
        char tmpl[] = "/tmp/reapd-test-cgroup.XXXXXX", p[256], c[256], g[256];

        make_levels(tmpl, p, c, g);
        snprintf(r.v2, sizeof(r.v2), "%s", tmpl);
        put(p, "memory.current", "900\n");
        put(p, "memory.max", "1000\n");
        put(p, "memory.stat", "active_file 30\ninactive_file 10\n");
        put(c, "memory.current", "300\n");
        put(c, "memory.max", "max\n");
        put(c, "memory.high", "max\n");
        put(c, "memory.stat", "active_file 0\ninactive_file 0\n");
        put(g, "memory.current", "200\n");
        put(g, "memory.max", "5000\n");
        put(g, "memory.stat", "active_file 0\ninactive_file 0\n");

        assert_int_equal(cgroup_memory_reader_read(&rd, &r, "/batch.slice/job.service/worker", &m), 0);
        assert_int_equal(m.max, 1000);
        assert_int_equal(m.available, 1000 - 900 + 40);
        assert_non_null(rd.up);
        assert_non_null(rd.up->up);
        assert_null(rd.up->up->up); /* the root has no limits of its own: no reader */
        /* the service, unlimited: its limits only */
        assert_true(rd.up->fd[CGROUP_MEMORY_MAX] >= 0 && rd.up->fd[CGROUP_MEMORY_HIGH] >= 0);
        assert_true(rd.up->fd[CGROUP_MEMORY_CURRENT] < 0 && rd.up->fd[CGROUP_MEMORY_STAT] < 0);
        /* the slice, limited: its usage and page cache too */
        assert_true(rd.up->up->fd[CGROUP_MEMORY_CURRENT] >= 0 && rd.up->up->fd[CGROUP_MEMORY_STAT] >= 0);

        /* limits move under kept fds: the service gets one, the slice loses its own */
        put(c, "memory.max", "400\n");
        put(p, "memory.max", "max\n");
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, "/batch.slice/job.service/worker", &m), 0);
        assert_int_equal(m.max, 400);
        assert_int_equal(m.available, 400 - 300);
        assert_true(rd.up->fd[CGROUP_MEMORY_CURRENT] >= 0);
        put(c, "memory.max", "max\n");
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, "/batch.slice/job.service/worker", &m), 0);
        assert_int_equal(m.max, 5000);
        assert_int_equal(m.available, 4800);
        cgroup_memory_reader_close(&rd);
        assert_null(rd.up);
        assert_true(rd.dir < 0);
        remove_levels((const char *const[]){g, c, p, NULL});

        /* v1 inside a cgroup namespace: a limit from above its root shows only as the
         * hierarchical limit in memory.stat; then each level is read in full, as the levels'
         * own usage against that limit binds. */
        r = (struct cgroup_roots){};
        snprintf(r.v1_memory, sizeof(r.v1_memory), "%s", tmpl);
        assert_int_equal(mkdir(p, 0755), 0);
        assert_int_equal(mkdir(c, 0755), 0);
        put(p, "memory.usage_in_bytes", "900\n");
        put(p, "memory.limit_in_bytes", "9223372036854771712\n");
        put(p, "memory.stat",
            "total_active_file 30\ntotal_inactive_file 10\n"
            "hierarchical_memory_limit 1000\n");
        put(c, "memory.usage_in_bytes", "300\n");
        put(c, "memory.limit_in_bytes", "9223372036854771712\n");
        put(c, "memory.stat",
            "total_active_file 0\ntotal_inactive_file 0\nhierarchical_memory_limit 1000\n");
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, "/batch.slice/job.service", &m), 0);
        assert_true(m.v1);
        assert_int_equal(m.max, 1000);
        assert_int_equal(m.available, 1000 - 900 + 40);
        assert_true(rd.up->fd[CGROUP_MEMORY_CURRENT] >= 0 && rd.up->fd[CGROUP_MEMORY_STAT] >= 0);
        /* no limit anywhere on the path: the level above is asked its limit only */
        put(p, "memory.stat",
            "total_active_file 30\ntotal_inactive_file 10\n"
            "hierarchical_memory_limit 9223372036854771712\n");
        put(c, "memory.stat",
            "total_active_file 0\ntotal_inactive_file 0\n"
            "hierarchical_memory_limit 9223372036854771712\n");
        cgroup_memory_reader_close(&rd);
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, "/batch.slice/job.service", &m), 0);
        assert_true(m.max == CGROUP_LIMIT_MAX && m.available == CGROUP_LIMIT_MAX);
        assert_true(rd.up->fd[CGROUP_MEMORY_MAX] >= 0 && rd.up->fd[CGROUP_MEMORY_CURRENT] < 0 &&
                    rd.up->fd[CGROUP_MEMORY_STAT] < 0);
        cgroup_memory_reader_close(&rd);
        remove_levels((const char *const[]){c, p, NULL});
        assert_int_equal(rmdir(tmpl), 0);
}

/* skip_stat: memory.stat goes unread while no level bounds the cgroup's own page cache, and is
 * read when the first read, a limit, or v1's last hierarchical limit asks for it. */
static void test_memory_reader_skip_stat(void **state)
{
        const char *const scope = "/batch.slice/job.service/worker";
        struct cgroup_roots r = {.v2_has_memory = true};
        struct cgroup_memory_reader rd = CGROUP_MEMORY_READER_INIT;
        struct cgroup_memory m;
        char tmpl[] = "/tmp/reapd-test-cgroup.XXXXXX", p[256], c[256], g[256];

        make_levels(tmpl, p, c, g);
        snprintf(r.v2, sizeof(r.v2), "%s", tmpl);
        put(p, "memory.max", "max\n");
        put(c, "memory.current", "300\n");
        put(c, "memory.max", "max\n");
        put(c, "memory.stat", "active_file 1\ninactive_file 2\n");
        put(g, "memory.current", "200\n");
        put(g, "memory.max", "max\n");
        put(g, "memory.stat", "active_file 5\ninactive_file 6\npgscan 7\n");
        rd.skip_stat = true;

        /* the first read is whole: nothing is known of the limits yet */
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, scope, &m), 0);
        assert_true(m.have_stat && !m.stat_skipped && m.stat.reclaim == 7);
        /* then its limits only, while it has none: not even its usage (a garbled one goes unseen) */
        put(g, "memory.current", "garbled\n");
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, scope, &m), 0);
        assert_true(!m.have_stat && m.stat_skipped && m.stat_error == 0);
        assert_true(m.current == 0 && m.max == CGROUP_LIMIT_MAX && m.available == CGROUP_LIMIT_MAX);
        put(g, "memory.current", "200\n");
        /* a limit of its own, or a memory.high: its page cache counts, so it is read */
        put(g, "memory.max", "1000\n");
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, scope, &m), 0);
        assert_true(m.have_stat && m.available == 1000 - 200 + 11);
        put(g, "memory.max", "max\n");
        put(g, "memory.high", "500\n");
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, scope, &m), 0);
        assert_true(m.have_stat && m.high_available == 500 - 200 + 11);
        put(g, "memory.high", "max\n");
        /* a limit above: that level's page cache counts, the cgroup's own cannot */
        put(c, "memory.max", "400\n");
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, scope, &m), 0);
        assert_true(m.stat_skipped && m.max == 400 && m.available == 400 - 300 + 3);
        put(c, "memory.max", "max\n");
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, scope, &m), 0);
        assert_true(m.stat_skipped);
        /* the caller wants it (reclaim counters): read */
        rd.skip_stat = false;
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, scope, &m), 0);
        assert_true(m.have_stat && m.stat.reclaim == 7);
        cgroup_memory_reader_close(&rd);
        remove_levels((const char *const[]){g, c, p, NULL});

        /* v1: the last memory.stat's hierarchical limit stands for the limits above a cgroup
         * namespace's root; while it shows one, memory.stat is read every time. */
        r = (struct cgroup_roots){};
        snprintf(r.v1_memory, sizeof(r.v1_memory), "%s", tmpl);
        assert_int_equal(mkdir(p, 0755), 0);
        put(p, "memory.usage_in_bytes", "300\n");
        put(p, "memory.limit_in_bytes", "9223372036854771712\n");
        put(p, "memory.stat",
            "total_active_file 1\ntotal_inactive_file 2\nhierarchical_memory_limit 1000\n");
        rd = (struct cgroup_memory_reader)CGROUP_MEMORY_READER_INIT;
        rd.skip_stat = true;
        for (int i = 0; i < 2; i++) {
                assert_int_equal(cgroup_memory_reader_read(&rd, &r, "/batch.slice", &m), 0);
                assert_true(m.have_stat && m.max == 1000 && m.available == 1000 - 300 + 3);
        }
        put(p, "memory.stat",
            "total_active_file 1\ntotal_inactive_file 2\nhierarchical_memory_limit 9223372036854771712\n");
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, "/batch.slice", &m), 0);
        assert_true(m.have_stat && m.max == CGROUP_LIMIT_MAX);
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, "/batch.slice", &m), 0);
        assert_true(m.stat_skipped && m.max == CGROUP_LIMIT_MAX);
        /* reopened (a cgroup made again): read whole once more */
        cgroup_memory_reader_close(&rd);
        assert_int_equal(cgroup_memory_reader_read(&rd, &r, "/batch.slice", &m), 0);
        assert_true(m.have_stat);
        cgroup_memory_reader_close(&rd);
        remove_levels((const char *const[]){p, NULL});
        assert_int_equal(rmdir(tmpl), 0);
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

/* A path from /proc/<pid>/cgroup outside reapd's cgroup namespace must not lead out of the mount. */
static void test_path_join_dotdot(void **state)
{
        char buf[PATH_MAX] = "keep";

        assert_int_equal(cgroup_path_join(buf, sizeof(buf), "/sys/fs/cgroup", "/../../etc", NULL), -EINVAL);
        assert_int_equal(cgroup_path_join(buf, sizeof(buf), "/sys/fs/cgroup", "/a/..", "cgroup.kill"),
                         -EINVAL);
        assert_int_equal(cgroup_path_join(buf, sizeof(buf), "/sys/fs/cgroup", "..", NULL), -EINVAL);
        assert_int_equal(cgroup_path_join(buf, sizeof(buf), "/sys/fs/cgroup", "/a", "../x"), -EINVAL);
        assert_string_equal(buf, "keep");
        /* dots inside a name are a name */
        assert_int_equal(cgroup_path_join(buf, sizeof(buf), "/sys/fs/cgroup", "/a..b/..c/.d/.", NULL), 0);
        assert_string_equal(buf, "/sys/fs/cgroup/a..b/..c/.d/.");
        assert_int_equal(cgroup_kill("/sys/fs/cgroup", "/../x"), -EINVAL);
        assert_int_equal(cgroup_kill("/sys/fs/cgroup", "/"), -EINVAL);
        assert_int_equal(cgroup_kill("/sys/fs/cgroup", ""), -EINVAL);
}

struct pids {
        pid_t v[64];
        size_t n;
};

static int collect(pid_t pid, void *userdata)
{
        struct pids *p = userdata;

        if (p->n < ELEMENTSOF(p->v))
                p->v[p->n++] = pid;
        return 0;
}

/* cgroup.procs in pieces cut anywhere, numbers straddling them: the same pids. */
static void test_procs_parser(void **state)
{
        static const char text[] = "1\n23\n456\n7890\n2147483647\n2147483648\n0\n99999999999999999999999\n"
                                   "31337\n65536";
        static const pid_t want[] = {1, 23, 456, 7890, 2147483647, 31337, 65536};
        size_t len = strlen(text);

        for (size_t piece = 1; piece <= len; piece++) {
                struct cgroup_procs_parser p = {};
                struct pids got = {};

                for (size_t off = 0; off < len; off += piece)
                        assert_int_equal(
                                cgroup_procs_feed(&p, text + off, MIN(piece, len - off), collect, &got), 0);
                assert_int_equal(cgroup_procs_finish(&p, collect, &got), 0);
                assert_int_equal(got.n, ELEMENTSOF(want));
                for (size_t i = 0; i < ELEMENTSOF(want); i++)
                        assert_int_equal(got.v[i], want[i]);
        }
}

static void put_file(int dirfd, const char *path, const char *content)
{
        int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
        close(fd);
}

/* One walker, one depth limit: deeper cgroups are said to be left out, as is what cannot be read. */
static void test_walk(void **state)
{
        char tmpl[] = "/tmp/reapd-test-walk-XXXXXX", path[PATH_MAX], num[16], cmd[PATH_MAX];
        _cleanup_(freep) struct cgroup_walk_buf *buf = malloc(sizeof(*buf));
        struct pids got = {};
        struct cgroup_walk w = {.buf = buf, .fn = collect, .userdata = &got};
        size_t len = 0;
        int root;

        assert_non_null(buf);
        assert_non_null(mkdtemp(tmpl));
        root = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(root >= 0);
        /* a chain one level deeper than the walk goes; level d holds pid 100 + d */
        path[0] = '\0';
        for (int d = 0; d <= CGROUP_WALK_MAX_DEPTH; d++) {
                if (d > 0) {
                        len += (size_t)snprintf(path + len, sizeof(path) - len, "%sd", len ? "/" : "");
                        assert_int_equal(mkdirat(root, path, 0755), 0);
                }
                snprintf(num, sizeof(num), "%d\n", 100 + d);
                snprintf(cmd, sizeof(cmd), "%s%scgroup.procs", path, len ? "/" : "");
                put_file(root, cmd, num);
        }
        assert_int_equal(cgroup_walk_procs(root, &w), 0);
        assert_true(w.truncated);
        assert_int_equal(w.error, 0);
        assert_int_equal(got.n, CGROUP_WALK_MAX_DEPTH);
        for (int d = 0; d < CGROUP_WALK_MAX_DEPTH; d++)
                assert_int_equal(got.v[d], 100 + d);

        /* within the limit, and a cgroup.procs that cannot be read */
        got.n = 0;
        assert_int_equal(mkdirat(root, "d/d/d/broken", 0755), 0);
        assert_int_equal(mkdirat(root, "d/d/d/broken/cgroup.procs", 0755), 0);
        close(root);
        snprintf(path, sizeof(path), "%s/d/d/d", tmpl);
        root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(root >= 0);
        assert_int_equal(cgroup_walk_procs(root, &w), 0);
        assert_false(w.truncated);
        assert_int_equal(w.error, -EISDIR);
        assert_int_equal(got.n, CGROUP_WALK_MAX_DEPTH + 1 - 3);
        close(root);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
        assert_int_equal(system(cmd), 0);
}

static void test_xattr_flags(void **state)
{
        assert_int_equal(cgroup_xattr_flags(0, NULL, NULL), 0);
        assert_int_equal(cgroup_xattr_flags(0, "1", NULL), CGROUP_XATTR_AVOID);
        assert_int_equal(cgroup_xattr_flags(0, NULL, "yes\n"), CGROUP_XATTR_OMIT);
        assert_int_equal(cgroup_xattr_flags(0, "true", "on"), CGROUP_XATTR_AVOID | CGROUP_XATTR_OMIT);
        assert_int_equal(cgroup_xattr_flags(0, "0", "no"), 0);
        assert_int_equal(cgroup_xattr_flags(0, "", "garbage-value"), 0);
        /* a delegated (non-root) cgroup cannot exempt itself */
        assert_int_equal(cgroup_xattr_flags(1000, "1", "1"), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_mountinfo_hybrid),
                cmocka_unit_test(test_mountinfo_v2),
                cmocka_unit_test(test_mountinfo_v1_and_garbage),
                cmocka_unit_test(test_discover),
                cmocka_unit_test(test_parse_limit),
                cmocka_unit_test(test_memory_read),
                cmocka_unit_test(test_memory_reader),
                cmocka_unit_test(test_memory_stat),
                cmocka_unit_test(test_memory_ancestors),
                cmocka_unit_test(test_memory_reader_ancestors),
                cmocka_unit_test(test_memory_reader_skip_stat),
                cmocka_unit_test(test_dir_stat),
                cmocka_unit_test(test_path_join),
                cmocka_unit_test(test_pressure_path),
                cmocka_unit_test(test_descendant),
                cmocka_unit_test(test_path_join_dotdot),
                cmocka_unit_test(test_procs_parser),
                cmocka_unit_test(test_walk),
                cmocka_unit_test(test_xattr_flags),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
