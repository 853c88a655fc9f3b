#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* alloc-count.h - count the allocations a piece of code makes, for tests that promise none */

/*
 * Linked into a test executable, alloc-count.c defines malloc, calloc, realloc and the aligned
 * allocators: glibc resolves them to the executable's definitions for the whole process (its
 * own internal calls, such as opendir()'s, included), and they count every call made while
 * armed, from any thread, before passing it on to glibc. Under ASan or TSan nothing is counted.
 */

/* alloc_count_arm() - start counting from 0. */
void alloc_count_arm(void);

/* alloc_count_disarm() - stop; the count, and in @ret_first_caller (may be NULL) the return
 * address of the first counted call, for addr2line. */
unsigned long alloc_count_disarm(void **ret_first_caller);
