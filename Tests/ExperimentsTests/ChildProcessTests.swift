import Foundation
import LoadGen
import Synchronization
import Testing
@testable import Core
@testable import Hosts
@testable import Supervision


#if canImport(Glibc)
import Glibc
#endif

extension RealServers {
/// Timed (grace periods, readiness deadlines), so it runs in the serialized parent, never
/// beside real servers on the 2 cores.
@Suite("process supervision", .serialized, .timeLimit(.minutes(1)))
struct ChildProcessTests {
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-child-\(UUID().uuidString).log")

    /// Waits (briefly, on the kernel's reaping) until group `pgid` has `count` live members.
    private func waitForMembers(_ pgid: pid_t, count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while ProcessTable.liveMembers(ofGroup: pgid) < count && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    @Test("stop takes down the whole process group, grandchildren included")
    func stopsGroup() async throws {
        let process = try ChildProcess(
            executable: "sh", arguments: ["-c", "sleep 60 & sleep 60 & wait"],
            environment: ["PATH": "/usr/bin:/bin"], logFile: log)
        defer { try? FileManager.default.removeItem(at: log) }
        try await waitForMembers(process.pid, count: 3)
        #expect(ProcessTable.liveMembers(ofGroup: process.pid) == 3)
        await process.stop(grace: .seconds(2))
        #expect(ProcessTable.liveMembers(ofGroup: process.pid) == 0)
        #expect(!ChildRegistry.shared.live.contains(process.pid))
    }

    @Test("stop also takes down descendants that left the group with setsid, which a group signal misses")
    func stopsEscapedDescendants() async throws {
        let mark = ChildRegistry.shared.startedCount
        // `setsid` in a non-interactive shell's background job makes sleep a session (and
        // group) leader of its own; the shell waits for it.
        let process = try ChildProcess(
            executable: "sh", arguments: ["-c", "setsid sleep 60 & sleep 60 & wait"],
            environment: ["PATH": "/usr/bin:/bin"], logFile: log)
        defer { try? FileManager.default.removeItem(at: log) }
        try await waitForMembers(process.pid, count: 2)
        var escaped: [pid_t] = []
        let deadline = ContinuousClock.now + .seconds(5)
        while escaped.isEmpty && ContinuousClock.now < deadline {
            escaped = ProcessTable.descendantsOutsideGroup(of: process.pid).map(\.pid)
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(escaped.count == 1, "sleep left the group")
        await process.stop(grace: .seconds(2))
        #expect(ProcessTable.liveMembers(ofGroup: process.pid) == 0)
        for pid in escaped {
            #expect(!ProcessTable.isAlive(pid), "the escaped sleep \(pid) was stopped too")
        }
        #expect(ChildRegistry.shared.leftovers(since: mark).isEmpty)
    }

    @Test("a process that ignores SIGTERM is killed after the grace period")
    func escalates() async throws {
        let process = try ChildProcess(
            executable: "sh", arguments: ["-c", "trap '' TERM; sleep 60"],
            environment: ["PATH": "/usr/bin:/bin"], logFile: log)
        defer { try? FileManager.default.removeItem(at: log) }
        try await waitForMembers(process.pid, count: 2)
        let began = ContinuousClock.now
        let status = await process.stop(grace: .milliseconds(300))
        #expect(status == .signalled(SIGKILL))
        #expect(ContinuousClock.now - began < .seconds(5))
        #expect(ProcessTable.liveMembers(ofGroup: process.pid) == 0)
    }

    @Test("a zero grace kills at once, without waiting for a graceful exit")
    func zeroGrace() async throws {
        let process = try ChildProcess(
            executable: "sh", arguments: ["-c", "trap 'sleep 5; exit 0' TERM; sleep 60"],
            environment: ["PATH": "/usr/bin:/bin"], logFile: log)
        defer { try? FileManager.default.removeItem(at: log) }
        try await waitForMembers(process.pid, count: 2)
        let status = await process.stop(grace: .zero)
        #expect(status == .signalled(SIGKILL))
        #expect(ProcessTable.liveMembers(ofGroup: process.pid) == 0)
    }

    @Test("exit() resumes when the process ends; a cancelled wait returns nil and leaves it running")
    func awaitsExit() async throws {
        let quick = try ChildProcess(
            executable: "sh", arguments: ["-c", "exit 7"], environment: ["PATH": "/usr/bin:/bin"], logFile: log)
        defer { try? FileManager.default.removeItem(at: log) }
        #expect(await quick.exit() == .exited(7))
        #expect(quick.exitStatus == .exited(7))
        #expect(quick.usage != nil)

        let slow = try ChildProcess(
            executable: "sleep", arguments: ["60"], environment: ["PATH": "/usr/bin:/bin"], logFile: log)
        let waiter = Task { await slow.exit() }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        #expect(await waiter.value == nil)
        #expect(slow.exitStatus == nil, "cancelling a wait does not stop the process")
        #expect(await slow.exit(within: .milliseconds(50), clock: ContinuousClock()) == nil)
        #expect(await slow.stop(grace: .seconds(1)) == .signalled(SIGTERM))
    }

    @Test("a stop from a cancelled task still stops the whole group")
    func stopSurvivesCancellation() async throws {
        let process = try ChildProcess(
            executable: "sh", arguments: ["-c", "sleep 60 & wait"], environment: ["PATH": "/usr/bin:/bin"], logFile: log)
        defer { try? FileManager.default.removeItem(at: log) }
        try await waitForMembers(process.pid, count: 2)
        let stopper = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await process.stop(grace: .seconds(2))
        }
        _ = await stopper.value
        #expect(process.exitStatus != nil)
        #expect(ProcessTable.liveMembers(ofGroup: process.pid) == 0)
    }

    @Test("a child started from a thread that then exits keeps running: the parent-death signal follows reportgen, not the thread")
    func outlivesItsStartingThread() async throws {
        final class Started: Sendable { let process = Mutex<ChildProcess?>(nil) }
        let started = Started()
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread { [log] in
            started.process.withLock {
                $0 = try? ChildProcess(executable: "sleep", arguments: ["30"], environment: ["PATH": "/usr/bin:/bin"], logFile: log)
            }
            finished.signal()
        }
        thread.start()
        finished.wait()
        defer { try? FileManager.default.removeItem(at: log) }
        let process = try #require(started.process.withLock { $0 })
        // The starting thread has returned; a signal tied to it would have killed the child by now.
        #expect(await process.exit(within: .milliseconds(500), clock: ContinuousClock()) == nil)
        #expect(await process.stop(grace: .seconds(1)) == .signalled(SIGTERM))
    }

    @Test("process groups left by a killed reportgen are found from pid files and stopped")
    func stopsStaleGroups() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-pids-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // A stand-in for the killed reportgen: a process that has since exited.
        let owner = try ChildProcess(executable: "sleep", arguments: ["0.2"], environment: ["PATH": "/usr/bin:/bin"], logFile: log)
        let ownerIdentity = try #require(ProcessIdentity(pid: owner.pid))
        #expect(await owner.exit() == .exited(0))
        let server = try ChildProcess(
            executable: "sh", arguments: ["-c", "sleep 60 & wait"], environment: ["PATH": "/usr/bin:/bin"], logFile: log)
        defer { try? FileManager.default.removeItem(at: log) }
        try await waitForMembers(server.pid, count: 2)
        let serverIdentity = try #require(ProcessIdentity(pid: server.pid))
        let pidFile = folder.appendingPathComponent("\(owner.pid)-\(server.pid).pid")
        try "\(ownerIdentity.pid) \(ownerIdentity.startTicks) \(serverIdentity.pid) \(serverIdentity.startTicks)\n"
            .write(to: pidFile, atomically: true, encoding: .utf8)

        // A pid file whose owner is alive (this test process) is left alone.
        let mine = try #require(ProcessIdentity(pid: getpid()))
        let live = folder.appendingPathComponent("live.pid")
        try "\(mine.pid) \(mine.startTicks) \(server.pid) \(serverIdentity.startTicks)\n".write(to: live, atomically: true, encoding: .utf8)

        let stopped = ChildRegistry.stopStale(in: folder)
        #expect(stopped == [server.pid])
        #expect(await server.exit(within: .seconds(5), clock: ContinuousClock()) != nil)
        #expect(ProcessTable.liveMembers(ofGroup: server.pid) == 0)
        #expect(!FileManager.default.fileExists(atPath: pidFile.path))
        #expect(FileManager.default.fileExists(atPath: live.path))
    }

    @Test("exit status and output are data")
    func exitStatus() throws {
        let output = try CommandOutput.run("sh", ["-c", "echo hello; exit 3"])
        #expect(output.status == .exited(3))
        #expect(output.text == "hello\n")
    }

    @Test("a missing executable is a clear error")
    func missingExecutable() {
        #expect(throws: ReportgenError.self) {
            try ChildProcess(executable: "no-such-tool-here", arguments: [], environment: ["PATH": "/usr/bin"], logFile: log)
        }
    }

    @Test("the readiness probe reads a status code, and nothing listening is nil")
    func probe() async throws {
        let port = try LoopbackPort.free()
        #expect(await HTTPProbe.status(port: port, path: "/", timeout: .seconds(1)) == nil)
        #expect(!LoopbackPort.isListening(port))
    }

    @Test("readiness gives up after its timeout on the injected clock, not on the wall clock")
    func readinessTimesOutOnItsClock() async throws {
        let port = try LoopbackPort.free()
        let silent = try ChildProcess(
            executable: "sleep", arguments: ["30"], environment: ["PATH": "/usr/bin:/bin"], logFile: log)
        defer { try? FileManager.default.removeItem(at: log) }
        let clock = SteppingClock()
        let began = ContinuousClock.now
        let error = await #expect(throws: ReportgenError.self) {
            try await ServerReadiness.wait(
                for: silent, name: "the app server", port: port, path: "/", okOnly: true, timeout: .seconds(60),
                clock: clock
            ) { "" }
        }
        #expect(error?.message == "the app server did not answer on / within 60.0 seconds of starting")
        #expect(ContinuousClock.now - began < .seconds(20), "60 s on the injected clock pass without waiting them")
        #expect(clock.now.offset >= .seconds(60))
        await silent.stop(grace: .zero)
    }
}
}

/// A clock whose sleeps return at once and move its time forward by what was asked, so a
/// timeout is reached after as many probes as it allows, without waiting for it.
final class SteppingClock: Clock {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private let elapsed = Mutex(Duration.zero)

    var now: Instant { Instant(offset: elapsed.withLock { $0 }) }
    var minimumResolution: Duration { .nanoseconds(1) }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        elapsed.withLock { $0 = max($0, deadline.offset) }
        await Task.yield()
    }
}
