#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* property-gen.h - what the property tests share: a seeded generator, random policies */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "select.h"

#define PROPERTY_MAX_PROCS 48
#define PROPERTY_MAX_RULES 6
/* A fixed base seed; each case derives its own from it, so one case can be replayed. */
#define PROPERTY_SEED UINT64_C(0x5eed0f0ab1e)

/* The generator's state: splitmix64, small, good enough, and the same on every platform. */
extern uint64_t rnd_state;

uint64_t rnd(void);
uint64_t rnd_below(uint64_t n);
bool rnd_chance(unsigned percent);
/* Short strings from a tiny alphabet, so rule patterns actually match some of them. */
void rnd_word(char *buf, size_t size);
/* An oom_score_adj: often one of the values where the arithmetic turns, else any. */
int rnd_adj(void);

struct world {
        struct snapshot s;
        struct proc_info procs[PROPERTY_MAX_PROCS];
        char strings[PROPERTY_MAX_PROCS * 3 * 16 + 1];
        struct policy policy;
        struct score_ctx ctx;
        /* the reference's view of each rule: a literal with anchors */
        struct {
                enum policy_action action;
                enum policy_field field;
                char lit[16];
                bool head, tail;
                uid_t uid;
        } rules[PROPERTY_MAX_RULES];
        size_t n_rules;
};

/* make_policy() - a random policy into w->policy, and the reference's view of its rules in w->rules. */
void make_policy(struct world *w);
