#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proc.h - pure parsers for /proc/<pid>/{stat,status,cmdline,cgroup,oom_score*}, and thin readers */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Kernel task flags from include/linux/sched.h, as shown in stat field 9. */
#define PROC_PF_EXITING 0x00000004U
#define PROC_PF_KTHREAD 0x00200000U

/* The kernel's TASK_COMM_LEN: comm is at most 15 bytes plus the NUL. */
#define PROC_COMM_MAX 16
/* A comm made printable, with room to spare. */
#define PROC_COMM_BUF 32

/* What reapd takes from /proc/<pid>/stat. */
struct proc_stat {
        pid_t pid;
        char comm[PROC_COMM_MAX];
        char state;
        pid_t ppid;
        pid_t pgid;
        unsigned flags; /* PF_* */
        uint64_t starttime; /* field 22, clock ticks since boot */
        uint64_t rss_pages; /* field 24 */
};

/* What reapd takes from /proc/<pid>/status. A line that is absent leaves its field 0. */
struct proc_status {
        pid_t tgid;
        pid_t ppid;
        uid_t uid; /* real uid, first number of "Uid:" */
        char state;
        bool has_mm; /* a VmRSS or RssAnon line: the task has an address space */
        uint64_t rss_kb; /* VmRSS, or RssAnon + RssFile + RssShmem when VmRSS is absent */
        uint64_t swap_kb;
        uint64_t pgtables_kb;
        bool sigkill_pending; /* SIGKILL in ShdPnd or SigPnd: already dying (a frozen victim stays so) */
};

/*
 * proc_stat_parse() - pure: parse the NUL-terminated text of /proc/<pid>/stat. The comm runs
 * from the first '(' to the *last* ')' so that names such as "foo) Z " cannot shift fields;
 * it is truncated to 15 bytes. Returns 0, or -EINVAL if @buf is not a stat line (too few
 * fields, a number that does not parse). @ret is untouched on failure.
 */
int proc_stat_parse(const char *buf, struct proc_stat *ret);

/*
 * proc_status_parse() - pure: parse the NUL-terminated text of /proc/<pid>/status. Unknown
 * lines are skipped. Returns 0, or -EINVAL when the "Tgid:" or "Uid:" line is missing or a
 * field reapd needs does not parse. @ret is untouched on failure.
 */
int proc_status_parse(const char *buf, struct proc_status *ret);

/*
 * proc_oom_score_adj_parse() - pure: "-1000".."1000" with optional blanks/newline.
 * Returns 0, or -EINVAL (garbage) / -ERANGE (out of range). @ret untouched on failure.
 */
int proc_oom_score_adj_parse(const char *buf, int *ret);

/*
 * proc_oom_score_parse() - pure: the text of /proc/<pid>/oom_score, a decimal 0..2000 (the
 * kernel's scaled badness; see score_oom_score()) with optional blanks/newline.
 * Returns 0, or -EINVAL (garbage) / -ERANGE (above UINT32_MAX). @ret untouched on failure.
 */
int proc_oom_score_parse(const char *buf, unsigned *ret);

/*
 * proc_cmdline_parse() - pure: turn the @len raw bytes of /proc/<pid>/cmdline (NUL-separated
 * arguments) into one line in @out: separators become spaces, trailing NULs are dropped,
 * the result is truncated to @size - 1 bytes and always NUL-terminated (if @size > 0).
 * Other bytes are copied as they are. Returns the length written to @out.
 */
size_t proc_cmdline_parse(const char *buf, size_t len, char *out, size_t size);

/*
 * proc_cgroup_parse_v2() - pure: copy the cgroup2 path from the text of /proc/<pid>/cgroup
 * (the "0::/a/b" line) into @out. Returns 0, 1 (PROC_NO_CGROUP2: no such line; @out = ""),
 * -ENAMETOOLONG if it does not fit (@out untouched) or -EINVAL if @size is 0 or the text is not
 * a cgroup file. A thin wrapper over cgroup_parse_proc_cgroup(), which does the parsing.
 */
#define PROC_NO_CGROUP2 1
int proc_cgroup_parse_v2(const char *buf, char *out, size_t size);

/*
 * proc_xattr_flags() - pure: the PROC_AVOID_XATTR / PROC_OMIT_XATTR flags (snapshot.h) a
 * cgroup owned by @owner with these xattr values earns. A value is NULL when the xattr is
 * absent; a present value counts when it is a true boolean ("1", "yes", "true", "on"), as
 * systemd-oomd reads user.oomd_avoid. Only root-owned cgroups count: anyone with a delegated
 * subtree could otherwise exempt their own processes.
 */
unsigned proc_xattr_flags(uid_t owner, const char *avoid, const char *omit);

/*
 * proc_meminfo_totalpages_parse() - pure: MemTotal + SwapTotal of a /proc/meminfo text in
 * pages of @page_size bytes: the kernel's totalram_pages() + total_swap_pages, which
 * oom_badness() scales oom_score_adj by; the swap part alone in @ret_swap (may be NULL).
 * A missing SwapTotal counts as 0. Returns 0, or -EINVAL (no MemTotal, garbage, a
 * @page_size that is not a multiple of 1024). Out-parameters untouched on failure.
 */
int proc_meminfo_totalpages_parse(const char *buf, uint64_t page_size, uint64_t *ret, uint64_t *ret_swap);

/*
 * Readers: each reads /proc/<pid>/<file> relative to @proc_dirfd with a stack buffer,
 * allocates nothing, and returns 0 or a negative errno: -ENOENT or -ESRCH when the
 * process vanished (callers skip it), -EINVAL when the parser refuses the content.
 * Out-parameters are untouched on failure.
 */
int proc_read_stat(int proc_dirfd, pid_t pid, struct proc_stat *ret);
int proc_read_status(int proc_dirfd, pid_t pid, struct proc_status *ret);
int proc_read_oom_score_adj(int proc_dirfd, pid_t pid, int *ret);
/*
 * proc_read_oom_score() - the hot loop of snapshot_select(): one openat(), one read(), one
 * close(). A seq_file hands a one-line record over in a single read(), so there is no second
 * read() to see EOF as read_file_at() does. -ESRCH when the task exited after the open.
 */
int proc_read_oom_score(int proc_dirfd, pid_t pid, unsigned *ret);
/* proc_read_cmdline() - as proc_cmdline_parse() into @out; returns the length or a negative errno. */
ssize_t proc_read_cmdline(int proc_dirfd, pid_t pid, char *out, size_t size);
/* proc_read_exe() - readlinkat() of "<pid>/exe"; -EACCES/-ENOENT are common and harmless. */
ssize_t proc_read_exe(int proc_dirfd, pid_t pid, char *out, size_t size);
/* proc_read_cgroup() - the cgroup2 path of @pid, as proc_cgroup_parse_v2(). */
int proc_read_cgroup(int proc_dirfd, pid_t pid, char *out, size_t size);
