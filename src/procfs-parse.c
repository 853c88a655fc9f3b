/* SPDX-License-Identifier: GPL-2.0-or-later */
/* procfs-parse.c - the /proc/<pid> parsers: pure, fuzzable, over a buffer or a stream of pieces */

#include <errno.h>
#include <string.h>

#include "procfs.h"
#include "util.h"

static bool is_blank(char c)
{
        return c == ' ' || c == '\t' || c == '\n';
}

/* Parses an unsigned decimal at *p, before @end (no sign, no blanks), advances *p. Refuses overflow. */
static int take_u64(const char **p, const char *end, uint64_t *ret)
{
        const char *s = *p;
        uint64_t v = 0;

        if (s >= end || *s < '0' || *s > '9')
                return -EINVAL;
        for (; s < end && *s >= '0' && *s <= '9'; s++) {
                unsigned d = (unsigned)(*s - '0');

                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *p = s;
        *ret = v;
        return 0;
}

/* Like take_u64() with an optional '-' and an int64 range. */
static int take_i64(const char **p, const char *end, int64_t *ret)
{
        const char *s = *p;
        bool neg = s < end && *s == '-';
        uint64_t v;
        int r;

        s += neg;
        r = take_u64(&s, end, &v);
        if (r < 0)
                return r;
        if (v > (uint64_t)INT64_MAX)
                return -ERANGE;
        *p = s;
        *ret = neg ? -(int64_t)v : (int64_t)v;
        return 0;
}

static int take_pid(const char **p, const char *end, pid_t *ret)
{
        int64_t v;
        int r = take_i64(p, end, &v);

        if (r < 0)
                return r;
        if (v < INT32_MIN || v > INT32_MAX)
                return -ERANGE;
        *ret = (pid_t)v;
        return 0;
}

/*
 * Moves *p to the start of the next space-separated stat token; fails at the end of the text.
 * Only ' ' separates (the kernel prints single spaces): a tab inside a token is part of it.
 */
static int next_token(const char **p)
{
        const char *s = *p;

        while (*s && *s != ' ' && *s != '\n')
                s++;
        while (*s == ' ')
                s++;
        if (!*s || *s == '\n')
                return -EINVAL;
        *p = s;
        return 0;
}

int proc_stat_parse(const char *buf, struct proc_stat *ret)
{
        struct proc_stat st = {};
        const char *open, *close, *p, *end;
        uint64_t v;
        int field, r;

        if (!buf)
                return -EINVAL;
        p = buf;
        end = buf + strlen(buf);
        r = take_pid(&p, end, &st.pid);
        if (r < 0 || st.pid <= 0)
                return -EINVAL;
        open = strchr(buf, '(');
        close = strrchr(buf, ')');
        if (!open || !close || close < open || open != p + 1 || *p != ' ')
                return -EINVAL;
        memcpy(st.comm, open + 1, MIN((size_t)(close - open - 1), sizeof(st.comm) - 1));

        /* field 3 (state) follows ") "; then count fields up to 24 */
        p = close + 1;
        if (*p != ' ' || !p[1] || is_blank(p[1]))
                return -EINVAL;
        p++;
        st.state = *p;
        for (field = 4; field <= 24; field++) {
                bool number = true;

                r = next_token(&p);
                if (r < 0)
                        return r;
                switch (field) {
                case 4:
                        r = take_pid(&p, end, &st.ppid);
                        break;
                case 5:
                        r = take_pid(&p, end, &st.pgid);
                        break;
                case 9:
                        r = take_u64(&p, end, &v);
                        if (r >= 0 && v > UINT32_MAX)
                                r = -EINVAL;
                        st.flags = (unsigned)v;
                        break;
                case 22:
                        r = take_u64(&p, end, &st.starttime);
                        break;
                case 23:
                        r = take_u64(&p, end, &st.vsize);
                        break;
                case 24:
                        r = take_u64(&p, end, &st.rss_pages);
                        break;
                default:
                        number = false;
                        break;
                }
                /* a number must fill its field: "12x" is not 12, and must not shift the fields after it */
                if (r >= 0 && number && *p && *p != ' ' && *p != '\n')
                        r = -EINVAL;
                if (r < 0)
                        return -EINVAL;
        }
        *ret = st;
        return 0;
}

/* The status keys reapd reads. */
enum {
        STATUS_STATE,
        STATUS_TGID,
        STATUS_PPID,
        STATUS_UID,
        STATUS_VMRSS,
        STATUS_RSSANON,
        STATUS_RSSFILE,
        STATUS_RSSSHMEM,
        STATUS_VMSWAP,
        STATUS_VMPTE,
        STATUS_SIGPND,
        STATUS_SHDPND,
        STATUS_CAPINH,
        STATUS_CAPPRM,
        STATUS_CAPEFF,
        STATUS_CAPBND,
        STATUS_CAPAMB,
        STATUS_VMLCK,
        STATUS_HUGETLB,
        _STATUS_MAX,
};

/* clang-format off */
static const char *const status_keys[_STATUS_MAX] = {
        [STATUS_STATE] = "State",     [STATUS_TGID] = "Tgid",         [STATUS_PPID] = "PPid",
        [STATUS_UID] = "Uid",         [STATUS_VMRSS] = "VmRSS",       [STATUS_RSSANON] = "RssAnon",
        [STATUS_RSSFILE] = "RssFile", [STATUS_RSSSHMEM] = "RssShmem", [STATUS_VMSWAP] = "VmSwap",
        [STATUS_VMPTE] = "VmPTE",     [STATUS_SIGPND] = "SigPnd",     [STATUS_SHDPND] = "ShdPnd",
        [STATUS_CAPINH] = "CapInh",   [STATUS_CAPPRM] = "CapPrm",     [STATUS_CAPEFF] = "CapEff",
        [STATUS_CAPBND] = "CapBnd",   [STATUS_CAPAMB] = "CapAmb",
        [STATUS_VMLCK] = "VmLck",     [STATUS_HUGETLB] = "HugetlbPages",
};
/* clang-format on */

static unsigned hex_digit(char c)
{
        return c >= '0' && c <= '9' ? (unsigned)(c - '0') : ((unsigned)(c | 0x20) - 'a' + 10) & 0xf;
}

static size_t hex_span(const char *s, const char *end)
{
        const char *p = s;

        while (p < end && ((*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')))
                p++;
        return (size_t)(p - s);
}

/* A capability mask: 1 to 16 hex digits, then the end of the line. */
static int take_mask(const char *s, const char *end, uint64_t *ret)
{
        size_t n = hex_span(s, end);
        uint64_t m = 0;

        if (n == 0 || n > 16 || s + n != end)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                m = m << 4 | hex_digit(s[i]);
        *ret = m;
        return 0;
}

static int status_line(void *userdata, const char *line, size_t len, bool overlong)
{
        struct proc_status_parser *p = userdata;
        struct proc_status *st = &p->st;
        const char *end = line + len, *colon = memchr(line, ':', len), *val;
        uint64_t *dst = NULL, v;
        unsigned key;
        int64_t i;

        if (!colon)
                return 0;
        for (key = 0; key < _STATUS_MAX; key++)
                if ((size_t)(colon - line) == strlen(status_keys[key]) &&
                    memcmp(line, status_keys[key], (size_t)(colon - line)) == 0)
                        break;
        if (key == _STATUS_MAX)
                return 0;
        if (overlong)
                return -EINVAL; /* no line the kernel writes for these keys is that long */
        for (val = colon + 1; val < end && (*val == ' ' || *val == '\t'); val++)
                ;

        switch (key) {
        case STATUS_STATE:
                if (val == end || is_blank(*val))
                        return -EINVAL;
                st->state = *val;
                return 0;
        case STATUS_TGID:
        case STATUS_PPID:
        case STATUS_UID:
                if (take_i64(&val, end, &i) < 0 || i < 0 || i > UINT32_MAX)
                        return -EINVAL;
                if (key == STATUS_TGID) {
                        st->tgid = (pid_t)i;
                        p->have_tgid = true;
                } else if (key == STATUS_PPID)
                        st->ppid = (pid_t)i;
                else if (!p->have_uid) {
                        st->uid = (uid_t)i; /* the real uid; only the first line counts */
                        p->have_uid = true;
                }
                return 0;
        case STATUS_SIGPND:
        case STATUS_SHDPND: {
                /* SIGKILL is bit 8 of the mask: the third hex digit from the right */
                size_t n = hex_span(val, end);

                if (n >= 3 && (hex_digit(val[n - 3]) & 1))
                        st->sigkill_pending = true;
                return 0;
        }
        case STATUS_CAPINH:
                return take_mask(val, end, &st->cap_inh);
        case STATUS_CAPPRM:
                return take_mask(val, end, &st->cap_prm);
        case STATUS_CAPEFF:
                st->has_caps = true;
                return take_mask(val, end, &st->cap_eff);
        case STATUS_CAPBND:
                return take_mask(val, end, &st->cap_bnd);
        case STATUS_CAPAMB:
                return take_mask(val, end, &st->cap_amb);
        case STATUS_VMRSS:
                dst = &st->rss_kb;
                p->have_vmrss = true;
                break;
        case STATUS_RSSANON:
                dst = &p->anon;
                p->have_rssanon = true;
                break;
        case STATUS_RSSFILE:
                dst = &p->file;
                break;
        case STATUS_RSSSHMEM:
                dst = &p->shmem;
                break;
        case STATUS_VMSWAP:
                dst = &st->swap_kb;
                break;
        case STATUS_VMPTE:
                dst = &st->pgtables_kb;
                break;
        case STATUS_VMLCK:
                dst = &st->locked_kb;
                break;
        case STATUS_HUGETLB:
                dst = &st->hugetlb_kb;
                break;
        }
        if (take_u64(&val, end, &v) < 0)
                return -EINVAL;
        *dst = v;
        return 0;
}

static struct lines status_lines(struct proc_status_parser *p)
{
        return (struct lines){
                .carry = p->carry,
                .cap = sizeof(p->carry),
                .len = p->len,
                .overlong = p->overlong,
                .fn = status_line,
                .userdata = p,
        };
}

void proc_status_parser_init(struct proc_status_parser *p)
{
        *p = (struct proc_status_parser){};
}

int proc_status_parser_feed(struct proc_status_parser *p, const char *buf, size_t n)
{
        struct lines l = status_lines(p);

        if (p->error == 0)
                p->error = lines_feed(&l, buf, n) < 0 ? -EINVAL : 0;
        p->len = l.len;
        p->overlong = l.overlong;
        return p->error;
}

int proc_status_parser_finish(struct proc_status_parser *p, struct proc_status *ret)
{
        struct lines l = status_lines(p);
        struct proc_status st;

        if (p->error == 0)
                p->error = lines_finish(&l) < 0 ? -EINVAL : 0;
        p->len = 0;
        p->overlong = false;
        if (p->error == 0 && (!p->have_tgid || !p->have_uid))
                p->error = -EINVAL;
        if (p->error < 0)
                return p->error;
        st = p->st;
        st.has_mm = p->have_vmrss || p->have_rssanon;
        st.shmem_kb = p->shmem;
        if (!p->have_vmrss && p->have_rssanon)
                /* saturate: garbage values must not wrap into a small number */
                st.rss_kb = add_sat_u64(add_sat_u64(p->anon, p->file), p->shmem);
        *ret = st;
        return 0;
}

int proc_status_parse(const char *buf, struct proc_status *ret)
{
        struct proc_status_parser p;

        if (!buf)
                return -EINVAL;
        proc_status_parser_init(&p);
        (void)proc_status_parser_feed(&p, buf, strlen(buf));
        return proc_status_parser_finish(&p, ret);
}

int proc_oom_score_adj_parse(const char *buf, int *ret)
{
        const char *p = buf, *end;
        int64_t v;

        if (!buf)
                return -EINVAL;
        end = buf + strlen(buf);
        while (is_blank(*p))
                p++;
        if (take_i64(&p, end, &v) < 0)
                return -EINVAL;
        while (is_blank(*p))
                p++;
        if (*p)
                return -EINVAL;
        if (v < -1000 || v > 1000)
                return -ERANGE;
        *ret = (int)v;
        return 0;
}

int proc_oom_score_parse(const char *buf, unsigned *ret)
{
        const char *p = buf;
        uint64_t v;
        int r;

        if (!buf)
                return -EINVAL;
        while (is_blank(*p))
                p++;
        r = take_u64(&p, p + strlen(p), &v);
        if (r < 0)
                return r;
        while (is_blank(*p))
                p++;
        if (*p)
                return -EINVAL;
        if (v > UINT32_MAX)
                return -ERANGE;
        *ret = (unsigned)v;
        return 0;
}

size_t proc_cmdline_parse(const char *buf, size_t len, char *out, size_t size)
{
        size_t n;

        if (size == 0)
                return 0;
        while (len > 0 && buf[len - 1] == '\0')
                len--;
        n = MIN(len, size - 1);
        for (size_t i = 0; i < n; i++)
                out[i] = buf[i] == '\0' ? ' ' : buf[i];
        out[n] = '\0';
        return n;
}

/* true if comma-separated list [s, s+len) contains @word. */
static bool list_has(const char *s, size_t len, const char *word)
{
        const char *end = s + len;
        size_t wlen = strlen(word);

        while (s < end) {
                const char *e = memchr(s, ',', (size_t)(end - s)) ?: end;

                if ((size_t)(e - s) == wlen && memcmp(s, word, wlen) == 0)
                        return true;
                s = e + 1;
        }
        return false;
}

/* Keeps the path of a line found, or notes that it does not fit (reported once the text is checked). */
static void cgroup_keep(char *dst, size_t size, const char *path, size_t len, bool overlong, bool *too_long)
{
        if (!dst)
                return;
        if (overlong || len >= size) {
                *too_long = true;
                return;
        }
        memcpy(dst, path, len);
        dst[len] = '\0';
}

static int cgroup_line(void *userdata, const char *line, size_t len, bool overlong)
{
        struct proc_cgroup_parser *p = userdata;
        const char *end = line + len, *c1, *c2;

        if (len == 0)
                return 0;
        c1 = memchr(line, ':', len);
        if (!c1 || c1 == line)
                return -EINVAL;
        for (const char *d = line; d < c1; d++)
                if (*d < '0' || *d > '9')
                        return -EINVAL;
        c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
        if (!c2 || c2 + 1 >= end || c2[1] != '/')
                return -EINVAL;

        if (c2 == c1 + 1 && c1 - line == 1 && line[0] == '0') {
                if (!p->have_v2 && p->ret_v2)
                        cgroup_keep(p->v2, p->v2_size, c2 + 1, (size_t)(end - c2 - 1), overlong,
                                    &p->too_long);
                p->have_v2 = true;
        } else if (!p->have_v1 && list_has(c1 + 1, (size_t)(c2 - c1 - 1), "memory")) {
                if (p->ret_v1)
                        cgroup_keep(p->v1, p->v1_size, c2 + 1, (size_t)(end - c2 - 1), overlong,
                                    &p->too_long);
                p->have_v1 = true;
        }
        return 0;
}

static struct lines cgroup_lines(struct proc_cgroup_parser *p)
{
        return (struct lines){
                .carry = p->carry,
                .cap = sizeof(p->carry),
                .len = p->len,
                .overlong = p->overlong,
                .fn = cgroup_line,
                .userdata = p,
        };
}

void proc_cgroup_parser_init(struct proc_cgroup_parser *p, char *ret_v2, size_t v2_size, char *ret_v1_memory,
                             size_t v1_size)
{
        p->ret_v2 = ret_v2;
        p->ret_v1 = ret_v1_memory;
        p->v2_size = MIN(v2_size, sizeof(p->v2));
        p->v1_size = MIN(v1_size, sizeof(p->v1));
        p->have_v2 = p->have_v1 = p->too_long = false;
        p->len = 0;
        p->overlong = false;
        p->error = (ret_v2 && v2_size == 0) || (ret_v1_memory && v1_size == 0) ? -EINVAL : 0;
}

int proc_cgroup_parser_feed(struct proc_cgroup_parser *p, const char *buf, size_t n)
{
        struct lines l = cgroup_lines(p);

        if (p->error == 0)
                p->error = lines_feed(&l, buf, n);
        p->len = l.len;
        p->overlong = l.overlong;
        return p->error;
}

int proc_cgroup_parser_finish(struct proc_cgroup_parser *p)
{
        struct lines l = cgroup_lines(p);

        if (p->error == 0)
                p->error = lines_finish(&l);
        p->len = 0;
        p->overlong = false;
        if (p->error == 0 && p->too_long)
                p->error = -ENAMETOOLONG;
        if (p->error < 0)
                return p->error;
        if (p->ret_v2)
                strlcpy0(p->ret_v2, p->have_v2 ? p->v2 : "", p->v2_size);
        if (p->ret_v1)
                strlcpy0(p->ret_v1, p->have_v1 ? p->v1 : "", p->v1_size);
        return 0;
}

int proc_cgroup_parse(const char *buf, char *ret_v2, size_t v2_size, char *ret_v1_memory, size_t v1_size)
{
        struct proc_cgroup_parser p;

        if (!buf)
                return -EINVAL;
        proc_cgroup_parser_init(&p, ret_v2, v2_size, ret_v1_memory, v1_size);
        (void)proc_cgroup_parser_feed(&p, buf, strlen(buf));
        return proc_cgroup_parser_finish(&p);
}
