import CSpawn
import Core
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// CPU time and memory of one process, from /proc/PID/stat.
public struct ProcessUsage: Sendable, Equatable {
    public var userTicks: Int64
    public var systemTicks: Int64
    public var rssPages: Int64

    /// The sum of `usages` (a role's processes); nil when there are none, so a role none of
    /// whose processes runs has no reading.
    package static func total(_ usages: some Sequence<ProcessUsage>) -> ProcessUsage? {
        var sum = ProcessUsage(userTicks: 0, systemTicks: 0, rssPages: 0)
        var seen = false
        for usage in usages {
            seen = true
            sum.userTicks += usage.userTicks
            sum.systemTicks += usage.systemTicks
            sum.rssPages += usage.rssPages
        }
        return seen ? sum : nil
    }

    /// In ms and bytes, with the clock tick and page size of the host it was read on.
    package func reading(ticksPerSecond: Int64, pageSize: Int64) -> UsageReading {
        let msPerTick = 1000 / max(ticksPerSecond, 1)
        return UsageReading(userMs: userTicks * msPerTick, systemMs: systemTicks * msPerTick, rssBytes: rssPages * pageSize)
    }
}

/// A role's CPU time and resident memory at one moment, whichever host it runs on.
public struct UsageReading: Sendable, Equatable {
    public var userMs: Int64
    public var systemMs: Int64
    public var rssBytes: Int64
}

/// One process as its /proc/PID/stat line gives it, read from this machine's /proc or sent
/// by a remote host's sampling loop: the one parser both go through.
package struct ProcessStat: Sendable, Equatable {
    /// Its pid and start time: which process it is.
    let identity: ProcessIdentity
    /// R, S, D, Z (zombie), X (dead)…
    let state: String
    /// The process group it is in.
    let group: Int
    package let usage: ProcessUsage

    package var pid: Int { Int(identity.pid) }
    var startTicks: Int64 { identity.startTicks }

    /// "PID (COMMAND) STATE PPID PGRP …"; nil when `line` is not one.
    package init?(line: Substring) {
        guard let space = line.firstIndex(of: " "), let pid = Int(line[..<space]),
            let close = line.lastIndex(of: ")")
        else { return nil }
        self.init(pid: pid, fields: ProcessTable.fields(afterCommand: line[line.index(after: close)...]))
    }

    /// From the fields after the command name (`ProcessTable.statFields`).
    init?(pid: Int, fields: [Substring]) {
        guard fields.count > 21, let group = Int(fields[2]), let start = Int64(fields[19]),
            let user = Int64(fields[11]), let system = Int64(fields[12]), let rss = Int64(fields[21])
        else { return nil }
        identity = ProcessIdentity(pid: pid_t(truncatingIfNeeded: pid), startTicks: start)
        state = String(fields[0])
        self.group = group
        usage = ProcessUsage(userTicks: user, systemTicks: system, rssPages: rss)
    }

    /// Whether it exists and is not a zombie.
    var isAlive: Bool { state != "Z" && state != "X" }

    /// Whether it is a live process of group `group` that started no earlier than
    /// `startTicks`, its leader's start: a group id reused by someone else's processes is
    /// not ours.
    package func isLiveMember(ofGroup group: Int, since startTicks: Int64) -> Bool {
        self.group == group && isAlive && self.startTicks >= startTicks
    }
}

/// Reads of /proc, kept cheap: the resource sampler calls them every 250 ms while a
/// measured window runs, and reportgen's own CPU time there must stay negligible.
public enum ProcessTable {
    package static let ticksPerSecond = Int64(sysconf(Int32(_SC_CLK_TCK)))
    package static let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))

    /// Fields of /proc/PID/stat after the command name, split on spaces; field 3 (state)
    /// is at index 0.
    static func statFields(_ pid: pid_t) -> [Substring]? {
        guard let bytes = readSmallFile("/proc/\(pid)/stat") else { return nil }
        // The command name may contain spaces and parentheses; it ends at the last ')'.
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        return fields(afterCommand: String(decoding: bytes[(close + 1)...], as: UTF8.self)[...])
    }

    static func fields(afterCommand rest: Substring) -> [Substring] {
        rest.split(separator: " ", omittingEmptySubsequences: true)
    }

    /// `pid` as its stat line gives it, or nil if it is gone.
    static func stat(_ pid: pid_t) -> ProcessStat? {
        statFields(pid).flatMap { ProcessStat(pid: Int(pid), fields: $0) }
    }

    /// Every process of this machine.
    static func all() -> [ProcessStat] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { pid_t($0).flatMap(stat) }
    }

    /// CPU ticks and resident pages of `pid`, or nil if it is gone.
    public static func usage(_ pid: pid_t) -> ProcessUsage? {
        stat(pid)?.usage
    }

    /// The summed usage of the tree under `root` now; nil when none of it runs.
    package static func treeUsage(_ root: pid_t) -> ProcessUsage? {
        ProcessUsage.total(tree(root).compactMap(usage))
    }

    /// `pid` and all its descendants, through /proc/PID/task/PID/children.
    ///
    /// Only each process's main thread is asked: the servers reportgen starts fork from
    /// their main thread, and a gthread worker's 1000 threads would otherwise cost 1000
    /// reads per sample.
    public static func tree(_ pid: pid_t) -> [pid_t] {
        var result: [pid_t] = []
        var pending: [pid_t] = [pid]
        while let next = pending.popLast(), result.count < 10_000 {
            result.append(next)
            guard let bytes = readSmallFile("/proc/\(next)/task/\(next)/children") else { continue }
            for word in bytes.split(separator: UInt8(ascii: " ")) {
                if let child = pid_t(String(decoding: word, as: UTF8.self)) { pending.append(child) }
            }
        }
        return result
    }

    /// The descendants of `pid` (not `pid` itself) that are in another process group: they
    /// left it with setsid or setpgid, so signalling the group does not reach them.
    static func descendantsOutsideGroup(of pid: pid_t) -> [ProcessIdentity] {
        ProcessTable.tree(pid).dropFirst().compactMap { member -> ProcessIdentity? in
            guard let fields = statFields(member), fields.count > 19, fields[2] != "\(pid)",
                let start = Int64(fields[19])
            else { return nil }
            return ProcessIdentity(pid: member, startTicks: start)
        }
    }

    /// SIGKILLs each of `processes` still running as itself and waits until it is gone.
    static func killAndWait(_ processes: [ProcessIdentity], timeout: Duration) {
        let deadline = ContinuousClock.now + timeout
        for process in processes where process.isRunning {
            kill(process.pid, SIGKILL)
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return }
            _ = cspawn_wait_gone(process.pid, Int32(clamping: max(1, left.microseconds / 1000)))
        }
    }

    /// The command line of `pid`, arguments joined by spaces; empty if it is gone.
    public static func commandLine(_ pid: pid_t) -> String {
        let bytes = readSmallFile("/proc/\(pid)/cmdline") ?? []
        return String(decoding: bytes.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    /// How many processes of group `pgid` are alive (zombies do not count).
    public static func liveMembers(ofGroup pgid: pid_t) -> Int {
        members(ofGroup: pgid).count
    }

    /// The live (non-zombie) processes of group `pgid` that started no earlier than
    /// `startTicks`.
    static func members(ofGroup pgid: pid_t, since startTicks: Int64 = 0) -> [ProcessIdentity] {
        all().filter { $0.isLiveMember(ofGroup: Int(pgid), since: startTicks) }.map(\.identity)
    }

    /// Waits, SIGKILLing the group, until no live member of group `pgid` remains or `timeout`
    /// passes. Each wait blocks in the kernel on the member's pidfd until it has ended.
    static func waitUntilGone(group pgid: pid_t, timeout: Duration) {
        let deadline = ContinuousClock.now + timeout
        var live = members(ofGroup: pgid)
        while !live.isEmpty {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return }
            kill(-pgid, SIGKILL)
            for member in live {
                _ = cspawn_wait_gone(member.pid, Int32(clamping: max(1, left.microseconds / 1000)))
            }
            live = members(ofGroup: pgid)
        }
    }

    /// Whether `pid` exists and is not a zombie.
    public static func isAlive(_ pid: pid_t) -> Bool {
        guard let fields = statFields(pid), let state = fields.first else { return false }
        return state != "Z" && state != "X"
    }

    /// The whole of a small file (up to 64 KiB), read without Foundation's overhead.
    package static func readSmallFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        var length = 0
        while length < buffer.count {
            let n = buffer.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress.map { $0 + length }, raw.count - length)
            }
            if n < 0 { return nil }
            if n == 0 { break }
            length += n
        }
        return Array(buffer[0..<length])
    }
}
