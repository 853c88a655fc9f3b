/* SPDX-License-Identifier: GPL-2.0-or-later */
/* metrics.c - the kills and the scope's readings as Prometheus text, for node_exporter's textfile collector */

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"

/* Upper bounds of the histogram buckets but the last (+Inf), in microseconds, and as "le" labels. */
static const usec_t bucket_usec[METRICS_BUCKETS - 1] = {
        1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
};
static const char *const bucket_le[METRICS_BUCKETS] = {
        "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
        "0.25",  "0.5",    "1",     "2.5",  "5",     "10",   "+Inf",
};

void metrics_init(struct metrics *m)
{
        *m = (struct metrics){};
}

static void histogram_add(struct metrics_histogram *h, usec_t usec)
{
        size_t i = 0;

        while (i < METRICS_BUCKETS - 1 && usec > bucket_usec[i])
                i++;
        h->buckets[i]++;
        h->count++;
        h->sum_usec = add_sat_u64(h->sum_usec, usec);
}

static const char *str_or(const char *s, const char *fallback)
{
        return s && *s ? s : fallback;
}

/* The series of (@reason, @unit, @result); past METRICS_MAX_SERIES - 1 of them, the last slot, "other". */
static struct metrics_kill_series *kill_series(struct metrics *m, const char *reason, const char *unit,
                                               const char *result)
{
        struct metrics_kill_series *k;

        for (size_t i = 0; i < m->n_kills; i++) {
                k = &m->kills[i];
                if (strncmp(k->reason, reason, sizeof(k->reason) - 1) == 0 &&
                    strncmp(k->kill_unit, unit, sizeof(k->kill_unit) - 1) == 0 &&
                    strncmp(k->result, result, sizeof(k->result) - 1) == 0)
                        return k;
        }
        if (m->n_kills == METRICS_MAX_SERIES)
                return &m->kills[METRICS_MAX_SERIES - 1];
        if (m->n_kills == METRICS_MAX_SERIES - 1)
                reason = unit = result = "other";
        k = &m->kills[m->n_kills++];
        strlcpy0(k->reason, reason, sizeof(k->reason));
        strlcpy0(k->kill_unit, unit, sizeof(k->kill_unit));
        strlcpy0(k->result, result, sizeof(k->result));
        k->count = 0;
        return k;
}

void metrics_count_kill(struct metrics *m, const struct kill_report *r, usec_t realtime)
{
        const char *result = str_or(r->result, r->dry_run ? "dry-run" : "killed");

        if (r->rehearsal)
                return;
        kill_series(m, str_or(r->trigger, "unknown"), str_or(r->kill_unit, "process"), result)->count++;
        if (r->dry_run)
                return;
        if (r->futile)
                m->futile++;
        m->released_bytes = add_sat_u64(m->released_bytes, r->released_kb * 1024);
        histogram_add(&m->kill_duration, r->kill_usec);
        if (r->release_usec > 0)
                histogram_add(&m->release_duration, r->release_usec);
        m->last_kill_realtime = realtime;
}

bool metrics_set_readings(struct metrics *m, const struct monitor_sample *s, uint64_t min_available,
                          uint64_t min_swap_free)
{
        struct metrics old = *m;

        m->have_pressure = s->have_pressure;
        if (s->have_pressure) {
                m->pressure_some_avg10 = s->pressure.some.avg10;
                m->pressure_full_avg10 = s->pressure.full.avg10;
        }
        m->have_memory = s->have_memory;
        if (s->have_memory) {
                m->mem_total = s->mem_total;
                m->mem_available = s->mem_available;
                m->swap_total = s->swap_total;
                m->swap_free = s->swap_free;
                m->min_available = min_available;
                m->min_swap_free = min_swap_free;
        }
        return old.have_pressure != m->have_pressure || old.have_memory != m->have_memory ||
               old.pressure_some_avg10 != m->pressure_some_avg10 ||
               old.pressure_full_avg10 != m->pressure_full_avg10 || old.mem_total != m->mem_total ||
               old.mem_available != m->mem_available || old.swap_total != m->swap_total ||
               old.swap_free != m->swap_free || old.min_available != m->min_available ||
               old.min_swap_free != m->min_swap_free;
}

char *metrics_label_escape(char *buf, size_t size, const char *s)
{
        size_t n = 0;

        if (size == 0)
                return buf;
        for (; s && *s && n + 1 < size; s++) {
                const char *e = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : *s == '\n' ? "\\n" : NULL;

                if (!e) {
                        buf[n++] = *s;
                        continue;
                }
                if (n + 3 > size)
                        break; /* no half escape */
                buf[n++] = e[0];
                buf[n++] = e[1];
        }
        buf[n] = '\0';
        return buf;
}

static void out_header(struct textbuf *o, const char *name, const char *type, const char *help)
{
        textbuf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A plain series: NAME{service="..."} VALUE. */
static void out_u64(struct textbuf *o, const char *name, const char *type, const char *help,
                    const char *service, uint64_t v)
{
        out_header(o, name, type, help);
        textbuf_printf(o, "%s{service=\"%s\"} %" PRIu64 "\n", name, service, v);
}

static void out_histogram(struct textbuf *o, const char *name, const char *help, const char *service,
                          const struct metrics_histogram *h)
{
        uint64_t cumulative = 0;

        out_header(o, name, "histogram", help);
        for (size_t i = 0; i < METRICS_BUCKETS; i++) {
                cumulative += h->buckets[i];
                textbuf_printf(o, "%s_bucket{service=\"%s\",le=\"%s\"} %" PRIu64 "\n", name, service,
                               bucket_le[i], cumulative);
        }
        textbuf_printf(o, "%s_sum{service=\"%s\"} %" PRIu64 ".%06" PRIu64 "\n", name, service,
                       h->sum_usec / USEC_PER_SEC, h->sum_usec % USEC_PER_SEC);
        textbuf_printf(o, "%s_count{service=\"%s\"} %" PRIu64 "\n", name, service, h->count);
}

static void out_ratio(struct textbuf *o, const char *name, const char *help, const char *service,
                      uint32_t permyriad)
{
        out_header(o, name, "gauge", help);
        textbuf_printf(o, "%s{service=\"%s\"} %u.%04u\n", name, service, permyriad / PERMYRIAD_MAX,
                       permyriad % PERMYRIAD_MAX);
}

ssize_t metrics_render(const struct metrics *m, const struct metrics_labels *l, char *buf, size_t size)
{
        struct textbuf o = {.buf = buf, .size = size};
        char service[2 * METRICS_LABEL_MAX + 64], scope[2 * PATH_MAX], version[64];
        char a[2 * METRICS_LABEL_MAX], b[2 * METRICS_LABEL_MAX], c[2 * METRICS_LABEL_MAX];

        if (size == 0)
                return -ENOBUFS;
        buf[0] = '\0';
        metrics_label_escape(service, sizeof(service), str_or(l->service, "reapd.service"));
        metrics_label_escape(scope, sizeof(scope), str_or(l->scope, "system"));
        metrics_label_escape(version, sizeof(version), str_or(l->version, "unknown"));

        out_header(&o, "reapd_build_info", "gauge", "reapd's version, and the scope it watches (Cgroup=).");
        textbuf_printf(&o, "reapd_build_info{service=\"%s\",version=\"%s\",scope=\"%s\"} 1\n", service,
                       version, scope);

        out_header(&o, "reapd_kills_total", "counter",
                   "Victims chosen, by trigger, kill unit and the record's RESULT (dry-run: nothing was "
                   "signalled).");
        for (size_t i = 0; i < m->n_kills; i++) {
                const struct metrics_kill_series *k = &m->kills[i];

                textbuf_printf(&o,
                               "reapd_kills_total{service=\"%s\",reason=\"%s\",kill_unit=\"%s\",result=\"%"
                               "s\"} %" PRIu64 "\n",
                               service, metrics_label_escape(a, sizeof(a), k->reason),
                               metrics_label_escape(b, sizeof(b), k->kill_unit),
                               metrics_label_escape(c, sizeof(c), k->result), k->count);
        }
        out_u64(&o, "reapd_futile_kills_total", "counter",
                "Kills that gave back much less memory than the victim held (records with FUTILE=).",
                service, m->futile);
        out_u64(&o, "reapd_released_bytes_total", "counter",
                "Headroom the kills gave back, as measured after each (RELEASED_KB).", service,
                m->released_bytes);
        out_histogram(&o, "reapd_kill_duration_seconds",
                      "From the decision to kill to the SIGKILL (KILL_USEC).", service, &m->kill_duration);
        out_histogram(&o, "reapd_release_duration_seconds",
                      "How long process_mrelease() took to free a victim's memory (RELEASE_USEC).", service,
                      &m->release_duration);
        out_header(
                &o, "reapd_last_kill_timestamp_seconds", "gauge",
                "When the last kill was recorded, in seconds since the epoch; 0: none since reapd started.");
        textbuf_printf(&o, "reapd_last_kill_timestamp_seconds{service=\"%s\"} %" PRIu64 ".%06" PRIu64 "\n",
                       service, m->last_kill_realtime / USEC_PER_SEC, m->last_kill_realtime % USEC_PER_SEC);

        if (m->have_pressure) {
                out_ratio(&o, "reapd_pressure_some_avg10_ratio",
                          "Share of the last 10s some tasks of the scope stalled on memory (PSI avg10).",
                          service, m->pressure_some_avg10);
                out_ratio(&o, "reapd_pressure_full_avg10_ratio",
                          "Share of the last 10s all tasks of the scope stalled on memory (PSI avg10).",
                          service, m->pressure_full_avg10);
        }
        if (m->have_memory) {
                out_u64(&o, "reapd_memory_available_bytes", "gauge",
                        "Available memory of the scope, as reapd judges it against MinAvailable=.", service,
                        m->mem_available);
                out_u64(&o, "reapd_memory_total_bytes", "gauge",
                        "Total memory of the scope (its limit, or the machine's).", service, m->mem_total);
                out_u64(&o, "reapd_swap_free_bytes", "gauge", "Free swap of the scope.", service,
                        m->swap_free);
                out_u64(&o, "reapd_swap_total_bytes", "gauge", "Swap of the scope.", service, m->swap_total);
                out_u64(&o, "reapd_min_available_bytes", "gauge", "MinAvailable=, in bytes.", service,
                        m->min_available);
                out_u64(&o, "reapd_min_swap_free_bytes", "gauge", "MinSwapFree=, in bytes.", service,
                        m->min_swap_free);
        }
        if (o.full) {
                buf[0] = '\0';
                return -ENOBUFS;
        }
        return (ssize_t)o.len;
}

int metrics_write_file(const char *path, const char *text, size_t len)
{
        char tmp[PATH_MAX];
        size_t done = 0;
        int fd, r = 0;

        if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
                return -ENAMETOOLONG;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        /* A symbolic link in its place is removed, never followed. */
        if (fd < 0 && errno == ELOOP && unlink(tmp) >= 0)
                fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        /* node_exporter runs as its own user: readable whatever reapd's umask. */
        if (fchmod(fd, 0644) < 0)
                r = -errno;
        while (r == 0 && done < len) {
                ssize_t n = write(fd, text + done, len - done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        r = n < 0 ? -errno : -EIO;
                else
                        done += (size_t)n;
        }
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void)unlink(tmp);
        return r;
}
