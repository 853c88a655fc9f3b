/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-selfprotect-spawn.c - fork N tiny sleepers, say "ready", and take them all down when it dies */

/*
 * Usage: test-selfprotect-spawn N
 * Forks N children that pause() until killed, writes "ready N\n" to stdout once all exist,
 * then waits. Each child asks for SIGKILL when the spawner dies (PR_SET_PDEATHSIG), and the
 * spawner asks for the same when its own parent (the test) dies, so a test killed without
 * its cleanup still takes every sleeper with it. Start it inside a cgroup the test owns. The children touch nothing after fork:
 * each costs the kernel a task and page tables, not user memory (~100 KB here).
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* pid_max is 32768 by default; the caller checks it leaves room before asking for more. */
#define SPAWN_MAX 4000000

int main(int argc, char **argv)
{
        pid_t parent = getpid();
        long n;
        char *end;

        if (argc != 2) {
                fprintf(stderr, "usage: %s N\n", argv[0]);
                return 2;
        }
        n = strtol(argv[1], &end, 10);
        if (*end || n < 0 || n > SPAWN_MAX) {
                fprintf(stderr, "bad count '%s'\n", argv[1]);
                return 2;
        }
        /* children killed by the test's cleanup vanish at once instead of lingering as zombies */
        signal(SIGCHLD, SIG_IGN);
        /*
         * And this process dies with the test that started it: a test killed by its timeout
         * (SIGKILL, no cleanup trap) must not leave tens of thousands of sleepers behind.
         */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1) {
                fprintf(stderr, "PR_SET_PDEATHSIG: %s\n", strerror(errno));
                return 1;
        }
        for (long i = 0; i < n; i++) {
                pid_t pid = fork();

                if (pid < 0) {
                        fprintf(stderr, "fork %ld of %ld: %s\n", i + 1, n, strerror(errno));
                        kill(0, SIGKILL);
                        return 1;
                }
                if (pid == 0) {
                        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                                _exit(1);
                        for (;;)
                                pause();
                }
        }
        printf("ready %ld\n", n);
        fflush(stdout);
        for (;;)
                pause();
}
