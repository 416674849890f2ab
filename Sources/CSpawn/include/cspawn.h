#ifndef CSPAWN_H
#define CSPAWN_H

#include <sys/types.h>

/// Starts `path` with `argv` and `envp` (NULL-terminated) in `cwd` (or the current folder
/// when NULL), with stdin from /dev/null and stdout and stderr on `output_fd`.
/// When `new_group` is non-zero the child leads a new process group, so the whole tree can
/// be signalled at once. When `death_signal` is non-zero the child receives it if the thread
/// that spawned it dies, so a killed reportgen takes its servers with it.
/// Returns the pid, or -1 with `*error_out` set to the errno of the failing step.
pid_t cspawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
             int output_fd, int new_group, int death_signal, int *error_out);

/// Waits until the process `pid` (any process, not only a child) has ended, for at most
/// `timeout_ms`, through a pidfd: the kernel wakes the caller, nothing polls.
/// Returns 1 when it has ended (or no such process exists), 0 on timeout, -1 on error.
int cspawn_wait_gone(pid_t pid, int timeout_ms);

#endif
