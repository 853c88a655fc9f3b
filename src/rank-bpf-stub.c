/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rank-bpf-stub.c - rank-bpf.h when built without BPF: never available, /proc oom_score is used */

#include <errno.h>

#include "rank-bpf.h"

int rank_bpf_new(struct rank_bpf **ret)
{
        return -EOPNOTSUPP;
}

const char *rank_bpf_strerror(int error)
{
        return "built without BPF support";
}

struct rank_bpf *rank_bpf_free(struct rank_bpf *r)
{
        return NULL;
}

int rank_bpf_collect(struct rank_bpf *r, uint64_t cgroup_id, unsigned cgroup_level, rank_bpf_chunk_fn fn,
                     void *userdata)
{
        return -EOPNOTSUPP;
}

int rank_bpf_cgroup_id(const char *root, const char *cgroup, uint64_t *ret_id, unsigned *ret_level)
{
        return -EOPNOTSUPP;
}
