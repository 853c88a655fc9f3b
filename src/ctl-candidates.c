/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl-candidates.c - reapctl candidates: who would die next, as the daemon would rank them */

#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroupfs.h"
#include "config.h"
#include "ctl.h"
#include "json.h"
#include "procfs.h"
#include "select.h"
#include "util.h"

/* Rows shown without -n: a screenful; --limit 0 shows all. */
#define CANDIDATES_LIMIT_DEFAULT 20

struct args {
        bool json;
        bool all;
        const char *cgroup;
        const char *config;
        const char *proc;
        uint64_t limit;
};

static void help(void)
{
        printf("Usage: reapctl candidates [OPTIONS]\n"
               "\n"
               "Rank processes the way reapd picks its victim: the kernel's badness, then the\n"
               "Prefer=/Avoid=/Ignore= policy. Best victim first.\n"
               "\n"
               "Options:\n"
               "  -h --help          Show this help and exit\n"
               "     --json         An array of objects instead of a table\n"
               "     --cgroup=PATH  Only this cgroup2 subtree, scored against its memory limit\n"
               "     --config=FILE  Apply the policy of this reapd.conf (default: none)\n"
               "     --proc=DIR     Proc root to read (default: /proc)\n"
               "  -n --limit=N      Show the best N (default %d, 0 = all)\n"
               "     --all          Also list processes the policy ignores\n",
               CANDIDATES_LIMIT_DEFAULT);
}

static int parse_args(int argc, char **argv, struct args *a)
{
        enum { ARG_JSON = 0x100, ARG_CGROUP, ARG_CONFIG, ARG_PROC, ARG_ALL };
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"json", no_argument, NULL, ARG_JSON},
                {"cgroup", required_argument, NULL, ARG_CGROUP},
                {"config", required_argument, NULL, ARG_CONFIG},
                {"proc", required_argument, NULL, ARG_PROC},
                {"limit", required_argument, NULL, 'n'},
                {"all", no_argument, NULL, ARG_ALL},
                {},
        };
        int c;

        optind = 0; /* reapctl's own getopt already ran: make glibc start over */
        while ((c = getopt_long(argc, argv, "hn:", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        help();
                        return 1;
                case ARG_JSON:
                        a->json = true;
                        break;
                case ARG_CGROUP:
                        a->cgroup = optarg;
                        break;
                case ARG_CONFIG:
                        a->config = optarg;
                        break;
                case ARG_PROC:
                        a->proc = optarg;
                        break;
                case 'n':
                        if (parse_u64(optarg, &a->limit) < 0) {
                                fprintf(stderr, "reapctl candidates: invalid limit '%s'\n", optarg);
                                return -EINVAL;
                        }
                        break;
                case ARG_ALL:
                        a->all = true;
                        break;
                default:
                        fprintf(stderr, "Try 'reapctl candidates --help' for more information.\n");
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "reapctl candidates: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        return 0;
}

/* The rule text for output: the rule as written, the xattr, or NULL. */
static const char *rule_text(const struct policy *p, const struct candidate *c)
{
        if (c->rule >= 0 && (size_t)c->rule < p->n_rules)
                return p->rules[c->rule].spec;
        if (c->match == SCORE_MATCH_XATTR_AVOID)
                return "xattr:user.reapd_avoid";
        if (c->match == SCORE_MATCH_XATTR_OMIT)
                return "xattr:user.reapd_omit";
        return NULL;
}

static void print_json(const struct snapshot *s, const struct policy *p, const struct candidate *c, size_t n,
                       uint64_t total_pages)
{
        printf("[");
        for (size_t i = 0; i < n; i++) {
                const struct proc_info *pi = &s->procs[c[i].idx];
                const char *rule = rule_text(p, &c[i]), *action = score_match_to_string(c[i].match);
                const char *cg = snapshot_str(s, pi->cgroup);

                printf("%s\n  {\"pid\": %d, \"comm\": ", i ? "," : "", (int)pi->pid);
                json_print_string(stdout, pi->comm, strlen(pi->comm));
                printf(", \"uid\": %u, \"oom_score_adj\": %d, \"rss_kb\": %" PRIu64 ", \"swap_kb\": %" PRIu64
                       ", \"pgtables_kb\": %" PRIu64 ", \"badness\": %" PRId64 ", \"score\": %" PRId64
                       ", \"oom_score\": %u, \"starttime\": %" PRIu64 ", \"cgroup\": ",
                       (unsigned)pi->uid, pi->oom_score_adj, pi->rss_kb, pi->swap_kb, pi->pgtables_kb,
                       c[i].badness, c[i].score, score_oom_score(c[i].badness, total_pages), pi->starttime);
                json_print_string(stdout, cg, strlen(cg));
                printf(", \"rule\": ");
                if (rule)
                        json_print_string(stdout, rule, strlen(rule));
                else
                        printf("null");
                printf(", \"action\": ");
                if (action)
                        printf("\"%s\"}", action);
                else
                        printf("null}");
        }
        printf("%s]\n", n ? "\n" : "");
}

/* A terminal must not interpret a process's name: control bytes become '?'. */
static const char *printable(const char *in, char *buf, size_t size)
{
        size_t i;

        for (i = 0; in[i] && i + 1 < size; i++)
                buf[i] = (unsigned char)in[i] < 0x20 || in[i] == 0x7f ? '?' : in[i];
        buf[i] = '\0';
        return buf;
}

static void print_table(const struct snapshot *s, const struct policy *p, const struct candidate *c,
                        size_t n, uint64_t total_pages)
{
        printf("%7s %-15s %6s %5s %7s %7s %7s %10s %9s %-20s %s\n", "PID", "COMM", "UID", "ADJ", "RSS",
               "SWAP", "PGTBL", "BADNESS", "OOM_SCORE", "RULE", "CGROUP");
        for (size_t i = 0; i < n; i++) {
                const struct proc_info *pi = &s->procs[c[i].idx];
                const char *rule = rule_text(p, &c[i]);
                char comm[PROC_COMM_BUF], rss[16], swap[16], pte[16], rb[64], cg[PATH_MAX];

                snprintf(rb, sizeof(rb), "%s%s%s", rule ? score_match_to_string(c[i].match) : "-",
                         rule ? " " : "", rule ? rule : "");
                printf("%7d %-15s %6u %5d %7s %7s %7s %10" PRId64 " %9u %-20s %s\n", (int)pi->pid,
                       printable(pi->comm, comm, sizeof(comm)), (unsigned)pi->uid, pi->oom_score_adj,
                       format_size(rss, sizeof(rss), pi->rss_kb * 1024),
                       format_size(swap, sizeof(swap), pi->swap_kb * 1024),
                       format_size(pte, sizeof(pte), pi->pgtables_kb * 1024), c[i].badness,
                       score_oom_score(c[i].badness, total_pages), printable(rb, rb, sizeof(rb)),
                       printable(snapshot_str(s, pi->cgroup), cg, sizeof(cg)));
        }
}

int ctl_candidates(int argc, char **argv)
{
        struct args a = {.proc = "/proc", .limit = CANDIDATES_LIMIT_DEFAULT};
        _cleanup_(freep) struct reapd_config *cfg = NULL;
        _cleanup_(freep) struct candidate *out = NULL;
        _cleanup_(closep) int fd = -1;
        struct cgroup_roots roots = {};
        struct snapshot_opts opts = {};
        struct snapshot s = {};
        struct score_ctx ctx = {};
        const char *scope;
        size_t n;
        int r, ret = 1;

        r = parse_args(argc, argv, &a);
        if (r != 0)
                return r < 0 ? 2 : 0;

        cfg = malloc(sizeof(*cfg));
        if (!cfg) {
                fprintf(stderr, "reapctl candidates: out of memory\n");
                return 1;
        }
        if (a.config) {
                r = config_load(a.config, stderr, cfg);
                if (r < 0) {
                        fprintf(stderr, "reapctl candidates: cannot load %s: %s\n", a.config, strerror(-r));
                        return 1;
                }
        } else
                config_init(cfg);
        scope = a.cgroup ? a.cgroup : cfg->cgroup;

        fd = open(a.proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "reapctl candidates: cannot open %s: %m\n", a.proc);
                goto finish;
        }
        /* without cgroup2 there are no xattrs to honour, and only a scope needs it */
        r = cgroup_roots_discover("/proc/self/mountinfo", &roots);
        if (r < 0 && *scope) {
                fprintf(stderr, "reapctl candidates: --cgroup needs cgroup2: %s\n", strerror(-r));
                goto finish;
        }
        opts = (struct snapshot_opts){
                .fields = cfg->policy.fields_used | POLICY_FIELD_BIT(POLICY_FIELD_CGROUP),
                .cgroup = *scope ? scope : NULL,
                .cgroup_root = r >= 0 ? roots.v2 : NULL,
                .xattrs = cfg->policy.honor_xattrs && r >= 0,
        };
        r = snapshot_take(fd, &opts, &s);
        if (r < 0) {
                fprintf(stderr, "reapctl candidates: cannot read processes under %s: %s\n", a.proc,
                        strerror(-r));
                goto finish;
        }
        ctx = (struct score_ctx){.total_pages = s.total_pages, .page_size = s.page_size};
        if (*scope) {
                struct cgroup_memory m;
                char dir[PATH_MAX];

                r = cgroup_path_join(dir, sizeof(dir), roots.v2, scope, "");
                if (r < 0 || access(dir, F_OK) < 0) {
                        fprintf(stderr, "reapctl candidates: no cgroup %s\n", scope);
                        goto finish;
                }
                /* on a hybrid host the v1 memory twin of a cgroup2 group may not exist */
                r = cgroup_memory_read(&roots, scope, &m);
                if (r < 0)
                        fprintf(stderr,
                                "reapctl candidates: no memory limit for %s (%s), using system totals\n",
                                scope, strerror(-r));
                else
                        ctx.total_pages =
                                score_scope_total_pages(&m, s.swap_pages, s.total_pages, s.page_size);
        }

        out = calloc(s.n_procs ? s.n_procs : 1, sizeof(*out));
        if (!out) {
                fprintf(stderr, "reapctl candidates: out of memory\n");
                goto finish;
        }
        n = select_rank(&s, &cfg->policy, &ctx, a.all, out,
                        a.limit == 0 || a.limit > s.n_procs ? s.n_procs : (size_t)a.limit);
        if (a.json)
                print_json(&s, &cfg->policy, out, n, ctx.total_pages);
        else
                print_table(&s, &cfg->policy, out, n, ctx.total_pages);
        ret = fflush(stdout) == 0 ? 0 : 1;
finish:
        snapshot_done(&s);
        config_done(cfg);
        return ret;
}
