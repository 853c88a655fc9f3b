/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pressure.c - PSI files: parser over a buffer, reader, and trigger arming with 2s-window fallback */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pressure.h"

/* A PSI file is 2 lines of about 70 bytes; 512 bytes leaves room for future fields. */
#define PRESSURE_BUF_SIZE 512
/* Largest trigger string: "some " + two 20-digit numbers + separators. */
#define PSI_TRIGGER_STR_MAX 64

static const char *const level_names[_PSI_LEVEL_MAX] = {
        [PSI_SOME] = "some",
        [PSI_FULL] = "full",
};

const char *psi_level_to_string(enum psi_level l)
{
        if ((unsigned)l >= _PSI_LEVEL_MAX)
                return NULL;
        return level_names[l];
}

/* Digits in [p, end) into *ret; returns the first non-digit or NULL on none/overflow. */
static const char *parse_digits_n(const char *p, const char *end, uint64_t *ret)
{
        const char *start = p;
        uint64_t v = 0;

        while (p < end && *p >= '0' && *p <= '9') {
                unsigned d = (unsigned)(*p - '0');

                if (v > (UINT64_MAX - d) / 10)
                        return NULL;
                v = v * 10 + d;
                p++;
        }
        if (p == start)
                return NULL;
        *ret = v;
        return p;
}

/* "12.34" (0..100, up to two decimals) in [p, end) -> 1234. */
static int parse_avg(const char *p, const char *end, uint32_t *ret)
{
        uint64_t ip, frac = 0;
        const char *q;

        q = parse_digits_n(p, end, &ip);
        if (!q)
                return -EINVAL;
        if (q < end && *q == '.') {
                const char *f = q + 1;

                q = parse_digits_n(f, end, &frac);
                if (!q || q - f > 2)
                        return -EINVAL;
                if (q - f == 1)
                        frac *= 10;
        }
        if (q != end || ip > 100 || ip * 100 + frac > PERMYRIAD_MAX)
                return -EINVAL;
        *ret = (uint32_t)(ip * 100 + frac);
        return 0;
}

/* " avg10=.. avg60=.. avg300=.. total=.." in [p, end): all four keys required, any order. */
static int parse_line(const char *p, const char *end, struct pressure_line *ret)
{
        struct pressure_line l = {};
        unsigned seen = 0;

        for (;;) {
                const char *tok, *eq, *tok_end;
                int r = 0;

                while (p < end && (*p == ' ' || *p == '\t'))
                        p++;
                if (p >= end)
                        break;
                tok = p;
                while (p < end && *p != ' ' && *p != '\t')
                        p++;
                tok_end = p;
                eq = memchr(tok, '=', (size_t)(tok_end - tok));
                if (!eq)
                        return -EINVAL;

#define KEY_IS(k) ((size_t)(eq - tok) == sizeof(k) - 1 && memcmp(tok, k, sizeof(k) - 1) == 0)
                if (KEY_IS("avg10")) {
                        r = parse_avg(eq + 1, tok_end, &l.avg10);
                        seen |= 1u << 0;
                } else if (KEY_IS("avg60")) {
                        r = parse_avg(eq + 1, tok_end, &l.avg60);
                        seen |= 1u << 1;
                } else if (KEY_IS("avg300")) {
                        r = parse_avg(eq + 1, tok_end, &l.avg300);
                        seen |= 1u << 2;
                } else if (KEY_IS("total")) {
                        if (parse_digits_n(eq + 1, tok_end, &l.total) != tok_end)
                                r = -EINVAL;
                        seen |= 1u << 3;
                }
#undef KEY_IS
                /* Unknown keys are skipped: a future kernel may add some. */
                if (r < 0)
                        return r;
        }
        if (seen != 0xf)
                return -EINVAL;
        *ret = l;
        return 0;
}

int pressure_parse(const char *buf, struct pressure *ret)
{
        struct pressure p = {};
        bool have_some = false;
        const char *line;

        if (!buf || !ret)
                return -EINVAL;

        for (line = buf; *line;) {
                const char *eol = strchrnul(line, '\n');
                size_t len = (size_t)(eol - line);
                int r;

                if (len >= 5 && memcmp(line, "some ", 5) == 0) {
                        if (have_some)
                                return -EINVAL;
                        r = parse_line(line + 5, eol, &p.some);
                        if (r < 0)
                                return r;
                        have_some = true;
                } else if (len >= 5 && memcmp(line, "full ", 5) == 0) {
                        if (p.have_full)
                                return -EINVAL;
                        r = parse_line(line + 5, eol, &p.full);
                        if (r < 0)
                                return r;
                        p.have_full = true;
                }
                line = *eol ? eol + 1 : eol;
        }
        if (!have_some)
                return -EINVAL;
        *ret = p;
        return 0;
}

int pressure_read_at(int dirfd, const char *path, struct pressure *ret)
{
        char buf[PRESSURE_BUF_SIZE];
        ssize_t n;

        if (!path)
                return -EINVAL;
        n = read_file_at(dirfd, path, buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        return pressure_parse(buf, ret);
}

int pressure_read_fd(int fd, struct pressure *ret)
{
        char buf[PRESSURE_BUF_SIZE];
        ssize_t n;

        n = read_file_fd(fd, buf, sizeof(buf));
        if (n < 0)
                return (int)n;
        return pressure_parse(buf, ret);
}

int psi_trigger_format(const struct psi_trigger *t, char *buf, size_t size)
{
        const char *l = psi_level_to_string(t->level);
        int n;

        if (!l)
                return -EINVAL;
        n = snprintf(buf, size, "%s %" PRIu64 " %" PRIu64, l, t->stall, t->window);
        if (n < 0 || (size_t)n >= size)
                return -ENOBUFS;
        return 0;
}

int psi_trigger_round(const struct psi_trigger *t, struct psi_trigger *ret)
{
        struct psi_trigger r;
        usec_t w, stall;

        if ((unsigned)t->level >= _PSI_LEVEL_MAX || t->stall == 0 || t->window == 0)
                return -EINVAL;

        w = MIN(t->window, PSI_WINDOW_MAX_USEC);
        w = (w + PSI_UNPRIV_WINDOW_STEP_USEC - 1) / PSI_UNPRIV_WINDOW_STEP_USEC *
            PSI_UNPRIV_WINDOW_STEP_USEC;
        if (w > PSI_WINDOW_MAX_USEC)
                w = PSI_WINDOW_MAX_USEC;

        /* Same share of the new window; 128-bit so huge inputs cannot overflow. */
        stall = (usec_t)((unsigned __int128)MIN(t->stall, t->window) * w / t->window);
        stall = MAX(stall, (usec_t)1);
        stall = MIN(stall, w);

        r = (struct psi_trigger){.level = t->level, .stall = stall, .window = w};
        if (r.stall == t->stall && r.window == t->window) {
                *ret = r;
                return 0;
        }
        *ret = r;
        return 1;
}

static int trigger_arm(const char *path, const struct psi_trigger *t, int *ret_fd)
{
        char s[PSI_TRIGGER_STR_MAX];
        int fd, r;
        ssize_t n;

        r = psi_trigger_format(t, s, sizeof(s));
        if (r < 0)
                return r;
        fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        /* The kernel wants the terminating NUL counted (it copies nbytes and parses a C string). */
        n = write(fd, s, strlen(s) + 1);
        if (n < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

int psi_trigger_open(const char *path, const struct psi_trigger *spec, struct psi_trigger *ret_effective,
                     int *ret_fd)
{
        struct psi_trigger rounded;
        int r, fd = -1;

        if (!path || !spec || !ret_fd)
                return -EINVAL;

        r = trigger_arm(path, spec, &fd);
        if (r == 0) {
                if (ret_effective)
                        *ret_effective = *spec;
                *ret_fd = fd;
                return 0;
        }
        if (r != -EINVAL)
                return r;

        /* EINVAL: most likely no CAP_SYS_RESOURCE and a window that is not a multiple of 2s. */
        if (psi_trigger_round(spec, &rounded) <= 0)
                return -EINVAL;
        r = trigger_arm(path, &rounded, &fd);
        if (r < 0)
                return r;
        if (ret_effective)
                *ret_effective = rounded;
        *ret_fd = fd;
        return PSI_TRIGGER_ADAPTED;
}
