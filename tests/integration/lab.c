/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lab.c - test/bench helpers: scratch cgroups, hogs, memory probes, cleanup on every exit path */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

int lab_failures;

#define CG_ROOT "/sys/fs/cgroup"
/* Filling memory runs at 0.5-0.7 GB/s here: 8 GB takes ~15 s, so give a hog two minutes. */
#define HOG_READY_TIMEOUT_MS 120000
/* A SIGKILLed, thawed process exits in milliseconds; 10 s means something is wrong. */
#define DRAIN_TIMEOUT_MS 10000

static struct lab_cgroup cgroups[LAB_MAX_CGROUPS];
/* Children we started, killed at cleanup only while still unreaped (so never a reused PID). */
#define LAB_MAX_CHILDREN 256
static pid_t children[LAB_MAX_CHILDREN];
static volatile sig_atomic_t cleaning;

double lab_now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int write_str(const char *path, const char *s)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = write(fd, s, strlen(s));
        close(fd);
        return n == (ssize_t)strlen(s) ? 0 : -errno;
}

static ssize_t read_str(const char *path, char *buf, size_t size)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = read(fd, buf, size - 1);
        close(fd);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return n;
}

const char *lab_cgroup_path(const struct lab_cgroup *cg, const char *ctrl, const char *file)
{
        static char buf[512];

        snprintf(buf, sizeof(buf), CG_ROOT "/%s%s%s%s", ctrl, cg->name, file ? "/" : "", file ? file : "");
        return buf;
}

bool lab_have_v1(void)
{
        return access(CG_ROOT "/freezer/cgroup.procs", F_OK) == 0 &&
               access(CG_ROOT "/memory/cgroup.procs", F_OK) == 0;
}

static void on_fatal(int sig)
{
        lab_cleanup_all();
        signal(sig, SIG_DFL);
        raise(sig);
}

int lab_init(void)
{
        static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGALRM, SIGSEGV, SIGABRT, SIGBUS};

        if (geteuid() != 0)
                return 77;
        atexit(lab_cleanup_all);
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
                signal(sigs[i], on_fatal);
        return 0;
}

struct lab_cgroup *lab_cgroup_new(void)
{
        static unsigned counter;
        struct lab_cgroup *cg = NULL;

        for (size_t i = 0; i < LAB_MAX_CGROUPS; i++)
                if (!cgroups[i].used) {
                        cg = &cgroups[i];
                        break;
                }
        if (!cg)
                return NULL;
        memset(cg, 0, sizeof(*cg));
        snprintf(cg->name, sizeof(cg->name), "/reapd-test-%d-%u", (int)getpid(), counter++);
        cg->used = true;
        cg->freezer = mkdir(lab_cgroup_path(cg, "freezer", NULL), 0755) == 0;
        cg->memory = mkdir(lab_cgroup_path(cg, "memory", NULL), 0755) == 0;
        cg->unified = mkdir(lab_cgroup_path(cg, "unified", NULL), 0755) == 0;
        return cg;
}

static void join(const struct lab_cgroup *cg)
{
        char pid[32];

        if (!cg)
                return;
        snprintf(pid, sizeof(pid), "%d", (int)getpid());
        if (cg->freezer)
                (void)write_str(lab_cgroup_path(cg, "freezer", "cgroup.procs"), pid);
        if (cg->memory)
                (void)write_str(lab_cgroup_path(cg, "memory", "cgroup.procs"), pid);
        if (cg->unified)
                (void)write_str(lab_cgroup_path(cg, "unified", "cgroup.procs"), pid);
}

static void track(pid_t pid)
{
        for (size_t i = 0; i < LAB_MAX_CHILDREN; i++)
                if (children[i] <= 0) {
                        children[i] = pid;
                        return;
                }
}

static int wait_ready(int fd, int timeout_ms)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};
        char buf[16];

        if (poll(&p, 1, timeout_ms) <= 0)
                return -ETIMEDOUT;
        return read(fd, buf, sizeof(buf)) > 0 ? 0 : -EIO;
}

pid_t lab_spawn_hog(const char *hog, unsigned mb, const struct lab_cgroup *cg)
{
        int fds[2];
        pid_t pid;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                char size[32], fd[32];
                int w = dup(fds[1]); /* without O_CLOEXEC: hog inherits it */

                join(cg);
                snprintf(size, sizeof(size), "%u", mb);
                snprintf(fd, sizeof(fd), "%d", w);
                execl(hog, hog, size, "--ready-fd", fd, (char *)NULL);
                _exit(127);
        }
        track(pid);
        close(fds[1]);
        if (wait_ready(fds[0], HOG_READY_TIMEOUT_MS) < 0) {
                close(fds[0]);
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                return -ETIMEDOUT;
        }
        close(fds[0]);
        return pid;
}

pid_t lab_spawn_sleeper(const struct lab_cgroup *cg, pid_t pgid)
{
        int fds[2];
        pid_t pid;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                if (pgid >= 0 && setpgid(0, pgid) < 0)
                        _exit(1);
                join(cg);
                if (write(fds[1], "x", 1) != 1)
                        _exit(1);
                for (;;)
                        pause();
        }
        track(pid);
        close(fds[1]);
        if (wait_ready(fds[0], 10000) < 0) {
                close(fds[0]);
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                return -ETIMEDOUT;
        }
        close(fds[0]);
        return pid;
}

int lab_freeze(const struct lab_cgroup *cg, bool frozen)
{
        const char *want = frozen ? "FROZEN" : "THAWED";
        char path[512], buf[64];
        int r;

        if (!cg->freezer)
                return -EOPNOTSUPP;
        snprintf(path, sizeof(path), "%s", lab_cgroup_path(cg, "freezer", "freezer.state"));
        r = write_str(path, want);
        if (r < 0)
                return r;
        for (int i = 0; i < 1000; i++) {
                if (read_str(path, buf, sizeof(buf)) > 0 && strncmp(buf, want, strlen(want)) == 0)
                        return 0;
                usleep(1000);
        }
        return -ETIMEDOUT;
}

uint64_t lab_memcg_usage(const struct lab_cgroup *cg)
{
        char buf[64];

        if (!cg->memory ||
            read_str(lab_cgroup_path(cg, "memory", "memory.usage_in_bytes"), buf, sizeof(buf)) <= 0)
                return UINT64_MAX;
        return strtoull(buf, NULL, 10);
}

void lab_cgroup_roots(struct cgroup_roots *roots)
{
        char buf[PATH_MAX + 32] = "";
        int fd;

        memset(roots, 0, sizeof(*roots));
        strlcpy0(roots->v2, "/sys/fs/cgroup/unified", sizeof(roots->v2));
        if (access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) < 0)
                strlcpy0(roots->v2, "/sys/fs/cgroup", sizeof(roots->v2));
        strlcpy0(roots->v1_memory, "/sys/fs/cgroup/memory", sizeof(roots->v1_memory));
        snprintf(buf, sizeof(buf), "%s/cgroup.controllers", roots->v2);
        fd = open(buf, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
                ssize_t n = read(fd, buf, sizeof(buf) - 1);

                buf[n > 0 ? n : 0] = '\0';
                roots->v2_has_memory = strstr(buf, "memory") != NULL;
                close(fd);
        }
}

uint64_t lab_memavailable(void)
{
        char buf[4096], *s;

        if (read_str("/proc/meminfo", buf, sizeof(buf)) <= 0)
                return 0;
        s = strstr(buf, "MemAvailable:");
        return s ? strtoull(s + 13, NULL, 10) * 1024 : 0;
}

char lab_proc_state(pid_t pid)
{
        char path[64], buf[512], *s;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        if (read_str(path, buf, sizeof(buf)) <= 0)
                return '?';
        s = strrchr(buf, ')');
        return s && s[1] == ' ' ? s[2] : '?';
}

bool lab_alive(pid_t pid)
{
        char st = lab_proc_state(pid);

        return st != '?' && st != 'Z' && st != 'X';
}

static bool kill_members(const char *procs)
{
        char buf[8192];
        bool any = false;

        if (read_str(procs, buf, sizeof(buf)) <= 0)
                return false;
        for (char *s = buf, *end; *s; s = end) {
                long pid = strtol(s, &end, 10);

                if (end == s)
                        break;
                if (pid > 1) {
                        kill((pid_t)pid, SIGKILL);
                        any = true;
                }
        }
        return any;
}

void lab_cgroup_destroy(struct lab_cgroup *cg)
{
        static const char *ctrls[] = {"freezer", "memory", "unified"};

        if (!cg || !cg->used)
                return;
        if (cg->freezer)
                (void)lab_freeze(cg, false);
        for (double end = lab_now_ms() + DRAIN_TIMEOUT_MS; lab_now_ms() < end;) {
                bool any = false;

                /* Only the members of our own scratch cgroups, which are processes we started. */
                for (size_t i = 0; i < 3; i++)
                        any |= kill_members(lab_cgroup_path(cg, ctrls[i], "cgroup.procs"));
                while (waitpid(-1, NULL, WNOHANG) > 0)
                        ;
                if (!any)
                        break;
                usleep(5000);
        }
        if (cg->freezer)
                rmdir(lab_cgroup_path(cg, "freezer", NULL));
        if (cg->memory)
                rmdir(lab_cgroup_path(cg, "memory", NULL));
        if (cg->unified)
                rmdir(lab_cgroup_path(cg, "unified", NULL));
        cg->used = false;
}

void lab_cleanup_all(void)
{
        if (cleaning)
                return;
        cleaning = 1;
        for (size_t i = 0; i < LAB_MAX_CGROUPS; i++)
                lab_cgroup_destroy(&cgroups[i]);
        for (size_t i = 0; i < LAB_MAX_CHILDREN; i++) {
                if (children[i] > 0 && waitpid(children[i], NULL, WNOHANG) == 0) {
                        kill(children[i], SIGKILL);
                        waitpid(children[i], NULL, 0);
                }
                children[i] = 0;
        }
        while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
        cleaning = 0;
}

int lab_victim_of(int proc_dirfd, pid_t pid, struct victim *v)
{
        struct kill_identity id;
        int r = kill_identity_read(proc_dirfd, pid, &id);

        if (r < 0)
                return r;
        memset(v, 0, sizeof(*v));
        v->pid = pid;
        v->pgid = id.pgid;
        v->uid = id.uid;
        v->starttime = id.starttime;
        v->oom_score_adj = id.oom_score_adj;
        return 0;
}

int lab_kill_collect(struct reaper *reaper, const struct kill_request *req, struct kill_op *op,
                     int deadline_ms)
{
        struct pollfd p = {.fd = reaper_fd(reaper), .events = POLLIN};
        int r = kill_start(reaper, req, op);

        if (r == 0 && op->release_pending && poll(&p, 1, deadline_ms) == 1)
                (void)reaper_collect(reaper, op);
        return r;
}
