#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* unit-files.h - files the unit tests write into temporary trees or read from fixtures (after cmocka.h) */

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>

#include "util.h"

/* unit_write_file() - create or truncate @path with @text; fails the test on any error. */
static inline void unit_write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

/* unit_fixture() - the text of tests/fixtures/@name, in a buffer the next call reuses. */
static inline const char *unit_fixture(const char *name)
{
        static char buf[65536];
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/%s", FIXTURES_DIR, name);
        assert_true(read_file_at(AT_FDCWD, path, buf, sizeof(buf)) >= 0);
        return buf;
}
