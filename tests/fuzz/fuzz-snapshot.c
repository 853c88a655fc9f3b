/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz-snapshot.c - snapshot_take(), select_ranked() and select_best() over hostile proc trees */

/*
 * The parsers are fuzzed one by one elsewhere; this target fuzzes what glues them: the walk
 * (pid directory names, files that disagree with each other, missing files), the string
 * arena and the cgroup interning table, scope filtering, and the scoring arithmetic over
 * whatever numbers the files claim. The input is split at NUL bytes: meminfo first, then
 * per process its directory name, stat, status, oom_score_adj, oom_score, cgroup and
 * cmdline. The tree is rewritten into one scratch directory per input.
 * Checks: no crash, leak or UB (ASan, UBSan); the victim is never an excluded process (nor one
 * whose oom_score the kernel left at 0, score_kernel_unscored()); the cgroup scope only lists
 * processes below it.
 */

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "select.h"
#include "snapshot.h"
#include "util.h"

#define FUZZ_TREE_PROCS 16
#define FILES_PER_PROC 7

static const char *const files[FILES_PER_PROC - 1] = {"stat",      "status", "oom_score_adj",
                                                      "oom_score", "cgroup", "cmdline"};
static char root[PATH_MAX];
static int rootfd = -1;
static struct snapshot snap;
static struct selector sel;
static struct policy pol;

static void clear_tree(void);

static void remove_root(void)
{
        clear_tree();
        (void)rmdir(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        char err[128];

        const char *tmp = getenv("TMPDIR");

        /* under $TMPDIR, which run-fuzz.sh points at its own scratch dir and removes at the end:
         * libFuzzer may leave by _Exit(), skipping the atexit() cleanup */
        snprintf(root, sizeof(root), "%s/reapd-fuzz-snapshot.%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
        FUZZ_ASSERT(mkdir(root, 0700) == 0 || errno == EEXIST);
        rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        FUZZ_ASSERT(rootfd >= 0);
        policy_init(&pol);
        FUZZ_ASSERT(policy_add_rule(&pol, POLICY_PREFER, "cmdline:^a", err, sizeof(err)) == 0);
        FUZZ_ASSERT(policy_add_rule(&pol, POLICY_IGNORE, "cgroup:^/keep", err, sizeof(err)) == 0);
        FUZZ_ASSERT(policy_add_rule(&pol, POLICY_AVOID, "uid:0", err, sizeof(err)) == 0);
        atexit(remove_root);
        return 0;
}

/* Empties the scratch tree: one level of pid dirs holding plain files. */
static void clear_tree(void)
{
        /* a fresh fd: a dup() would share rootfd's offset, and the next walk would see nothing */
        DIR *d = fdopendir(openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        struct dirent *e;

        FUZZ_ASSERT(d);
        while ((e = readdir(d))) {
                int sub;
                DIR *sd;
                struct dirent *f;

                if (e->d_name[0] == '.')
                        continue;
                if (unlinkat(rootfd, e->d_name, 0) == 0)
                        continue;
                sub = openat(rootfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (sub < 0)
                        continue;
                sd = fdopendir(sub);
                FUZZ_ASSERT(sd);
                while ((f = readdir(sd)))
                        if (f->d_name[0] != '.')
                                (void)unlinkat(sub, f->d_name, 0);
                closedir(sd);
                (void)unlinkat(rootfd, e->d_name, AT_REMOVEDIR);
        }
        closedir(d);
}

static void put(const char *path, const char *data, size_t len)
{
        int fd = openat(rootfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        if (fd < 0)
                return;
        (void)!write(fd, data, len);
        close(fd);
}

/* A pid directory name from the input: digits kept, anything else makes it a non-pid entry. */
static void dir_name(const char *chunk, size_t len, size_t i, char *out, size_t size)
{
        size_t n = 0;

        for (size_t k = 0; k < len && n + 1 < size && n < 12; k++)
                if (chunk[k] != '/' && chunk[k] != '\0')
                        out[n++] = chunk[k];
        out[n] = '\0';
        if (n == 0 || streq(out, ".") || streq(out, ".."))
                snprintf(out, size, "%zu", 100 + i);
}

static void check_victim(const struct snapshot *s, const struct candidate *c, const char *scope)
{
        const struct proc_info *p;

        FUZZ_ASSERT(c->idx < s->n_procs);
        p = &s->procs[c->idx];
        FUZZ_ASSERT(!(p->flags & (PROC_KTHREAD | PROC_EXITING | PROC_INIT | PROC_SELF)));
        FUZZ_ASSERT(p->oom_score_adj > SCORE_ADJ_UNKILLABLE);
        FUZZ_ASSERT(!score_kernel_unscored(p, s->total_pages));
        /* the Ignore= rule "cgroup:^/keep" */
        FUZZ_ASSERT(strncmp(snapshot_str(s, p->cgroup), "/keep", 5) != 0);
        if (scope)
                FUZZ_ASSERT(cgroup_is_descendant(snapshot_str(s, p->cgroup), scope));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *d = (const char *)data, *end = d + size;
        struct snapshot_opts opts = {.fields = pol.fields_used, .self = 1};
        struct candidate c;
        struct score_ctx ctx;
        char name[16], path[64];
        size_t chunk = 0, proc = 0;
        int r;

        clear_tree();
        while (d <= end && proc < FUZZ_TREE_PROCS) {
                const char *z = memchr(d, '\0', (size_t)(end - d));
                size_t len = z ? (size_t)(z - d) : (size_t)(end - d);

                if (chunk == 0) {
                        put("meminfo", d, len);
                } else {
                        size_t k = (chunk - 1) % FILES_PER_PROC;

                        if (k == 0) {
                                dir_name(d, len, proc, name, sizeof(name));
                                (void)mkdirat(rootfd, name, 0755);
                        } else {
                                snprintf(path, sizeof(path), "%s/%s", name, files[k - 1]);
                                put(path, d, len);
                                if (k == FILES_PER_PROC - 1)
                                        proc++;
                        }
                }
                chunk++;
                if (!z)
                        break;
                d = z + 1;
        }

        r = snapshot_take(rootfd, &opts, &snap);
        FUZZ_ASSERT(r <= 0);
        if (r == 0) {
                ctx = (struct score_ctx){.total_pages = snap.total_pages, .page_size = snap.page_size};
                if (select_best(&snap, &pol, &ctx, &c) == 0)
                        check_victim(&snap, &c, NULL);
        }
        r = select_ranked(&sel, rootfd, &opts, &pol, NULL, &c);
        FUZZ_ASSERT(r <= 0 || r == SCORE_NO_CANDIDATE);
        if (r == 0)
                check_victim(&sel.snapshot, &c, NULL);

        /* a scope: only processes below it are listed, whatever the cgroup files say */
        opts.cgroup = "/a";
        r = snapshot_take(rootfd, &opts, &snap);
        FUZZ_ASSERT(r <= 0);
        for (size_t i = 0; r == 0 && i < snap.n_procs; i++)
                FUZZ_ASSERT(cgroup_is_descendant(snapshot_str(&snap, snap.procs[i].cgroup), "/a"));
        if (r == 0 && select_best(&snap, &pol, NULL, &c) == 0)
                check_victim(&snap, &c, "/a");
        return 0;
}
