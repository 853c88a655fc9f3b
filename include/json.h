#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json.h - the little JSON output reapctl needs */

#include <stdio.h>

/*
 * json_print_string() - write @len bytes of @s as a quoted JSON string: quotes, backslashes
 * and control characters escaped, bytes that are not valid UTF-8 written as \u00XX.
 */
void json_print_string(FILE *f, const char *s, size_t len);
