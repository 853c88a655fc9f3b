#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rank-bpf.h - select's optional pass 1: every process's badness inputs from a BPF task iterator */

/*
 * One BPF task iterator, loaded and attached once, replaces reading /proc/<pid>/oom_score for
 * every process: each run walks the kernel's task list and hands back one struct rank_record
 * per process (rss, swap and page-table pages, oom_score_adj, flags), already restricted to
 * reapd's PID namespace (pids as reapd sees them) and, if asked, to one cgroup2 subtree. With
 * meson -Dbpf=disabled (or clang, bpftool, libbpf or kernel BTF missing at build time) the
 * stub in rank-bpf-stub.c is built instead and rank_bpf_new() returns -EOPNOTSUPP.
 */

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "rank-record.h"

/*
 * Records per read(): one page of them. The kernel fills its own seq buffer (8 pages) and
 * copies out what the read asks for, so a smaller buffer costs a few more syscalls, not
 * another walk; a whole record count so none is torn.
 */
#define RANK_BPF_CHUNK (4096 / sizeof(struct rank_record))

struct rank_bpf;

/*
 * rank_bpf_new() - load, verify and attach the iterator; needs CAP_BPF and CAP_PERFMON (or
 * CAP_SYS_ADMIN) and kernel BTF. Runs it once, to fail here rather than at the first
 * selection. Logs nothing (libbpf's own messages are silenced). Returns 0 with *@ret owned by
 * the caller, or a negative errno: -EOPNOTSUPP built without BPF, -ENOENT no
 * /sys/kernel/btf/vmlinux, -EPERM missing privileges, -EINVAL and others a verifier reject or
 * a kernel without task iterators. @ret untouched on failure.
 */
int rank_bpf_new(struct rank_bpf **ret);

/*
 * rank_bpf_strerror() - why rank_bpf_new() or rank_bpf_collect() failed with @error, for the
 * daemon's log: "built without BPF support", "no kernel BTF at /sys/kernel/btf/vmlinux",
 * "loading BPF needs CAP_BPF and CAP_PERFMON", else strerror(). Static string.
 */
const char *rank_bpf_strerror(int error);

/* rank_bpf_free() - detach and unload; accepts NULL; returns NULL. */
struct rank_bpf *rank_bpf_free(struct rank_bpf *r);

/*
 * rank_bpf_chunk_fn - receives the iterator's records @n at a time (@n >= 1), in the kernel's
 * task order, from a buffer that the next chunk overwrites. A negative return stops the run.
 */
typedef int (*rank_bpf_chunk_fn)(const struct rank_record *recs, size_t n, void *userdata);

/*
 * rank_bpf_collect() - run the iterator once: the processes visible in reapd's PID namespace
 * (under cgroup2 id @cgroup_id if it is not 0, found at depth @cgroup_level or deeper, as
 * rank_bpf_cgroup_id() gives them: a cgroup namespace hides the levels above its root) are
 * handed to @fn in chunks of at most RANK_BPF_CHUNK records, read into a buffer on the stack:
 * the run holds no memory that grows with the number of processes, and allocates nothing.
 * The kernel's task lock is taken per task, not across the walk: processes that start or exit
 * meanwhile may be missed or included, as with a /proc listing. Returns 0, @fn's negative
 * return, or a negative errno (the iterator's own error; -EIO for a torn record).
 */
int rank_bpf_collect(struct rank_bpf *r, uint64_t cgroup_id, unsigned cgroup_level, rank_bpf_chunk_fn fn,
                     void *userdata);

/*
 * rank_bpf_cgroup_id() - the cgroup2 id of @cgroup (a path such as "/my.slice/x.scope") under
 * the cgroup2 mount @root, and its depth (0 for "/"). On cgroup2 the directory's inode number
 * is the id the kernel gives the cgroup (kernfs_node.id on 64-bit). Returns 0, or a negative
 * errno (-ENOENT: no such cgroup); out-parameters untouched on failure.
 */
int rank_bpf_cgroup_id(const char *root, const char *cgroup, uint64_t *ret_id, unsigned *ret_level);
