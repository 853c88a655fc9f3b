/* SPDX-License-Identifier: GPL-2.0-or-later */
/* alloc-count.c - count malloc and friends while armed, from any thread (see alloc-count.h) */

#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "alloc-count.h"

/* ASan and TSan interpose the allocator themselves: there, nothing is counted. */
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *p);

static atomic_bool armed;
static atomic_ulong n_allocs;
/* who allocated first while armed: printed (after disarming) to find the culprit */
static void *_Atomic first_caller;

static void count(void *caller)
{
        void *none = NULL;

        if (!atomic_load_explicit(&armed, memory_order_relaxed))
                return;
        atomic_fetch_add(&n_allocs, 1);
        atomic_compare_exchange_strong(&first_caller, &none, caller);
}

void *malloc(size_t size)
{
        count(__builtin_return_address(0));
        return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
        count(__builtin_return_address(0));
        return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
        count(__builtin_return_address(0));
        return __libc_realloc(p, size);
}

void *memalign(size_t align, size_t size)
{
        count(__builtin_return_address(0));
        return __libc_memalign(align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
        count(__builtin_return_address(0));
        return __libc_memalign(align, size);
}

int posix_memalign(void **ret, size_t align, size_t size)
{
        void *p;

        count(__builtin_return_address(0));
        p = __libc_memalign(align, size);
        if (!p)
                return ENOMEM;
        *ret = p;
        return 0;
}

void free(void *p)
{
        __libc_free(p);
}

void alloc_count_arm(void)
{
        atomic_store(&n_allocs, 0);
        atomic_store(&first_caller, NULL);
        atomic_store(&armed, true);
}

unsigned long alloc_count_disarm(void **ret_first_caller)
{
        atomic_store(&armed, false);
        if (ret_first_caller)
                *ret_first_caller = atomic_load(&first_caller);
        return atomic_load(&n_allocs);
}
#else
void alloc_count_arm(void)
{
}

unsigned long alloc_count_disarm(void **ret_first_caller)
{
        if (ret_first_caller)
                *ret_first_caller = NULL;
        return 0;
}
#endif
