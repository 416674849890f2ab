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

#endif
