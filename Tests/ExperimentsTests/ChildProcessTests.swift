import Foundation
import Testing

@testable import Experiments

#if canImport(Glibc)
import Glibc
#endif

@Suite("process supervision", .serialized, .timeLimit(.minutes(1)))
struct ChildProcessTests {
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-child-\(UUID().uuidString).log")

    @Test("stop takes down the whole process group, grandchildren included")
    func stopsGroup() throws {
        let process = try ChildProcess(
            executable: "sh", arguments: ["-c", "sleep 60 & sleep 60 & wait"],
            environment: ["PATH": "/usr/bin:/bin"], logFile: log)
        defer { try? FileManager.default.removeItem(at: log) }
        // Wait until the shell has started both sleeps.
        let deadline = ContinuousClock.now + .seconds(5)
        while ProcessTable.liveMembers(ofGroup: process.pid) < 3 && ContinuousClock.now < deadline {
            usleep(10_000)
        }
        #expect(ProcessTable.liveMembers(ofGroup: process.pid) == 3)
        process.stop(grace: .seconds(2))
        #expect(ProcessTable.liveMembers(ofGroup: process.pid) == 0)
        #expect(!ChildRegistry.shared.live.contains(process.pid))
    }

    @Test("a process that ignores SIGTERM is killed after the grace period")
    func escalates() throws {
        let process = try ChildProcess(
            executable: "sh", arguments: ["-c", "trap '' TERM; sleep 60"],
            environment: ["PATH": "/usr/bin:/bin"], logFile: log)
        defer { try? FileManager.default.removeItem(at: log) }
        usleep(200_000)
        let began = ContinuousClock.now
        let status = process.stop(grace: .milliseconds(300))
        #expect(status == .signalled(SIGKILL))
        #expect(ContinuousClock.now - began < .seconds(5))
        #expect(ProcessTable.liveMembers(ofGroup: process.pid) == 0)
    }

    @Test("process groups left by a killed reportgen are found from pid files and stopped")
    func stopsStaleGroups() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-pids-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // A stand-in for the killed reportgen: a process that has since exited.
        let owner = try ChildProcess(executable: "sleep", arguments: ["0.2"], environment: ["PATH": "/usr/bin:/bin"], logFile: log)
        let ownerIdentity = try #require(ProcessIdentity(pid: owner.pid))
        #expect(owner.wait(timeout: .seconds(5)) == .exited(0))
        let server = try ChildProcess(
            executable: "sh", arguments: ["-c", "sleep 60 & wait"], environment: ["PATH": "/usr/bin:/bin"], logFile: log)
        defer { try? FileManager.default.removeItem(at: log) }
        usleep(200_000)
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
        #expect(server.wait(timeout: .seconds(5)) != nil)
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
    func probe() throws {
        let port = try LoopbackPort.free()
        #expect(HTTPProbe.status(port: port, path: "/") == nil)
        #expect(!LoopbackPort.isListening(port))
    }
}
