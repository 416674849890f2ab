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

    /// Who started a process: this boot of this machine, and reportgen's pid and start time,
    /// tab-separated as a pid file's fields are.
    static func owner(bootID: String) -> String {
        let own = ProcessIdentity(pid: getpid())
        return ["\(bootID.isEmpty ? "unknown" : bootID)", "\(getpid())", "\(own?.startTicks ?? 0)"].joined(separator: "\t")
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
            "printf '%s\\t%s\\t%s\\n' \(shellQuoted(owner)) $$ \"$start\" > \(shellQuoted(pidFile))",
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

    /// Prints "FILE<tab>CONTENTS" for each pid file under `folder`/state, a line "@", then
    /// the stat line of every process: what a stale session's members are picked from.
    static func pidFilesAndProcesses(folder: String) -> String {
        """
        for f in \(shellQuoted(folder))/state/*.pid; do [ -f "$f" ] && printf '%s\\t%s\\n' "$f" "$(cat "$f")"; done
        echo @
        cat /proc/[0-9]*/stat 2>/dev/null
        true
        """
    }

    /// Points the scripts of a Python environment copied from `old` to `venv` at their new
    /// folder, then writes `marker`. The paths are arguments of a fixed program run by
    /// `python`, never part of a program's text: the replacement is a literal one of bytes,
    /// whatever the folder holds. A `#!` line that would hold a space after the move (the
    /// kernel ends the program's path there) becomes pip's own trampoline through /bin/sh,
    /// with the path in single quotes (the shell expands nothing in it).
    static func relocate(venv: String, from old: String, python: String, marker: String) -> String {
        ([python, "-c", relocateProgram, old, venv, venv + "/bin"].map(shellQuoted) + ["&&", "touch", shellQuoted(marker)])
            .joined(separator: " ")
    }

    /// The program `relocate` runs: `OLD NEW FOLDER`, rewriting the regular files of FOLDER.
    static let relocateProgram = """
        import os, sys
        old, new, folder = (os.fsencode(word) for word in sys.argv[1:4])
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as file:
                data = file.read()
            if old not in data:
                continue
            head, newline, body = data.partition(b"\\n")
            if head.startswith(b"#!" + old) and b" " in new:
                program, _, options = head[2 + len(old):].partition(b" ")
                quoted = b"'" + (new + program).replace(b"'", b"'\\\\''") + b"'"
                words = [quoted] + ([options] if options else []) + [b'"$0" "$@"']
                head = b"#!/bin/sh\\n'''exec' " + b" ".join(words) + b"\\n' '''"
            else:
                head = head.replace(old, new)
            with open(path, "wb") as file:
                file.write(head + newline + body.replace(old, new))
        """

    /// SIGKILLs `pids` and removes `files`: one round trip.
    static func kill(_ pids: [Int], removing files: [String]) -> String {
        var script = pids.isEmpty ? "" : "kill -9 " + pids.map(String.init).joined(separator: " ") + " 2>/dev/null; "
        if !files.isEmpty { script += "rm -f " + files.map(shellQuoted).joined(separator: " ") + "; " }
        return script + "true"
    }

    /// One pid file as the listing prints it: "FILE<tab>BOOT<tab>OWNER_PID<tab>OWNER_START<tab>PID<tab>START".
    /// The five fields are read from the end of the line, split at tabs or spaces (a pid
    /// file an older reportgen wrote holds spaces), so the file's path, which may hold a
    /// space, is all that comes before them.
    struct PidFileEntry: Equatable {
        var file: String
        var ownerBoot: String
        var ownerPID: pid_t
        var ownerStart: Int64
        var identity: RemoteIdentity

        init?(line: String) {
            var rest = Substring(line)
            var words: [String] = []
            for _ in 0..<5 {
                guard let cut = rest.lastIndex(where: { $0 == "\t" || $0 == " " }) else { return nil }
                words.insert(String(rest[rest.index(after: cut)...]), at: 0)
                rest = rest[..<cut]
            }
            guard !rest.isEmpty, let ownerPID = pid_t(words[1]), let ownerStart = Int64(words[2]),
                let pid = Int(words[3]), let start = Int64(words[4])
            else { return nil }
            file = String(rest)
            ownerBoot = words[0]
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
