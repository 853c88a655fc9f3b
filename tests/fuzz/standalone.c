/* SPDX-License-Identifier: GPL-2.0-or-later */
/* standalone.c - run a fuzz target's checks once over files, without libFuzzer: the regression test */

/*
 * Usage: fuzz-TARGET-regress PATH...   (files, or directories of files)
 * Linked with one fuzz-*.c, it feeds every input to LLVMFuzzerTestOneInput() once, in a
 * plain gcc build, so the seeds and every crash input committed under regress/ stay tested
 * in the unit suite (and under ASan and valgrind) even where clang and libFuzzer are absent.
 * A failed check traps, which fails the test.
 */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Inputs bigger than this are not seeds; libFuzzer's own default -max_len is 4096. */
#define STANDALONE_MAX_INPUT (1024 * 1024)

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path)
{
        FILE *f = fopen(path, "re");
        uint8_t *data;
        size_t n;

        if (!f) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        data = malloc(STANDALONE_MAX_INPUT);
        if (!data) {
                fclose(f);
                return -1;
        }
        n = fread(data, 1, STANDALONE_MAX_INPUT, f);
        fclose(f);
        /* the exact size, so ASan sees reads past the input as it would under libFuzzer */
        data = realloc(data, n ? n : 1);
        printf("%s (%zu bytes)\n", path, n);
        LLVMFuzzerTestOneInput(data, n);
        free(data);
        return 0;
}

static int run_path(const char *path)
{
        struct dirent **names;
        struct stat st;
        int n, r = 0;

        if (stat(path, &st) < 0) {
                if (errno == ENOENT) {
                        printf("%s: none\n", path); /* no regression inputs for this target */
                        return 0;
                }
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        if (!S_ISDIR(st.st_mode))
                return run_file(path);
        n = scandir(path, &names, NULL, alphasort);
        if (n < 0)
                return -1;
        for (int i = 0; i < n; i++) {
                char sub[4096];

                if (names[i]->d_name[0] != '.') {
                        snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name);
                        if (run_file(sub) < 0)
                                r = -1;
                }
                free(names[i]);
        }
        free(names);
        return r;
}

int main(int argc, char **argv)
{
        int r = 0;

        if (LLVMFuzzerInitialize)
                LLVMFuzzerInitialize(&argc, &argv);
        for (int i = 1; i < argc; i++)
                if (run_path(argv[i]) < 0)
                        r = 1;
        printf("%s\n", r ? "FAIL" : "PASS");
        return r;
}
