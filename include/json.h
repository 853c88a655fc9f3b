#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json.h - the little JSON output reapctl needs */

#include <stdio.h>
#include <sys/types.h>

/*
 * json_print_string() - write @len bytes of @s as a quoted JSON string: quotes, backslashes
 * and control characters escaped, bytes that are not valid UTF-8 written as \u00XX.
 */
void json_print_string(FILE *f, const char *s, size_t len);

/*
 * json_format_string() - json_print_string() into @buf of @size bytes, NUL-terminated, without
 * allocating. Returns the length written, or -ENOBUFS if it does not fit (@buf is then undefined).
 */
ssize_t json_format_string(char *buf, size_t size, const char *s, size_t len);
