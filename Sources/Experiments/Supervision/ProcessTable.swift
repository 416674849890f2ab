import CSpawn
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// CPU time and memory of one process, from /proc/PID/stat.
public struct ProcessUsage: Sendable, Equatable {
    public var userTicks: Int64
    public var systemTicks: Int64
    public var rssPages: Int64
}

/// Reads of /proc, kept cheap: the resource sampler calls them every 250 ms while a
/// measured window runs, and reportgen's own CPU time there must stay negligible.
public enum ProcessTable {
    static let ticksPerSecond = Int64(sysconf(Int32(_SC_CLK_TCK)))
    static let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))

    /// Fields of /proc/PID/stat after the command name, split on spaces; field 3 (state)
    /// is at index 0.
    static func statFields(_ pid: pid_t) -> [Substring]? {
        guard let bytes = readSmallFile("/proc/\(pid)/stat") else { return nil }
        // The command name may contain spaces and parentheses; it ends at the last ')'.
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let rest = String(decoding: bytes[(close + 1)...], as: UTF8.self)
        return rest.split(separator: " ", omittingEmptySubsequences: true)
    }

    /// CPU ticks and resident pages of `pid`, or nil if it is gone.
    public static func usage(_ pid: pid_t) -> ProcessUsage? {
        guard let fields = statFields(pid), fields.count > 21,
            let user = Int64(fields[11]), let system = Int64(fields[12]),
            let rss = Int64(fields[21])
        else { return nil }
        return ProcessUsage(userTicks: user, systemTicks: system, rssPages: rss)
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

    /// The live (non-zombie) processes of group `pgid`.
    static func members(ofGroup pgid: pid_t) -> [ProcessIdentity] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        let group = "\(pgid)"
        var found: [ProcessIdentity] = []
        for entry in entries {
            guard let pid = pid_t(entry), let fields = statFields(pid), fields.count > 19 else { continue }
            let state = fields[0]
            if fields[2] == group && state != "Z" && state != "X", let start = Int64(fields[19]) {
                found.append(ProcessIdentity(pid: pid, startTicks: start))
            }
        }
        return found
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
    static func readSmallFile(_ path: String) -> [UInt8]? {
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
