import Core
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Every process group reportgen has started and not yet reaped. Each is also written as a
/// pid file in a state folder, so that if reportgen itself is killed with SIGKILL (no
/// cleanup runs), the next start finds what it left and stops it before measuring.
public final class ChildRegistry: Sendable {
    public static let shared = ChildRegistry()

    private struct State {
        var pids: Set<pid_t> = []
        var folder: URL?
        /// Every group this process started, in order, with the processes of its tree that
        /// had left the group when it was stopped.
        var started: [StartedGroup] = []
    }

    /// A group reportgen started: its leader, and the descendants found outside the group
    /// (they called setsid or setpgid) when it was stopped.
    struct StartedGroup {
        var leader: ProcessIdentity
        var outside: [ProcessIdentity] = []
        /// A short command its caller waits for (`CommandOutput`): while its leader runs it
        /// is in use, not left over.
        var waitedFor = false
    }

    private let state = Mutex(State())

    /// Starts writing pid files into `folder` (created if needed).
    public func record(in folder: URL) {
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        state.withLock { $0.folder = folder }
    }

    func add(_ pid: pid_t) {
        let child = ProcessIdentity(pid: pid)
        let folder = state.withLock { state -> URL? in
            state.pids.insert(pid)
            if let child { state.started.append(StartedGroup(leader: child)) }
            return state.folder
        }
        guard let folder, let own = ProcessIdentity(pid: getpid()), let child else { return }
        let text = "\(own.pid) \(own.startTicks) \(child.pid) \(child.startTicks)\n"
        try? text.write(to: folder.appendingPathComponent("\(getpid())-\(pid).pid"), atomically: true, encoding: .utf8)
    }

    func remove(_ pid: pid_t) {
        let folder = state.withLock { state -> URL? in
            state.pids.remove(pid)
            return state.folder
        }
        if let folder {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent("\(getpid())-\(pid).pid"))
        }
    }

    /// Marks `leader`'s group as a short command its caller waits for.
    func noteWaitedFor(_ leader: pid_t) {
        state.withLock { state in
            if let index = state.started.lastIndex(where: { $0.leader.pid == leader }) {
                state.started[index].waitedFor = true
            }
        }
    }

    /// Records the processes of `leader`'s tree found outside its group at its stop.
    func noteOutside(_ outside: [ProcessIdentity], of leader: pid_t) {
        guard !outside.isEmpty else { return }
        state.withLock { state in
            if let index = state.started.lastIndex(where: { $0.leader.pid == leader }) {
                state.started[index].outside += outside
            }
        }
    }

    /// The groups still registered.
    public var live: Set<pid_t> { state.withLock { $0.pids } }

    /// How many groups this process has started so far: a mark for `leftovers(since:)`.
    public var startedCount: Int { state.withLock { $0.started.count } }

    /// Every process still alive of the groups started after `mark`, of any member of the
    /// group (not only its leader) and of their trees that left the group, as "pid command
    /// line". What a check that nothing was left running asks. A short command still being
    /// waited for is not left over; what outlives it is.
    public func leftovers(since mark: Int = 0) -> [String] {
        let groups = state.withLock { Array($0.started.dropFirst(mark)) }
        var found: [ProcessIdentity] = []
        for group in groups {
            if group.waitedFor && group.leader.isRunning { continue }
            found += ProcessTable.members(ofGroup: group.leader.pid, since: group.leader.startTicks)
            found += group.outside.filter(\.isRunning)
        }
        return found.map { "\($0.pid) \(ProcessTable.commandLine($0.pid))" }
    }

    /// Stops the process groups recorded in `folder` by a reportgen that is no longer
    /// running, and removes their pid files. Returns the groups it stopped.
    @discardableResult
    public static func stopStale(in folder: URL) -> [pid_t] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        var stopped: [pid_t] = []
        for name in names where name.hasSuffix(".pid") {
            let file = folder.appendingPathComponent(name)
            guard let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int64($0) }
            guard fields.count == 4 else {
                try? FileManager.default.removeItem(at: file)
                continue
            }
            let owner = ProcessIdentity(pid: pid_t(fields[0]), startTicks: fields[1])
            if owner.isRunning { continue }
            let group = pid_t(fields[2])
            let members = ProcessTable.members(ofGroup: group, since: fields[3])
            if !members.isEmpty {
                for member in members { kill(member.pid, SIGKILL) }
                stopped.append(group)
            }
            try? FileManager.default.removeItem(at: file)
        }
        return stopped
    }
}

/// A process identified by pid and start time, so a reused pid is not mistaken for it.
package struct ProcessIdentity: Equatable, Hashable {
    var pid: pid_t
    package var startTicks: Int64

    package init(pid: pid_t, startTicks: Int64) {
        self.pid = pid
        self.startTicks = startTicks
    }

    /// The identity of a running process, or nil.
    package init?(pid: pid_t) {
        guard let fields = ProcessTable.statFields(pid), fields.count > 19, let start = Int64(fields[19]) else { return nil }
        self.init(pid: pid, startTicks: start)
    }

    package var isRunning: Bool {
        ProcessIdentity(pid: pid)?.startTicks == startTicks && ProcessTable.isAlive(pid)
    }
}
