#pragma once
/* SPDX-License-Identifier: GPL-2.0-or-later */
/* procfs.h - a process from /proc/<pid>: pure parsers over buffers, thin readers over a proc dirfd */

/*
 * One parser per kernel file. Each parser takes the file's text (or, for status and cgroup, a
 * stream of it in any chunking) and fills a struct; each reader opens the file relative to a
 * proc root's dirfd (the real /proc or a fixture tree), reads it whole, whatever its length,
 * and parses it. Readers allocate nothing, so the kill path uses them as they are.
 *
 * Reader results: 0 or a negative errno, out-parameters untouched on failure.
 *   -ENOENT  the process (or the file) is not there: it exited and was reaped
 *   -ESRCH   it is exiting: the file read empty, or the kernel said so mid-read
 *   -EINVAL  the parser refused the text
 *   -EFBIG   a file that cannot be that long (stat, oom_score_adj) was: not taken truncated
 */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Kernel task flags from include/linux/sched.h, as shown in stat field 9. */
#define PROC_PF_EXITING 0x00000004U
#define PROC_PF_FORKNOEXEC 0x00000040U /* forked and has not exec'd (a vfork child is such a one) */
#define PROC_PF_KTHREAD 0x00200000U

/* The kernel's TASK_COMM_LEN: comm is at most 15 bytes plus the NUL. */
#define PROC_COMM_MAX 16
/* A comm made printable, with room to spare. */
#define PROC_COMM_BUF 32

/*
 * The longest line of /proc/<pid>/status that reapd reads: the values it needs are a number or
 * a 16-digit mask after a short key. A needed line longer than this is refused (-EINVAL), any
 * other line (Groups: with thousands of groups, Cpus_allowed_list on large machines) skipped.
 */
#define PROC_STATUS_LINE_MAX 256
/*
 * The longest line of /proc/<pid>/cgroup kept for parsing: "N:controllers:" and a path of up to
 * PATH_MAX - 1 bytes. The path of a longer v2 or memory line cannot be returned (-ENAMETOOLONG).
 */
#define PROC_CGROUP_LINE_MAX (PATH_MAX + 256)

/* What reapd takes from /proc/<pid>/stat. */
struct proc_stat {
        pid_t pid;
        char comm[PROC_COMM_MAX];
        char state;
        pid_t ppid;
        pid_t pgid;
        unsigned flags; /* PF_* */
        uint64_t starttime; /* field 22, clock ticks since boot */
        uint64_t
                vsize; /* field 23, bytes; 0 for a task without an mm (a kernel thread, one past exit_mm()) */
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
        uint64_t shmem_kb; /* RssShmem: tmpfs and shared memory, which may outlive the process */
        uint64_t locked_kb; /* VmLck: mlocked, which process_mrelease() does not reap */
        uint64_t hugetlb_kb; /* HugetlbPages: not in VmRSS; freed to the HugeTLB pool */
        bool sigkill_pending; /* SIGKILL in ShdPnd or SigPnd: already dying (a frozen victim stays so) */
        bool has_caps; /* a CapEff line: the capability masks below are the task's */
        uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
};

/*
 * proc_stat_parse() - pure: parse the NUL-terminated text of /proc/<pid>/stat. The comm runs
 * from the first '(' to the *last* ')' so that names such as "foo) Z " cannot shift fields;
 * it is truncated to 15 bytes. Returns 0, or -EINVAL if @buf is not a stat line (too few
 * fields, a number that does not parse). @ret is untouched on failure.
 */
int proc_stat_parse(const char *buf, struct proc_stat *ret);

/*
 * The status parser takes the text in pieces of any size, so that a reader can stream a status
 * of any length through a fixed buffer (a task whose owner is in thousands of supplementary
 * groups has a Groups: line of tens of KiB, and VmRSS comes after it). A line split between two
 * pieces is carried over in the parser. Unknown lines are skipped. Initialize with
 * proc_status_parser_init(), feed, then proc_status_parser_finish(). The result does not
 * depend on how the text was cut.
 */
struct proc_status_parser {
        struct proc_status st;
        uint64_t anon, file, shmem;
        bool have_tgid, have_uid, have_vmrss, have_rssanon;
        int error; /* the first error; every later call returns it */
        size_t len; /* bytes of a line carried over from the last piece */
        bool overlong; /* that line is longer than carry[] */
        char carry[PROC_STATUS_LINE_MAX];
};

/* proc_status_parser_init() - an empty parser, ready for the first piece. */
void proc_status_parser_init(struct proc_status_parser *p);

/* proc_status_parser_feed() - the next @n bytes of the text. Returns 0 or -EINVAL (then stuck). */
int proc_status_parser_feed(struct proc_status_parser *p, const char *buf, size_t n);

/*
 * proc_status_parser_finish() - the end of the text (its last line need not end in a newline).
 * Returns 0 with @ret filled, or -EINVAL when the "Tgid:" or "Uid:" line is missing, a field
 * reapd needs does not parse, or a line it needs is longer than PROC_STATUS_LINE_MAX. @ret is
 * untouched on failure.
 */
int proc_status_parser_finish(struct proc_status_parser *p, struct proc_status *ret);

/* proc_status_parse() - pure: the whole NUL-terminated text of /proc/<pid>/status at once. */
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
 * The cgroup parser, streamed as the status parser is: the lines of a process in deep cgroups
 * of many v1 hierarchies need not fit any buffer. The paths found are held in the parser until
 * the whole text has been checked; finish() writes the caller's buffers, given at init: the
 * cgroup2 path ("0::/a/b") to @ret_v2 and the v1 memory path ("N:memory:/a/b", or a line
 * listing memory among other controllers) to @ret_v1_memory. The first such line counts.
 * Either buffer may be NULL; a missing line gives "".
 */
struct proc_cgroup_parser {
        char *ret_v2, *ret_v1;
        size_t v2_size, v1_size;
        bool have_v2, have_v1, too_long;
        int error;
        size_t len;
        bool overlong;
        char v2[PATH_MAX], v1[PATH_MAX];
        char carry[PROC_CGROUP_LINE_MAX];
};

/* proc_cgroup_parser_init() - an empty parser for these buffers (a buffer of size 0: -EINVAL at finish). */
void proc_cgroup_parser_init(struct proc_cgroup_parser *p, char *ret_v2, size_t v2_size, char *ret_v1_memory,
                             size_t v1_size);

/* proc_cgroup_parser_feed() - the next @n bytes. Returns 0 or a negative errno (then stuck). */
int proc_cgroup_parser_feed(struct proc_cgroup_parser *p, const char *buf, size_t n);

/*
 * proc_cgroup_parser_finish() - Returns 0 with the buffers written, -EINVAL on garbage (checked
 * on every line; also a buffer of size 0), or -ENAMETOOLONG if a path does not fit its buffer
 * (or is longer than a line of PROC_CGROUP_LINE_MAX holds). Nothing is written on failure.
 */
int proc_cgroup_parser_finish(struct proc_cgroup_parser *p);

/* proc_cgroup_parse() - pure: the whole NUL-terminated text of /proc/<pid>/cgroup at once. */
int proc_cgroup_parse(const char *buf, char *ret_v2, size_t v2_size, char *ret_v1_memory, size_t v1_size);

/*
 * proc_stat_dying() - pure: the task has exited (zombie, dead) or is on its way out (PF_EXITING):
 * its memory is being freed, or is already, and no signal or release can do more.
 */
static inline bool proc_stat_dying(const struct proc_stat *st)
{
        return st->state == 'Z' || st->state == 'X' || st->state == 'x' || (st->flags & PROC_PF_EXITING);
}

/* proc_read_stat() - proc_stat_parse() of "<pid>/stat" under @proc_dirfd. */
int proc_read_stat(int proc_dirfd, pid_t pid, struct proc_stat *ret);

/* proc_read_status() - the status parser over "<pid>/status", streamed whatever its length. */
int proc_read_status(int proc_dirfd, pid_t pid, struct proc_status *ret);

/*
 * proc_read_task_stat(), proc_read_task_status() - the same of thread @tid of process @pid:
 * "<pid>/task/<tid>/stat" and "<pid>/task/<tid>/status". A thread's status shows the memory of
 * the address space it runs in, which is its process's.
 */
int proc_read_task_stat(int proc_dirfd, pid_t pid, pid_t tid, struct proc_stat *ret);
int proc_read_task_status(int proc_dirfd, pid_t pid, pid_t tid, struct proc_status *ret);

/*
 * proc_find_live_thread() - the kernel's find_lock_task_mm() for a process whose leader has
 * exited while other threads run (its main thread called pthread_exit()): the leader's stat says
 * Z and its status shows no memory, yet the process lives on, with the memory a live thread
 * holds. Writes to *@ret_tid the first thread of @pid in "<pid>/task" order (the kernel's thread
 * list, leader first) that is neither dead, a zombie nor exiting (PF_EXITING). Lists through a
 * buffer on the stack: allocates nothing. Returns 0, -ESRCH if no thread lives on (a zombie
 * process, or one whose every thread is exiting), -ENOENT if @pid is gone (or a proc root without
 * task directories), or another negative errno. @ret_tid is untouched on failure.
 */
int proc_find_live_thread(int proc_dirfd, pid_t pid, pid_t *ret_tid);

/* proc_read_oom_score_adj() - proc_oom_score_adj_parse() of "<pid>/oom_score_adj"; ERANGE is -EINVAL. */
int proc_read_oom_score_adj(int proc_dirfd, pid_t pid, int *ret);

/*
 * proc_read_oom_score() - the hot loop of select's pass 1: one openat(), one read(), one
 * close(). A seq_file hands a one-line record over in a single read(), so there is no second
 * read() to see its end.
 */
int proc_read_oom_score(int proc_dirfd, pid_t pid, unsigned *ret);

/*
 * proc_read_cmdline() - as proc_cmdline_parse() into @out: the first @size - 1 bytes of the
 * command line. reapd keeps a bounded prefix (a policy string, not a kernel limit); whether
 * there was more is said in *@ret_truncated (may be NULL). Returns the length or a negative errno.
 */
ssize_t proc_read_cmdline(int proc_dirfd, pid_t pid, char *out, size_t size, bool *ret_truncated);

/*
 * proc_read_exe() - readlinkat() of "<pid>/exe" into @out; -ENAMETOOLONG if it does not fit.
 * -EACCES and -ENOENT (no exe: a kernel thread, another user's process) are common and harmless.
 */
ssize_t proc_read_exe(int proc_dirfd, pid_t pid, char *out, size_t size);

/*
 * proc_read_cgroup() - proc_cgroup_parse() of /proc/<pid>/cgroup, streamed whatever its length
 * (one line per v1 hierarchy, each path up to PATH_MAX).
 */
int proc_read_cgroup(int proc_dirfd, pid_t pid, char *ret_v2, size_t v2_size, char *ret_v1_memory,
                     size_t v1_size);

/* A getdents64 buffer for proc_for_each_pid(): a call lists a few hundred /proc entries. */
#define PROC_DENTS_SIZE 8192

/*
 * proc_for_each_pid() - call @fn for every process directory of the proc root @proc_dirfd, in
 * the kernel's order, through the caller's @buf of @size bytes (PROC_DENTS_SIZE; 8-byte
 * aligned): allocates nothing. The walk has its own fd, so @proc_dirfd's offset is not moved.
 * A negative return of @fn stops the walk and is returned; otherwise 0 or a negative errno.
 */
int proc_for_each_pid(int proc_dirfd, void *buf, size_t size, int (*fn)(pid_t pid, void *userdata),
                      void *userdata);
