import Foundation
import Testing
@testable import Core
@testable import Definition
@testable import Hosts
@testable import Supervision

#if canImport(Glibc)
import Glibc
#endif

/// What reportgen sends a remote shell is arguments, never program text: the scripts it
/// builds are run here with a local /bin/sh on folders a stranger might name, and the host
/// keys that reach a shell are refused at validate when they hold what a shell would read.
struct RemoteQuotingTests {
    /// Folders that would run a command, or break a word, if pasted into shell or sed text.
    static let hostileFolders = ["a$(touch X)b", "a`touch Y`b", "it's \"q\"", "my bench", "s|e&d\\1"]

    /// A temporary folder, removed by the caller.
    static func temporary(_ name: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Every file and folder name under `folder`.
    static func names(under folder: URL) -> Set<String> {
        let items = FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []
        return Set(items.map { ($0 as NSString).lastPathComponent })
    }

    @Test("the venv relocate step replaces the old path literally in a folder holding $(…), backticks, quotes, a space or sed's own syntax, runs nothing, leaves links alone, and a moved script still runs", arguments: hostileFolders)
    func relocateIsLiteral(name: String) throws {
        let base = try Self.temporary("relocate")
        defer { try? FileManager.default.removeItem(at: base) }
        let old = base.appendingPathComponent("cache/venvs/abc").path
        let venv = base.appendingPathComponent(name).appendingPathComponent("venvs/abc")
        let bin = venv.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let python = try CommandOutput.run("python3", ["-c", "import sys; print(sys.executable)"]).text
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent("python").path, withDestinationPath: python)
        try "VIRTUAL_ENV=\"\(old)\"\nexport VIRTUAL_ENV\n# \(old) again\n".write(
            to: bin.appendingPathComponent("activate"), atomically: true, encoding: .utf8)
        let script = bin.appendingPathComponent("tool")
        try "#!\(old)/bin/python\nimport sys\nprint('tool ran from', sys.prefix != '')\n".write(to: script, atomically: true, encoding: .utf8)
        chmod(script.path, 0o755)
        // A link whose target names the old path is not the relocate's to follow or rewrite.
        try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent("link").path, withDestinationPath: old + "/bin/python")
        let marker = venv.appendingPathComponent(PythonEnvironment.markerName)

        let command = RemoteScripts.relocate(venv: venv.path, from: old, python: "python3", marker: marker.path)
        let output = try CommandOutput.run("/bin/sh", ["-c", command], workingDirectory: base)
        #expect(output.status == .exited(0), "\(output.text)")

        #expect(!Self.names(under: base).contains("X") && !Self.names(under: base).contains("Y"), "no command in the folder's name ran")
        let activate = try String(contentsOf: bin.appendingPathComponent("activate"), encoding: .utf8)
        #expect(activate == "VIRTUAL_ENV=\"\(venv.path)\"\nexport VIRTUAL_ENV\n# \(venv.path) again\n", "\(activate)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: bin.appendingPathComponent("link").path) == old + "/bin/python")
        #expect(FileManager.default.fileExists(atPath: marker.path))
        let moved = try String(contentsOf: script, encoding: .utf8)
        #expect(!moved.contains(old), "\(moved)")
        // The kernel cuts a #! line at a space: such a script goes through /bin/sh, and still runs.
        #expect(moved.hasPrefix(name.contains(" ") ? "#!/bin/sh\n'''exec' '" : "#!\(venv.path)/bin/python\n"), "\(moved)")
        let ran = try CommandOutput.run(script.path, [], workingDirectory: base)
        #expect(ran.status == .exited(0) && ran.text == "tool ran from True\n", "\(ran.text)")
        #expect(!Self.names(under: base).contains("X") && !Self.names(under: base).contains("Y"), "running the moved script ran nothing else")
    }

    /// The design example with one remote host (that runs no role) whose `key` is `value`.
    static func definition(_ key: String, _ value: String) -> String {
        DefinitionFixture.designExample.replacingOccurrences(
            of: "trials = 3                      # repeated trials per variant\n",
            with: "trials = 3\n\n[hosts.server]\nssh = \"bench@10.0.0.2\"\n\(key) = \(value.quoted)\n\n")
    }

    static func load(_ text: String) throws -> ExperimentDefinition {
        let fixture = try DefinitionFixture(text)
        defer { fixture.remove() }
        return try DefinitionLoader.load(experiment: nil, projectRoot: fixture.root)
    }

    @Test("validate refuses a folder or python holding a shell metacharacter or a control character, naming the key and its line (exit 65)", arguments: [
        ("folder", "/srv/a$(touch X)b"), ("folder", "/srv/a`id`"), ("folder", "/srv/a;b"), ("folder", "/srv/a|b"), ("folder", "/srv/a&b"),
        ("folder", "/srv/a>b"), ("folder", "/srv/a\nb"), ("folder", "/srv/a\tb"), ("folder", "/srv/\"a\""), ("python", "python3;id"),
        ("python", "$(which python3)"), ("python", "/usr/bin/python3\u{7}"),
    ])
    func refusesMetacharacters(key: String, value: String) throws {
        let error = try #require(throws: ReportgenError.self) { try Self.load(Self.definition(key, value)) }
        #expect(error.code == .badDefinition && error.code.rawValue == 65)
        #expect(error.location?.keyPath == "hosts.server.\(key)", "\(error)")
        #expect(error.location?.line == 6, "the line of the key: \(error)")
        #expect(error.message.contains(value.quoted), "\(error.message)")
        #expect(error.hint?.contains("a space is fine") == true, "\(error.hint ?? "")")
    }

    @Test("a folder or python with a space is a name like any other")
    func spacesAreAllowed() throws {
        let folder = try Self.load(Self.definition("folder", "/srv/my bench")).placement.host(named: "server")
        #expect(folder?.folder == "/srv/my bench")
        let python = try Self.load(Self.definition("python", "/opt/my python/bin/python3")).placement.host(named: "server")
        #expect(python?.python == "/opt/my python/bin/python3")
    }

    @Test("an ssh destination or address holding a shell metacharacter is refused too")
    func sshAndAddress() throws {
        for (key, value) in [("ssh", "bench@$(id)"), ("address", "10.0.0.2;id")] {
            let text = key == "ssh"
                ? Self.definition("folder", "/srv/x").replacingOccurrences(of: "ssh = \"bench@10.0.0.2\"", with: "ssh = \(value.quoted)")
                : Self.definition(key, value)
            let error = try #require(throws: ReportgenError.self) { try Self.load(text) }
            #expect(error.code == .badDefinition && error.location?.keyPath == "hosts.server.\(key)", "\(error)")
        }
    }

    @Test("a pid file under a folder with a space is written by the launch wrapper, listed, found stale, and its group stopped and removed")
    func pidFileRoundTrip() async throws {
        let base = try Self.temporary("pid files")
        defer { try? FileManager.default.removeItem(at: base) }
        let folder = base.appendingPathComponent("my bench").path
        let pidFile = folder + "/state/1-1.pid"
        // An owner that no longer runs: pid 999999999 never exists.
        let owner = ["boot-x", "999999999", "1"].joined(separator: "\t")
        let script = RemoteScripts.launch(
            Command(executable: "sleep", arguments: ["60"], environment: ["PATH": "/usr/bin:/bin"]), folder: folder, log: folder + "/runs/sleep.log",
            pidFile: pidFile, sessions: folder + "/runs/sessions", owner: owner)
        let wrapper = try ChildProcess(
            executable: "/bin/sh", arguments: ["-c", "mkdir -p \(shellQuoted(folder + "/state")) && " + script],
            environment: ["PATH": "/usr/bin:/bin"], logFile: base.appendingPathComponent("wrapper.log"))
        defer { wrapper.stopBlocking(grace: .zero) }
        #expect(await eventually(within: .seconds(10)) { FileManager.default.fileExists(atPath: pidFile) })
        let contents = try String(contentsOfFile: pidFile, encoding: .utf8)
        #expect(contents.split(separator: "\t").count == 5 && !contents.contains(" "), "tab-separated: \(contents.debugDescription)")

        let listing = try await CommandOutput.run("/bin/sh", ["-c", RemoteScripts.pidFilesAndProcesses(folder: folder)])
        let stale = RemoteHost.stale(in: listing.text, bootID: "boot-x")
        #expect(stale.files == [pidFile], "the line with a space in its path is read: \(listing.text.prefix(300))")
        #expect(stale.groups == 1 && stale.pids.count == 2, "the wrapper's sh and its sleep: \(stale.pids)")
        let leader = try #require(pid_t(contents.split(separator: "\t")[3].trimmingCharacters(in: .whitespacesAndNewlines)))
        _ = try await CommandOutput.run("/bin/sh", ["-c", RemoteScripts.kill(stale.pids, removing: stale.files)])
        #expect(await eventually(within: .seconds(10)) { ProcessTable.liveMembers(ofGroup: leader) == 0 }, "the group is stopped")
        #expect(!FileManager.default.fileExists(atPath: pidFile), "and its pid file removed")
    }

    @Test("pid-file lines: tab-separated with a space or a tab in the path, and a pid file an older reportgen wrote with spaces")
    func pidFileLines() throws {
        let entry = try #require(RemoteScripts.PidFileEntry(line: "/srv/my bench/state/9-1.pid\tboot-a\t9\t1234\t4321\t9876"))
        #expect(entry.file == "/srv/my bench/state/9-1.pid" && entry.ownerBoot == "boot-a" && entry.ownerPID == 9)
        #expect(entry.ownerStart == 1234 && entry.identity == RemoteIdentity(pid: 4321, startTicks: 9876))
        let tab = try #require(RemoteScripts.PidFileEntry(line: "/srv/a\tb/state/9-1.pid\tboot-a\t9\t1234\t4321\t9876"))
        #expect(tab.file == "/srv/a\tb/state/9-1.pid")
        let older = try #require(RemoteScripts.PidFileEntry(line: "/srv/my bench/state/9-1.pid\tboot-a 9 1234 4321 9876"))
        #expect(older == entry)
        #expect(RemoteScripts.PidFileEntry(line: "/srv/x.pid\tboot-a\t9\tx\t4321\t9876") == nil)
        #expect(RemoteScripts.PidFileEntry(line: "boot-a\t9\t1234\t4321\t9876") == nil, "a line without its file")
        #expect(RemoteScripts.owner(bootID: "b").split(separator: "\t").count == 3)
    }

    @Test("placeholders are filled in one pass: a value holding {port} or {dir} stays as it is")
    func placeholdersOnePass() {
        let values: [Placeholder: String] = [.dir: "/srv/{port}/x", .port: "8080", .host: "{dir}"]
        #expect(CommandTemplate.fill("{dir}/app --port {port} --host {host}", values) == "/srv/{port}/x/app --port 8080 --host {dir}")
        #expect(CommandTemplate.fill("{{port}} {nope} {port", values) == "{8080} {nope} {port")
        #expect(CommandTemplate(arguments: ["--bind", "{host}:{port}"]).filled(values) == ["--bind", "{dir}:8080"])
    }

    @Test("IPv6 addresses are bracketed in URLs, nginx's listen and gunicorn's bind; IPv4 and names are not")
    func ipv6Brackets() {
        #expect(HostPort.url("::1", 8080, path: "/x") == "http://[::1]:8080/x")
        #expect(HostPort.url("fe80::1%eth0", 80, path: "/") == "http://[fe80::1%eth0]:80/")
        #expect(HostPort.url("[::1]", 80, path: "/") == "http://[::1]:80/", "an address already in brackets stays so")
        #expect(HostPort.url("127.0.0.1", 80, path: "/") == "http://127.0.0.1:80/")
        #expect(HostPort.join("bench.local", "9") == "bench.local:9")
        let config = NginxUpstream.configuration(
            root: URL(fileURLWithPath: "/srv/up"), port: 8081, workers: 1, folder: URL(fileURLWithPath: "/srv/my bench/nginx"),
            runAsRoot: false, listen: "::1")
        #expect(config.contains("listen [::1]:8081;"), "\(config)")
        #expect(config.contains("pid \"/srv/my bench/nginx/nginx.pid\";"), "a folder with a space is one nginx argument")
        #expect(NginxUpstream.configuration(
            root: URL(fileURLWithPath: "/srv/up"), port: 8081, workers: 1, folder: URL(fileURLWithPath: "/srv/n"), runAsRoot: false,
            listen: "10.0.0.2").contains("listen 10.0.0.2:8081;"))
        let variant = VariantDefinition(name: "g", position: 0, module: "app:app", workerClass: "sync", workers: 1, threads: nil)
        let launch = AppLaunch.make(
            variant: variant,
            values: LaunchValues(host: "::1", port: "8000", upstreamURL: HostPort.url("::1", 8081, path: "/"), venv: "/v", directory: "/d"),
            directory: URL(fileURLWithPath: "/d"))
        #expect(launch.command.arguments.contains("[::1]:8000"), "\(launch.command.arguments)")
    }

    @Test("rsync is told to hand remote paths over its protocol, never to the host's shell")
    func rsyncProtectsPaths() {
        let arguments = SSHConnection.rsyncArguments(shell: "ssh")
        #expect(arguments.contains("-s"), "\(arguments)")
    }

    @Test("the private folder: made 0700; a symlink, a folder open to others, or another's is refused; files in it are new and never links")
    func privateFolder() throws {
        let base = try Self.temporary("private")
        defer { try? FileManager.default.removeItem(at: base) }
        let folder = base.appendingPathComponent("hosts")
        let logs = try PrivateFolder(folder, purpose: "logs")
        var info = stat()
        #expect(lstat(folder.path, &info) == 0 && info.st_mode & 0o777 == 0o700)
        _ = try PrivateFolder(folder, purpose: "logs")

        let open = base.appendingPathComponent("open")
        try FileManager.default.createDirectory(at: open, withIntermediateDirectories: true)
        chmod(open.path, 0o755)
        #expect(throws: ReportgenError.self) { try PrivateFolder(open, purpose: "logs") }
        let link = base.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: folder)
        #expect(throws: ReportgenError.self) { try PrivateFolder(link, purpose: "logs") }

        try logs.createFile("ssh.log")
        #expect(throws: ReportgenError.self) { try logs.createFile("ssh.log") }
        let planted = folder.appendingPathComponent("planted.log")
        try FileManager.default.createSymbolicLink(at: planted, withDestinationURL: base.appendingPathComponent("elsewhere"))
        #expect(throws: ReportgenError.self) { try logs.createFile("planted.log") }
        #expect(!FileManager.default.fileExists(atPath: base.appendingPathComponent("elsewhere").path))
    }

    @Test("an ssh connection's control socket lives in a private folder of its own, removed when it closes")
    func controlFolder() async throws {
        let base = try Self.temporary("control")
        defer { try? FileManager.default.removeItem(at: base) }
        let connection = try SSHConnection(destination: "nowhere.invalid", hostName: "server", logFolder: base.appendingPathComponent("hosts"))
        let folder = URL(fileURLWithPath: connection.controlPath).deletingLastPathComponent()
        var info = stat()
        #expect(lstat(folder.path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR && info.st_mode & 0o777 == 0o700)
        #expect(info.st_uid == geteuid())
        #expect(connection.options().contains("ControlPath=\(connection.controlPath)"))
        await connection.close()
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }

    @Test("control folders a killed reportgen left are removed by the next connection: only private ones of this user whose reportgen is gone")
    func leftControlFolders() throws {
        let parent = try Self.temporary("tmp")
        defer { try? FileManager.default.removeItem(at: parent) }
        func make(_ name: String, mode: mode_t = 0o700) throws -> URL {
            let folder = parent.appendingPathComponent(SSHConnection.controlPrefix + name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            chmod(folder.path, mode)
            try "".write(to: folder.appendingPathComponent("server.sock"), atomically: true, encoding: .utf8)
            return folder
        }
        let dead = try make("999999999-abc123")
        let own = try make("\(getpid())-abc123")
        let running = try make("1-abc123")
        let open = try make("999999999-open12", mode: 0o755)
        let other = try make("x-abc123")
        SSHConnection.removeLeftControlFolders(in: parent.path)
        #expect(!FileManager.default.fileExists(atPath: dead.path), "a dead reportgen's")
        for kept in [own, running, open, other] { #expect(FileManager.default.fileExists(atPath: kept.path), "\(kept.lastPathComponent)") }
    }
}
