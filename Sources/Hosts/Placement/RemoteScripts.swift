import Core
import Foundation
import Supervision

/// The POSIX sh that reportgen runs on remote hosts: small, with no tool beyond sh, cat,
/// sed, grep, setsid and the coreutils, so any Linux host with sshd serves.
enum RemoteScripts {
    /// Reads a process's fields after "pid (comm) " into $1… ($4 is the session, $20 the
    /// start time); the command name may hold spaces and ends at the last ')'.
    private static func statFields(_ file: String) -> String {
        "{ read -r stat < \(file); } 2>/dev/null && set -- ${stat##*[)] }"
    }

    /// Who started a process: this boot of this machine, and reportgen's pid and start time.
    static func owner(bootID: String) -> String {
        let own = ProcessIdentity(pid: getpid())
        return "\(bootID.isEmpty ? "unknown" : bootID) \(getpid()) \(own?.startTicks ?? 0)"
    }

    /// Starts `command` from `folder` in a new session, its output in `log`: the session's
    /// pid and start time go to `pidFile` (with `owner`), to `sessions` (for the sampling
    /// loop) and to the ssh client as "reportgen-started PID START"; the script then
    /// becomes the command, and `setsid -w` keeps the ssh client until it ends.
    ///
    /// The wrapper stays the session's leader and removes the pid file when the command
    /// ends by itself; a stopped session's pid file is removed by whoever stopped it, and a
    /// killed reportgen's is found by the next run. Without `log`, the command's output goes
    /// to the ssh client (the sampling loop's readings).
    static func launch(
        _ command: Command, folder: String, log: String?, pidFile: String, sessions: String, owner: String
    ) -> String {
        let assignments = command.environment.filter { $0.key != "HOME" }.sorted { $0.key < $1.key }
            .map { shellQuoted("\($0.key)=\($0.value)") }
        let program = ([command.executable] + command.arguments).map(shellQuoted)
        let output = log.map { " > \(shellQuoted($0)) 2>&1" } ?? " 2>&1"
        let inner = [
            statFields("/proc/$$/stat"),
            "start=${20}",
            "echo $$ >> \(shellQuoted(sessions))",
            "echo \(shellQuoted(owner)) $$ \"$start\" > \(shellQuoted(pidFile))",
            "echo reportgen-started $$ \"$start\"",
            (["env -i HOME=\"$HOME\""] + assignments + program).joined(separator: " ") + output + " < /dev/null",
            "status=$?",
            "rm -f \(shellQuoted(pidFile))",
            "exit $status",
        ].joined(separator: "\n")
        let logFolder = ((log ?? pidFile) as NSString).deletingLastPathComponent
        return "mkdir -p \(shellQuoted(logFolder)) && cd \(shellQuoted(folder)) && exec setsid -w sh -c \(shellQuoted(inner))"
    }

    /// Sends `signal` to the process group `group` leads (every process of its session
    /// that stayed in it) and, when `pidFile` is given, removes it: one round trip.
    static func signal(group: Int, _ signal: Int32, removing pidFile: String? = nil) -> String {
        "kill -\(signal) -\(group) 2>/dev/null" + (pidFile.map { "; rm -f \(shellQuoted($0))" } ?? "") + "; true"
    }

    /// Prints "FILE CONTENTS" for each pid file under `folder`/state, a line "@", then the
    /// stat line of every process: what a stale session's members are picked from.
    static func pidFilesAndProcesses(folder: String) -> String {
        """
        for f in \(shellQuoted(folder))/state/*.pid; do [ -f "$f" ] && echo "$f $(cat "$f")"; done
        echo @
        cat /proc/[0-9]*/stat 2>/dev/null
        true
        """
    }

    /// SIGKILLs `pids` and removes `files`: one round trip.
    static func kill(_ pids: [Int], removing files: [String]) -> String {
        var script = pids.isEmpty ? "" : "kill -9 " + pids.map(String.init).joined(separator: " ") + " 2>/dev/null; "
        if !files.isEmpty { script += "rm -f " + files.map(shellQuoted).joined(separator: " ") + "; " }
        return script + "true"
    }

    /// One pid file: "FILE BOOT OWNER_PID OWNER_START PID START".
    struct PidFileEntry: Equatable {
        var file: String
        var ownerBoot: String
        var ownerPID: pid_t
        var ownerStart: Int64
        var identity: RemoteIdentity

        init?(line: String) {
            let words = line.split(separator: " ").map(String.init)
            guard words.count == 6, let ownerPID = pid_t(words[2]), let ownerStart = Int64(words[3]),
                let pid = Int(words[4]), let start = Int64(words[5])
            else { return nil }
            file = words[0]
            ownerBoot = words[1]
            self.ownerPID = ownerPID
            self.ownerStart = ownerStart
            identity = RemoteIdentity(pid: pid, startTicks: start)
        }
    }

    /// The sampling loop: every `interval`, the /proc stat lines of the processes in the
    /// groups listed in `sessions`, as they are, then a line "@" that closes the reading.
    /// Choosing lines by their group field is all it does; what they say is read here, by
    /// the parser that reads this machine's /proc.
    static func usageLoop(sessions: String, interval: Duration) -> String {
        let seconds = String(format: "%.3f", Double(interval.microseconds) / 1e6)
        // A reading that cannot be written (the connection is gone) ends the loop.
        return "while :; do \(usageReading(sessions: sessions)) || exit 0; sleep \(seconds) || exit 0; done"
    }

    /// One reading of the sampling loop.
    static func usageReading(sessions: String) -> String {
        // "PID (COMM) STATE PPID PGRP …": the group is the fifth field; a command name that
        // looks like one only adds a line the parser here leaves out.
        "g=$(tr '\\n' '|' < \(shellQuoted(sessions)) 2>/dev/null); g=${g%|}; "
            + "{ [ -z \"$g\" ] || grep -shE \"\\) . [0-9]+ ($g) \" /proc/[0-9]*/stat; echo @; }"
    }
}
