#define _GNU_SOURCE
#include "cspawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

// Between fork and exec only async-signal-safe calls are made: the parent is threaded.
static void child_fail(int pipe_fd, int err) {
    ssize_t ignored = write(pipe_fd, &err, sizeof err);
    (void)ignored;
    _exit(127);
}

pid_t cspawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
             int output_fd, int new_group, int death_signal, int *error_out) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        *error_out = errno;
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        *error_out = errno;
        close(report[0]);
        close(report[1]);
        return -1;
    }
    if (pid == 0) {
        if (new_group && setpgid(0, 0) != 0) child_fail(report[1], errno);
        if (death_signal) {
            if (prctl(PR_SET_PDEATHSIG, death_signal) != 0) child_fail(report[1], errno);
            // The parent may have died before prctl took effect.
            if (getppid() != parent) _exit(127);
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        // Ignored dispositions survive exec; servers expect the defaults.
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull < 0) child_fail(report[1], errno);
        if (dup2(devnull, 0) < 0) child_fail(report[1], errno);
        if (dup2(output_fd, 1) < 0) child_fail(report[1], errno);
        if (dup2(output_fd, 2) < 0) child_fail(report[1], errno);
        // Descriptors the parent opened without O_CLOEXEC must not leak into servers.
        syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
        if (cwd && chdir(cwd) != 0) child_fail(report[1], errno);
        execve(path, argv, envp);
        child_fail(report[1], errno);
    }
    // Set the group from both sides so a signal sent right after return reaches it.
    if (new_group) setpgid(pid, pid);
    close(report[1]);
    int child_errno = 0;
    ssize_t n;
    do {
        n = read(report[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof child_errno) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *error_out = child_errno;
        return -1;
    }
    return pid;
}

int cspawn_wait_gone(pid_t pid, int timeout_ms) {
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) return errno == ESRCH ? 1 : -1;
    struct pollfd entry = {.fd = fd, .events = POLLIN, .revents = 0};
    int ready;
    do {
        ready = poll(&entry, 1, timeout_ms);
    } while (ready < 0 && errno == EINTR);
    int saved = errno;
    close(fd);
    if (ready < 0) {
        errno = saved;
        return -1;
    }
    return ready > 0 ? 1 : 0;
}
