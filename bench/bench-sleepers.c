/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench-sleepers.c - N idle processes for a killer to scan, gone when this process goes */

/*
 * Usage: bench-sleepers N [READY_FILE]
 * Forks N children that pause(); writes "ready N" to READY_FILE once all exist, then
 * pauses. On SIGTERM/SIGINT (or its death: PR_SET_PDEATHSIG) every child dies too.
 */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t *kids;
static size_t n_kids;

static void on_signal(int sig)
{
        for (size_t i = 0; i < n_kids; i++)
                kill(kids[i], SIGKILL);
        signal(sig, SIG_DFL);
        raise(sig);
}

int main(int argc, char **argv)
{
        size_t n = argc >= 2 ? strtoul(argv[1], NULL, 10) : 0;
        pid_t self = getpid();

        if (n == 0 || argc > 3) {
                fprintf(stderr, "usage: %s N [READY_FILE]\n", argv[0]);
                return 2;
        }
        kids = calloc(n, sizeof(*kids));
        if (!kids)
                return 1;
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        while (n_kids < n) {
                pid_t pid = fork();

                if (pid < 0) {
                        perror("bench-sleepers: fork");
                        on_signal(SIGTERM);
                }
                if (pid == 0) {
                        signal(SIGTERM, SIG_DFL);
                        signal(SIGINT, SIG_DFL);
                        prctl(PR_SET_PDEATHSIG, SIGKILL);
                        if (getppid() != self)
                                _exit(0);
                        for (;;)
                                pause();
                }
                kids[n_kids++] = pid;
        }
        if (argc == 3) {
                FILE *f = fopen(argv[2], "we");

                if (f) {
                        fprintf(f, "ready %zu\n", n_kids);
                        fclose(f);
                }
        }
        for (;;)
                pause();
}
