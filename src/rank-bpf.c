/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rank-bpf.c - load the task iterator once, run it per selection into a reused buffer */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/libbpf.h>

#include "cgroup.h"
#include "rank-bpf.h"
#include "rank.skel.h"
#include "util.h"

/* First buffer: records for this many processes; rank_bpf_new() sizes it to the machine. */
#define RANK_BPF_INITIAL 1024
/* Headroom over the processes seen at start, so ordinary churn does not make a selection allocate. */
#define RANK_BPF_HEADROOM 2

struct rank_bpf {
        struct rank_prog *skel;
        int link_fd; /* the skeleton's link: each run only needs this fd */
        struct rank_record *buf;
        size_t alloc; /* records */
};

/* Library code does not log: libbpf's warnings (verifier logs included) would reach stderr. */
static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
        return 0;
}

static int buf_grow(struct rank_bpf *r, size_t need)
{
        size_t n = r->alloc ? r->alloc : RANK_BPF_INITIAL;
        void *p;

        if (need <= r->alloc)
                return 0;
        while (n < need) {
                if (n > SIZE_MAX / 2 / sizeof(*r->buf))
                        return -ENOMEM;
                n *= 2;
        }
        p = realloc(r->buf, n * sizeof(*r->buf));
        if (!p)
                return -ENOMEM;
        r->buf = p;
        r->alloc = n;
        return 0;
}

/* BPF_ITER_CREATE by hand, not libbpf's bpf_iter_create(): after loading, a selection runs no
 * libbpf code, so none of its pages need to stay mapped and locked (caps_trim()). */
static int iter_create(int link_fd)
{
        union bpf_attr attr;

        memset(&attr, 0, sizeof(attr));
        attr.iter_create.link_fd = (__u32)link_fd;
        return (int)syscall(__NR_bpf, BPF_ITER_CREATE, &attr, sizeof(attr));
}

/* Reads the whole iterator output into r->buf; returns the number of records or a negative errno. */
static ssize_t run(struct rank_bpf *r)
{
        _cleanup_(closep) int fd = -1;
        size_t len = 0;

        fd = iter_create(r->link_fd);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t n;
                int e;

                /* the kernel hands out at most its seq buffer (8 pages) per read; ask for all the room left */
                if (len == r->alloc * sizeof(*r->buf)) {
                        e = buf_grow(r, r->alloc + 1);
                        if (e < 0)
                                return e;
                }
                n = read(fd, (char *)r->buf + len, r->alloc * sizeof(*r->buf) - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        if (len % sizeof(*r->buf))
                return -EIO; /* records are written whole: a torn one means another layout */
        return (ssize_t)(len / sizeof(*r->buf));
}

int rank_bpf_new(struct rank_bpf **ret)
{
        struct rank_bpf *r;
        struct stat st;
        long ps = sysconf(_SC_PAGESIZE);
        ssize_t n;
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
        r->skel = rank_prog__open();
        if (!r->skel) {
                e = -errno;
                goto fail;
        }
        r->skel->rodata->pidns_inum = (__u32)st.st_ino;
        r->skel->rodata->page_shift = (__u64)__builtin_ctzl(ps > 0 ? (unsigned long)ps : 4096);
        e = rank_prog__load(r->skel);
        if (e == 0)
                e = rank_prog__attach(r->skel);
        if (e < 0)
                goto fail;
        r->link_fd = bpf_link__fd(r->skel->links.rank);
        e = buf_grow(r, RANK_BPF_INITIAL);
        if (e < 0)
                goto fail;
        n = run(r);
        if (n < 0) {
                e = (int)n;
                goto fail;
        }
        if (n == 0) {
                e = -ENODATA; /* not even reapd itself: the namespace filter sees nothing */
                goto fail;
        }
        e = buf_grow(r, (size_t)n * RANK_BPF_HEADROOM);
        if (e < 0)
                goto fail;
        *ret = r;
        return 0;
fail:
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
        rank_prog__destroy(r->skel);
        free(r->buf);
        free(r);
        return NULL;
}

int rank_bpf_collect(struct rank_bpf *r, uint64_t cgroup_id, unsigned cgroup_level,
                     const struct rank_record **recs, size_t *n)
{
        ssize_t k;

        /* .bss is mmapped: the next iterator run reads the new filter, no syscall needed. For the
         * same scope keep the level the program found, which a cgroup namespace may put deeper. */
        if (r->skel->bss->cgroup_id != cgroup_id || r->skel->bss->cgroup_level < cgroup_level) {
                r->skel->bss->cgroup_id = cgroup_id;
                r->skel->bss->cgroup_level = cgroup_level;
        }
        k = run(r);
        if (k < 0)
                return (int)k;
        *recs = r->buf;
        *n = (size_t)k;
        return 0;
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
