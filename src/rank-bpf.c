/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rank-bpf.c - load the task iterator once, run it per selection a chunk of records at a time */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/libbpf.h>

#include "cgroupfs.h"
#include "rank-bpf.h"
#include "rank.skel.h"
#include "util.h"

/*
 * What a run needs once loaded: the link's fd (each run creates an iterator from it) and the
 * program's .bss, mmapped (the cgroup filter). The skeleton itself, with libbpf's copy of the
 * object, its BTF and its bookkeeping (heap that would stay locked), is destroyed after loading: the
 * kernel keeps the link alive through the duplicated fd, the program through the link, and the
 * map through the program and the mapping.
 */
struct rank_bpf {
        int link_fd;
        struct rank_prog__bss *bss;
        size_t bss_len;
};

/*
 * Library code does not log: libbpf's warnings (verifier logs included) would reach stderr.
 * REAPD_BPF_LOG=1 in the environment lets its warnings through, to tell why a kernel refused
 * the program (reapd(8), BPF ranking).
 */
_printf_(2, 0) static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
        static int verbose = -1;

        if (verbose < 0)
                verbose = getenv("REAPD_BPF_LOG") != NULL;
        if (!verbose || level == LIBBPF_DEBUG)
                return 0;
        return vfprintf(stderr, fmt, ap);
}

/* BPF_ITER_CREATE by hand, not libbpf's bpf_iter_create(): after loading, a selection runs no
 * libbpf code, so none of it has to be resident when memory is short. */
static int iter_create(int link_fd)
{
        union bpf_attr attr;

        memset(&attr, 0, sizeof(attr));
        attr.iter_create.link_fd = (__u32)link_fd;
        return (int)syscall(__NR_bpf, BPF_ITER_CREATE, &attr, sizeof(attr));
}

/*
 * Reads the iterator output a chunk at a time and hands each to @fn. A read may end inside a
 * record (it does not with the kernel's seq buffer holding whole ones, but nothing promises
 * it): the torn part is kept at the front for the next read.
 */
static int run(struct rank_bpf *r, rank_bpf_chunk_fn fn, void *userdata)
{
        struct rank_record buf[RANK_BPF_CHUNK];
        _cleanup_(closep) int fd = -1;
        size_t len = 0;

        fd = iter_create(r->link_fd);
        if (fd < 0)
                return -errno;
        for (;;) {
                size_t whole;
                ssize_t n;
                int e;

                n = read_retry(fd, (char *)buf + len, sizeof(buf) - len);
                if (n < 0)
                        return (int)n;
                if (n == 0)
                        break;
                len += (size_t)n;
                whole = len / sizeof(*buf);
                if (whole == 0)
                        continue;
                e = fn(buf, whole, userdata);
                if (e < 0)
                        return e;
                len -= whole * sizeof(*buf);
                memmove(buf, buf + whole, len);
        }
        return len ? -EIO : 0; /* records are written whole: a torn one means another layout */
}

static int count_chunk(const struct rank_record *recs, size_t n, void *userdata)
{
        size_t *total = userdata;

        *total += n;
        return 0;
}

int rank_bpf_new(struct rank_bpf **ret)
{
        struct rank_prog *skel = NULL;
        struct rank_bpf *r;
        size_t page;
        struct stat st;
        long ps = sysconf(_SC_PAGESIZE);
        size_t n = 0;
        int e;

        /* CO-RE relocates against the running kernel's BTF; without it nothing can be verified */
        if (access("/sys/kernel/btf/vmlinux", R_OK) < 0)
                return -errno;
        if (stat("/proc/self/ns/pid", &st) < 0)
                return -errno;
        libbpf_set_print(silent);
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->link_fd = -1;
        r->bss = MAP_FAILED;
        skel = rank_prog__open();
        if (!skel) {
                e = -errno;
                goto fail;
        }
        skel->rodata->pidns_inum = (__u32)st.st_ino;
        skel->rodata->page_shift = (__u64)__builtin_ctzl(ps > 0 ? (unsigned long)ps : 4096);
        e = rank_prog__load(skel);
        if (e == 0)
                e = rank_prog__attach(skel);
        if (e < 0)
                goto fail;
        r->link_fd = fcntl(bpf_link__fd(skel->links.rank), F_DUPFD_CLOEXEC, 3);
        if (r->link_fd < 0) {
                e = -errno;
                goto fail;
        }
        page = ps > 0 ? (size_t)ps : 4096;
        r->bss_len = ((size_t)bpf_map__value_size(skel->maps.bss) + page - 1) / page * page;
        r->bss = mmap(NULL, r->bss_len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(skel->maps.bss), 0);
        if (r->bss == MAP_FAILED) {
                e = -errno;
                goto fail;
        }
        rank_prog__destroy(skel); /* the kernel objects stay: see struct rank_bpf */
        skel = NULL;
        e = run(r, count_chunk, &n);
        if (e < 0)
                goto fail;
        if (n == 0) {
                e = -ENODATA; /* not even reapd itself: the namespace filter sees nothing */
                goto fail;
        }
        *ret = r;
        return 0;
fail:
        rank_prog__destroy(skel);
        rank_bpf_free(r);
        return e < 0 ? e : -EINVAL;
}

const char *rank_bpf_strerror(int error)
{
        switch (error < 0 ? -error : error) {
        case EOPNOTSUPP:
                return "built without BPF support";
        case ENOENT:
                return "no kernel BTF at /sys/kernel/btf/vmlinux";
        case EPERM:
        case EACCES:
                return "loading BPF needs CAP_BPF and CAP_PERFMON";
        default:
                return strerror(error < 0 ? -error : error);
        }
}

struct rank_bpf *rank_bpf_free(struct rank_bpf *r)
{
        if (!r)
                return NULL;
        if (r->bss != MAP_FAILED)
                (void)munmap(r->bss, r->bss_len);
        if (r->link_fd >= 0)
                close(r->link_fd);
        free(r);
        return NULL;
}

int rank_bpf_collect(struct rank_bpf *r, uint64_t cgroup_id, unsigned cgroup_level, rank_bpf_chunk_fn fn,
                     void *userdata)
{
        /* .bss is mmapped: the next iterator run reads the new filter, no syscall needed. For the
         * same scope keep the level the program found, which a cgroup namespace may put deeper. */
        if (r->bss->cgroup_id != cgroup_id || r->bss->cgroup_level < cgroup_level) {
                r->bss->cgroup_id = cgroup_id;
                r->bss->cgroup_level = cgroup_level;
        }
        return run(r, fn, userdata);
}

int rank_bpf_cgroup_id(const char *root, const char *cgroup, uint64_t *ret_id, unsigned *ret_level)
{
        unsigned level = 0;
        struct stat st;
        int e;

        for (const char *p = cgroup; *p;) {
                size_t len;

                p += strspn(p, "/");
                len = strcspn(p, "/");
                if (len == 0)
                        break;
                if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
                        return -EINVAL; /* the depth would not be the component count */
                level++;
                p += len;
        }
        e = cgroup_dir_stat(root, cgroup, &st);
        if (e < 0)
                return e;
        *ret_id = (uint64_t)st.st_ino;
        *ret_level = level;
        return 0;
}
