/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-psi-trigger.c - live: PSI triggers adapt to 2s windows, and the monitor on a real cgroup scope */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroupfs.h"
#include "lab.h"
#include "monitor.h"
#include "pressure.h"
#include "util.h"

#define CHECK(expr)                                                                                         \
        do {                                                                                                \
                if (!(expr)) {                                                                              \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #expr);            \
                        exit(EXIT_FAILURE); /* lab's atexit handler removes the cgroups */                  \
                }                                                                                           \
        } while (0)

#define LIMIT (400ULL << 20)
#define HOG_MB 100

static bool have_cap_sys_resource(void)
{
        char buf[4096], *p;
        uint64_t eff;

        if (read_file_at(AT_FDCWD, "/proc/self/status", buf, sizeof(buf)) < 0)
                return false;
        p = strstr(buf, "CapEff:");
        if (!p || sscanf(p + 7, "%" SCNx64, &eff) != 1)
                return false;
        return eff & (1ULL << 24);
}

/* A 1s window: armed as given with CAP_SYS_RESOURCE, rounded to 2s (same 15% share) without. */
static int check_trigger(const char *path, enum psi_level level)
{
        struct psi_trigger spec = {.level = level, .stall = 150000, .window = 1000000}, eff;
        struct pollfd pfd;
        int r, fd = -1;

        r = psi_trigger_open(path, &spec, &eff, &fd);
        printf("%s %s: psi_trigger_open -> %d, armed \"%s %" PRIu64 " %" PRIu64 "\"\n", path,
               psi_level_to_string(level), r, psi_level_to_string(eff.level), eff.stall, eff.window);
        if (have_cap_sys_resource()) {
                CHECK(r == 0);
                CHECK(eff.window == 1000000);
        } else {
                CHECK(r == PSI_TRIGGER_ADAPTED);
                CHECK(eff.window == 2000000 && eff.stall == 300000 && eff.level == level);
        }
        CHECK(fd >= 0);
        /* Pollable, and idle: no event, no error. */
        pfd = (struct pollfd){.fd = fd, .events = POLLPRI};
        CHECK(poll(&pfd, 1, 0) >= 0);
        CHECK(!(pfd.revents & (POLLERR | POLLNVAL)));
        return fd;
}

struct seen {
        int samples, lost;
        struct monitor_sample last;
};

static void on_sample(struct monitor *m, const struct monitor_sample *s, int error, void *userdata)
{
        struct seen *seen = userdata;

        if (s->cause == MONITOR_CAUSE_LOST) {
                seen->lost++;
                CHECK(error == -ENODEV);
                return;
        }
        if (error < 0)
                printf("sample (%s) failed: %s\n", monitor_cause_to_string(s->cause), strerror(-error));
        if (error == 0) {
                seen->samples++;
                seen->last = *s;
        }
}

/* Dispatch events for @usec (sd_event_exit() would finish the loop for good). */
static void run_loop(sd_event *e, usec_t usec)
{
        usec_t end = now_usec(CLOCK_MONOTONIC) + usec, now;

        while ((now = now_usec(CLOCK_MONOTONIC)) < end)
                CHECK(sd_event_run(e, end - now) >= 0);
}

int main(int argc, char **argv)
{
        struct cgroup_roots roots;
        struct lab_cgroup *cg;
        char path[PATH_MAX], limit[32];
        struct reapd_config c;
        struct monitor_params mp;
        struct monitor *m = NULL;
        const struct monitor_info *info;
        sd_event *e = NULL;
        struct seen seen = {};
        struct pollfd pfd;
        int fd, r;

        r = lab_init();
        if (r != 0)
                return r;
        if (argc < 2) {
                fprintf(stderr, "usage: %s HOG\n", argv[0]);
                return EXIT_FAILURE;
        }

        /* System-wide, both levels. */
        close(check_trigger("/proc/pressure/memory", PSI_SOME));
        close(check_trigger("/proc/pressure/memory", PSI_FULL));

        CHECK(cgroup_roots_discover("/proc/self/mountinfo", &roots) == 0);
        printf("cgroup2 at %s, v1 memory at \"%s\", v2 memory controller: %s\n", roots.v2, roots.v1_memory,
               roots.v2_has_memory ? "yes" : "no");
        cg = lab_cgroup_new();
        CHECK(cg);
        if (!cg->unified || !(cg->memory || roots.v2_has_memory)) {
                printf("no hybrid scratch cgroup here, skipping the cgroup part\n");
                return EXIT_SUCCESS;
        }

        /* A cgroup2 group's memory.pressure, found via the discovered roots. */
        CHECK(cgroup_pressure_path(&roots, cg->name, path, sizeof(path)) == 0);
        fd = check_trigger(path, PSI_SOME);

        /* The monitor scoped to it: pressure from cgroup2, headroom from the v1 limit - usage. */
        snprintf(limit, sizeof(limit), "%llu", (unsigned long long)LIMIT);
        CHECK(write_file_at(AT_FDCWD, lab_cgroup_path(cg, "memory", "memory.limit_in_bytes"), limit) == 0);
        CHECK(lab_spawn_hog(argv[1], HOG_MB, cg) > 0);

        config_init(&c);
        strlcpy0(c.cgroup, cg->name, sizeof(c.cgroup));
        c.pressure_window = 1 * USEC_PER_SEC; /* must be adapted to 2s without CAP_SYS_RESOURCE */
        monitor_params_from_config(&c, &mp);
        CHECK(sd_event_new(&e) >= 0);
        CHECK(monitor_new(e, &mp, &roots, on_sample, &seen, &m) == 0);
        info = monitor_get_info(m);
        printf("monitor: pressure %s, some armed %d adapted %d (%" PRIu64 "/%" PRIu64 "), full armed %d, "
               "polling %d\n",
               info->pressure_path, info->trigger_armed[PSI_SOME], info->trigger_adapted[PSI_SOME],
               info->trigger_effective[PSI_SOME].stall, info->trigger_effective[PSI_SOME].window,
               info->trigger_armed[PSI_FULL], info->polling);
        CHECK(streq(info->pressure_path, path));
        CHECK(info->cgroup_scope && info->have_pressure);
        CHECK(info->trigger_armed[PSI_SOME] && info->trigger_armed[PSI_FULL] && !info->polling);
        CHECK(info->trigger_adapted[PSI_SOME] == !have_cap_sys_resource());
        if (!have_cap_sys_resource())
                CHECK(info->trigger_effective[PSI_FULL].window == 2 * USEC_PER_SEC);

        /* ~280 MB above a 20 MB threshold drains in 140ms at 2 GB/s: a small cgroup is looked at often,
         * twice in 300ms on a quiet machine. A loaded one (other tests) gets up to 3 s. */
        for (int i = 0; i < 10 && seen.samples < 2; i++)
                run_loop(e, 300 * USEC_PER_MSEC);
        printf("%d samples\n", seen.samples);
        CHECK(seen.samples >= 2);
        printf("sample: total %" PRIu64 " available %" PRIu64 " swap %" PRIu64 "/%" PRIu64 "\n",
               seen.last.mem_total, seen.last.mem_available, seen.last.swap_free, seen.last.swap_total);
        CHECK(seen.last.have_memory && seen.last.have_pressure);
        CHECK(seen.last.mem_total == LIMIT);
        CHECK(seen.last.mem_available <= LIMIT - ((uint64_t)HOG_MB << 20));
        CHECK(seen.last.mem_available >= LIMIT - ((uint64_t)(HOG_MB + 50) << 20));

        /* A reader keeps the group's memory files open; a removed group reads as a fresh read
         * would say, -ENOENT, not the -ENODEV of its kept fds. */
        struct cgroup_memory_reader rd = CGROUP_MEMORY_READER_INIT;
        struct cgroup_memory cm;

        CHECK(cgroup_memory_reader_read(&rd, &roots, cg->name, &cm) == 0);
        CHECK(rd.dir >= 0 && rd.fd[CGROUP_MEMORY_CURRENT] >= 0 && cm.max == LIMIT);
        CHECK(cm.current >= ((uint64_t)HOG_MB << 20));
        CHECK(cgroup_memory_reader_read(&rd, &roots, cg->name, &cm) == 0 && cm.max == LIMIT);

        /* The group goes away under the monitor: EPOLLERR on the trigger fds, reported as LOST. */
        lab_cgroup_destroy(cg);
        r = cgroup_memory_reader_read(&rd, &roots, cg->name, &cm);
        printf("reader after rmdir: %d (%s)\n", r, strerror(-r));
        CHECK(r == -ENOENT && rd.dir < 0 && rd.fd[CGROUP_MEMORY_CURRENT] < 0);
        cgroup_memory_reader_close(&rd);
        pfd = (struct pollfd){.fd = fd, .events = POLLPRI};
        CHECK(poll(&pfd, 1, 1000) == 1);
        CHECK(pfd.revents & POLLERR);
        close(fd);
        run_loop(e, 500 * USEC_PER_MSEC);
        printf("after rmdir: %d lost report(s), polling %d\n", seen.lost, info->polling);
        CHECK(seen.lost >= 1 && info->lost && info->polling);
        CHECK(monitor_sample_now(m, &seen.last) == -ENOENT);

        monitor_free(m);
        sd_event_unref(e);
        config_done(&c);
        printf("ok\n");
        return EXIT_SUCCESS;
}
