import Foundation
import Testing
@testable import Hosts
@testable import Supervision

#if canImport(Glibc)
import Glibc
#endif

extension RealServers {
/// A remote host whose `folder` holds a space, through real OpenSSH in a network namespace:
/// the folder is one word everywhere reportgen names it (rsync, nginx, pid files), and what
/// a killed reportgen leaves there is found and stopped by the next run.
@Suite("a host folder with a space, over OpenSSH in a network namespace", .serialized, .timeLimit(.minutes(8)))
struct SpacedFolderHostTests {
    /// One pid file of the host: the group its session leads, and the leader's start time.
    struct Session: Equatable {
        var file: String
        var leader: pid_t
        var start: Int64
    }

    /// The pid files under `folder`/state ("BOOT OWNER_PID OWNER_START PID START"), read
    /// here from the files themselves.
    static func sessions(in folder: URL) -> [Session] {
        let state = folder.appendingPathComponent("state")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: state.path)) ?? []
        return names.filter { $0.hasSuffix(".pid") }.sorted().compactMap { name in
            let path = state.appendingPathComponent(name).path
            let fields = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(whereSeparator: \.isWhitespace)
            guard fields.count == 5, let leader = pid_t(fields[3]), let start = Int64(fields[4]) else { return nil }
            return Session(file: path, leader: leader, start: start)
        }
    }

    @Test("upstream and app on a host whose folder is 'my bench': a run works; reportgen killed with SIGKILL in a window leaves its servers there; the next run stops every group its pid files name and completes")
    func spacedFolder() async throws {
        let hosts = try NamespaceHosts.up(["server"])
        defer { hosts.down() }
        let folder = hosts.home("server").appendingPathComponent("my bench")
        let project = try TinyProject()
        defer { project.remove() }
        let table = "\n[hosts.server]\nssh = \"server\"\nfolder = \"\(folder.path)\"\n\n"
        try project.write("tiny", definition: TinyProject.definition
            .replacingOccurrences(of: "trials = 1\n", with: "trials = 1\n" + table)
            .replacingOccurrences(of: "[upstream]\n", with: "[upstream]\nhost = \"server\"\n")
            .replacingOccurrences(of: "[app]\n", with: "[app]\nhost = \"server\"\n"))
        var cli = project.cli
        cli.environment[SSHConnection.configVariable] = hosts.sshConfig.path

        let first = try await cli.run(["run", "tiny", "--db", "out/first.sqlite"], timeout: .seconds(180))
        #expect(first.code == 0, "\(first)")
        #expect(first.stdout.contains("host server: server at \(hosts.addresses["server"] ?? "?")"), "\(first)")
        let ok = try project.query("out/first.sqlite", "SELECT count(*) FROM trials WHERE status = 'ok' AND requests > 0") { $0.int64(at: 0) }
        #expect(ok == [2], "both variants measured on the host")
        #expect(Self.sessions(in: folder).isEmpty, "a finished run leaves no pid file")

        // Killed outright in a window: what it started on the host goes on running.
        let arguments = ["run", "tiny", "--duration", "3s", "--db", "out/second.sqlite"]
        let killed = try cli.start(arguments)
        var sessions: [Session] = []
        let open = await eventually(within: .seconds(120)) {
            sessions = Self.sessions(in: folder)
            let serving = hosts.processes().contains { $0.hasPrefix("server ") && $0.contains("http.server") }
            return (serving && sessions.count >= 2) || killed.process.exitStatus != nil
        }
        try #require(open && killed.process.exitStatus == nil, "a window opened\n\(killed.stdout)\(killed.stderr)")
        kill(killed.process.pid, SIGKILL)
        _ = await killed.finish(within: .seconds(30))
        let left = sessions.filter { !ProcessTable.members(ofGroup: $0.leader, since: $0.start).isEmpty }
        #expect(left.count >= 2, "nginx and the app outlive a killed reportgen: \(sessions) \(hosts.processes())")
        #expect(sessions.allSatisfy { $0.file.contains("/my bench/state/") }, "\(sessions)")

        let controlFolders = { ((try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []).filter { $0.hasPrefix(SSHConnection.controlPrefix + "\(killed.process.pid)-") } }
        #expect(controlFolders().count == 1, "the killed reportgen's ssh control folder is left")
        let again = try await cli.run(arguments, timeout: .seconds(180))
        #expect(again.code == 0, "\(again)")
        #expect(controlFolders().isEmpty, "and removed by the next run")
        // The sampling loop ends by itself once its ssh client is gone; nginx and the app wait to be stopped.
        let note = again.stdout.split(separator: "\n").first { $0.hasPrefix("host server: stopped ") && $0.hasSuffix(" process group(s) left by an earlier reportgen that was killed") }
        let stopped = note.flatMap { Int($0.split(separator: " ")[3]) } ?? 0
        #expect(stopped >= 2 && stopped <= left.count, "\(again)")
        for session in sessions {
            #expect(ProcessTable.members(ofGroup: session.leader, since: session.start).isEmpty, "group \(session.leader) of \(session.file) is stopped")
            #expect(!FileManager.default.fileExists(atPath: session.file), "\(session.file) is removed")
        }
        let measured = try project.query("out/second.sqlite", "SELECT count(*) FROM trials WHERE status = 'ok'") { $0.int64(at: 0) }
        #expect(measured == [2], "the run completes")
        #expect(await hosts.processesLeft().isEmpty, "\(hosts.processes())")
        #expect(Self.sessions(in: folder).isEmpty)
    }

    @Test("gunicorn from a Python environment copied into a host folder with a space: its scripts are pointed at the new folder and start")
    func spacedVenv() async throws {
        let hosts = try NamespaceHosts.up(["server"])
        defer { hosts.down() }
        let folder = hosts.home("server").appendingPathComponent("my bench")
        let python = try await CommandOutput.run("python3", ["-c", "import sys; print(sys.executable)"]).text
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let table = "\n[hosts.server]\nssh = \"server\"\nfolder = \"\(folder.path)\"\npython = \"\(python)\"\n\n"
        let project = try SeveralHostsTests.project(copying: "aiohttp-vs-flask") { text in
            text.replacingOccurrences(of: "[upstream]\n", with: table + "[upstream]\nhost = \"server\"\n")
                .replacingOccurrences(of: "[app]\n", with: "[app]\nhost = \"server\"\n")
        }
        defer { project.remove() }
        var cli = project.cli
        cli.environment[SSHConnection.configVariable] = hosts.sshConfig.path
        let result = try await cli.run(
            ["run", "aiohttp-vs-flask", "--quick", "--variants", "aiohttp", "--duration", "1s", "--db", "out/results.sqlite"],
            timeout: .seconds(400))
        #expect(result.code == 0, "\(result)")
        let trials = try project.query("out/results.sqlite", "SELECT status, requests FROM trials") { ($0.string(at: 0) ?? "", $0.int64(at: 1)) }
        #expect(trials.count == 1 && trials.first?.0 == "ok" && (trials.first?.1 ?? 0) > 0, "\(trials)")
        let venvs = folder.appendingPathComponent("venvs")
        let key = try #require(try FileManager.default.contentsOfDirectory(atPath: venvs.path).first)
        let gunicorn = try String(contentsOf: venvs.appendingPathComponent("\(key)/bin/gunicorn"), encoding: .utf8)
        #expect(gunicorn.hasPrefix("#!/bin/sh\n'''exec' '\(venvs.path)/\(key)/bin/python"), "\(gunicorn.prefix(200))")
        #expect(await hosts.processesLeft().isEmpty, "\(hosts.processes())")
    }
}
}
