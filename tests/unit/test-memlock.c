/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-memlock.c - /proc/PID/maps lines, what is done to each mapping, and memlock_trim() for real */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memlock.h"
#include "util.h"

static int parse(const char *line, struct maps_entry *e)
{
        return memlock_parse_maps_line(line, strlen(line), e);
}

static void test_parse(void **state)
{
        struct maps_entry e;

        assert_int_equal(parse("7f2da9363000-7f2da9367000 r-xp 001cf000 fe:00 332835                     "
                               "/usr/lib/x86_64-linux-gnu/libc.so.6",
                               &e),
                         0);
        assert_true(e.start == 0x7f2da9363000 && e.end == 0x7f2da9367000);
        assert_true(e.read && !e.write && e.exec && !e.shared);
        assert_int_equal(e.offset, 0x1cf000);
        assert_int_equal(e.inode, 332835);
        assert_int_equal(e.path_len, strlen("/usr/lib/x86_64-linux-gnu/libc.so.6"));
        assert_memory_equal(e.path, "/usr/lib/x86_64-linux-gnu/libc.so.6", e.path_len);

        /* anonymous: no path at all, not even the padding */
        assert_int_equal(parse("7f2da9369000-7f2da9376000 rw-p 00000000 00:00 0", &e), 0);
        assert_true(e.read && e.write && !e.exec && e.inode == 0 && e.path_len == 0);
        assert_int_equal(
                parse("7ffe7b0e8000-7ffe7b109000 rw-p 00000000 00:00 0                          [stack]",
                      &e),
                0);
        assert_memory_equal(e.path, "[stack]", 7);
        /* shared, a path with spaces, a deleted file */
        assert_int_equal(parse("1000-3000 r--s 00000000 00:0e 1234 /dev/shm/a b (deleted)", &e), 0);
        assert_true(e.shared && e.path_len == strlen("/dev/shm/a b (deleted)"));
        /* the kernel's widest values */
        assert_int_equal(parse("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0  [vsyscall]", &e),
                         0);
        assert_true(!e.read && e.exec);

        memset(&e, 0x55, sizeof(e));
        struct maps_entry untouched = e;
        const char *bad[] = {
                "",
                "7f00",
                "7f00-",
                "7f00-8f00",
                "7f00-8f00 ",
                "8f00-7f00 r-xp 00000000 fe:00 1 /x", /* end before start */
                "7f00-8f00 rwxq 00000000 fe:00 1 /x",
                "7f00-8f00 r-x 00000000 fe:00 1 /x",
                "7f00-8f00 R-xp 00000000 fe:00 1 /x",
                "7f00-8f00 r-xp 0000000g fe:00 1 /x",
                "7f00-8f00 r-xp 00000000 fe00 1 /x",
                "7f00-8f00 r-xp 00000000 fe:00 /x",
                "7f00-8f00 r-xp 00000000 fe:00 12x /x",
                "7f00-8f00  r-xp 00000000 fe:00 1 /x",
                "10000000000000000-10000000000000001 r-xp 00000000 fe:00 1 /x", /* 65-bit address */
                "7f00-8f00 r-xp 00000000 fe:00 99999999999999999999 /x", /* inode overflow */
                "-8f00 r-xp 00000000 fe:00 1 /x",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_int_equal(parse(bad[i], &e), -EINVAL);
                assert_memory_equal(&e, &untouched, sizeof(e));
        }
        /* the length bounds the line: a NUL-free buffer cut inside the inode */
        assert_int_equal(memlock_parse_maps_line("7f00-8f00 r-xp 00000000 fe:00 1234 /x", 32, &e), 0);
        assert_int_equal(e.inode, 12);
}

static enum memlock_action classify(const char *line, const char *self)
{
        struct maps_entry e;

        assert_int_equal(parse(line, &e), 0);
        return memlock_classify(&e, self);
}

static void test_classify(void **state)
{
        const char *self = "/usr/sbin/reapd";

        assert_int_equal(classify("1000-2000 r-xp 00000000 fe:00 7 /usr/lib/libc.so.6", self), MEMLOCK_TRIM);
        assert_int_equal(classify("1000-2000 r--p 00000000 fe:00 7 /usr/lib/libc.so.6", self), MEMLOCK_TRIM);
        assert_int_equal(classify("1000-2000 ---p 00000000 fe:00 7 /usr/lib/libc.so.6", self), MEMLOCK_TRIM);
        /* written or shared: a private copy, or somebody else's data */
        assert_int_equal(classify("1000-2000 rw-p 00000000 fe:00 7 /usr/lib/libc.so.6", self), MEMLOCK_KEEP);
        assert_int_equal(classify("1000-2000 r--s 00000000 fe:00 7 /usr/lib/libc.so.6", self), MEMLOCK_KEEP);
        /* anonymous, the stack, the vDSO, a BPF map */
        assert_int_equal(classify("1000-2000 r-xp 00000000 00:00 0", self), MEMLOCK_KEEP);
        assert_int_equal(classify("1000-2000 r-xp 00000000 00:00 0  [vdso]", self), MEMLOCK_KEEP);
        assert_int_equal(classify("1000-2000 r--s 00000000 00:0f 1033 anon_inode:bpf-map", self),
                         MEMLOCK_KEEP);
        /* the executable itself is locked whole, also once replaced on disk; its data is kept */
        assert_int_equal(classify("1000-2000 r-xp 00000000 fe:00 9 /usr/sbin/reapd", self),
                         MEMLOCK_POPULATE);
        assert_int_equal(classify("1000-2000 r--p 00000000 fe:00 9 /usr/sbin/reapd (deleted)", self),
                         MEMLOCK_POPULATE);
        assert_int_equal(classify("1000-2000 rw-p 00000000 fe:00 9 /usr/sbin/reapd", self), MEMLOCK_KEEP);
        assert_int_equal(classify("1000-2000 r-xp 00000000 fe:00 9 /usr/sbin/reapdx", self), MEMLOCK_TRIM);
        assert_int_equal(classify("1000-2000 r-xp 00000000 fe:00 9 /usr/sbin/reapd", NULL), MEMLOCK_TRIM);
        assert_int_equal(classify("1000-2000 r-xp 00000000 fe:00 9 /usr/sbin/reapd", ""), MEMLOCK_TRIM);
}

/* pagemap bit 63 of each page of [p, p + n pages) */
static size_t present_pages(const void *p, size_t n, long ps)
{
        uint64_t ent[64];
        size_t got = 0;
        int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

        if (fd < 0 || n > ELEMENTSOF(ent))
                abort();
        if (pread(fd, ent, n * 8, (off_t)((uintptr_t)p / (uintptr_t)ps * 8)) != (ssize_t)(n * 8))
                abort();
        close(fd);
        for (size_t i = 0; i < n; i++)
                got += ent[i] >> 63;
        return got;
}

/* How many lines of /proc/self/maps map @path: the pieces of its mapping. */
static int maps_pieces(const char *path)
{
        char line[512];
        int n = 0;
        FILE *f = fopen("/proc/self/maps", "re");

        if (!f)
                abort();
        while (fgets(line, sizeof(line), f))
                n += strstr(line, path) != NULL;
        fclose(f);
        return n;
}

/*
 * In a child: a 32-page file mapped privately and read-only except page 5, written (a private
 * copy, like relocated data) before the mapping became read-only. After memlock_trim() the
 * file's pages are gone from the page tables, the copy is still there with what was written,
 * every page reads back right, and reading faults them in again. With @split, reading one page
 * maps that page alone until memlock_merge() makes the mapping one piece again.
 */
static int trim_child(const char *path, bool split)
{
        long ps = sysconf(_SC_PAGESIZE);
        struct memlock_trim_result res;
        unsigned char *p;
        size_t pieces = 0;
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return 10;
        p = mmap(NULL, 32 * (size_t)ps, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
                return 11;
        p[5 * ps] = 0xAB;
        if (mprotect(p, 32 * (size_t)ps, PROT_READ) < 0)
                return 12;
        /* as reapd: locked on fault, so trimming must get past the lock */
        if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0)
                return 13;
        for (int i = 0; i < 32; i++)
                (void)*(volatile unsigned char *)(p + i * ps);
        if (present_pages(p, 32, ps) != 32 || maps_pieces(path) != 1)
                return 14;
        if (memlock_trim(split, &res) < 0 || res.dropped < 31 * (size_t)ps || res.mappings == 0 ||
            res.populated == 0 || (res.split >= 16) != split)
                return 15;
        if (present_pages(p, 32, ps) != 1 || present_pages(p + 5 * ps, 1, ps) != 1)
                return 16; /* only the private copy stays */
        if (split) {
                if (maps_pieces(path) != 32)
                        return 20;
                (void)*(volatile unsigned char *)(p + 20 * ps);
                if (present_pages(p, 32, ps) != 2 || present_pages(p + 20 * ps, 1, ps) != 1)
                        return 21; /* page 20 alone, no fault-around */
                if (memlock_merge(&pieces) < 0 || pieces < 32 || maps_pieces(path) != 1)
                        return 22;
                if (present_pages(p, 32, ps) != 2)
                        return 23; /* merging maps nothing */
        }
        for (int i = 0; i < 32; i++)
                if (p[i * ps] != (i == 5 ? 0xAB : (unsigned char)i) || p[i * ps + 1] != (unsigned char)i)
                        return 17;
        if (present_pages(p, 32, ps) != 32)
                return 18;
        memlock_touch(NULL, 1);
        /* past the end of the mapping: stops there, no SIGSEGV */
        if (munmap(p + 30 * ps, 2 * (size_t)ps) < 0)
                return 24;
        memlock_touch(p + 29 * ps + 3, 3 * (size_t)ps);
        return 0;
}

static void run_trim(bool split)
{
        char path[] = "/tmp/reapd-test-memlock.XXXXXX";
        long ps = sysconf(_SC_PAGESIZE);
        unsigned char *page = malloc((size_t)ps);
        int fd = mkstemp(path), status;
        pid_t pid;

        assert_true(fd >= 0 && page);
        for (int i = 0; i < 32; i++) {
                memset(page, i, (size_t)ps);
                assert_int_equal(write(fd, page, (size_t)ps), ps);
        }
        close(fd);
        free(page);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(trim_child(path, split));
        assert_int_equal(waitpid(pid, &status, 0), pid);
        unlink(path);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_trim(void **state)
{
        run_trim(false);
}

static void test_trim_split(void **state)
{
        run_trim(true);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_classify),
                cmocka_unit_test(test_trim),
                cmocka_unit_test(test_trim_split),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
