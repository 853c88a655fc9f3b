#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* unit-files.h - files the unit tests write into their own temporary trees (include after cmocka.h) */

#include <stdio.h>

/* unit_write_file() - create or truncate @path with @text; fails the test on any error. */
static inline void unit_write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}
