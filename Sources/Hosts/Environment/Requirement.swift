import Core
import Definition
import Foundation
import Supervision

/// One thing reportgen, a role or the test suite needs: a program, module or header, the
/// Debian package that brings it, what it is for, when a run needs it on a host, and how to
/// tell it is there (on this machine, and on a host over ssh).
///
/// `Requirement.table` is the one list: `doctor` prints it, `doctor --hosts`, a run's check
/// of each host and `calibrate` pick from it what their roles need, a remote host's probe
/// asks for its programs, and scripts/ensure-deps.sh installs its packages (a test keeps
/// the script and the table in step).
public struct Requirement: Sendable, Equatable {
    public var name: String
    public var package: String
    public var purpose: String
    /// Where `doctor` lists it; nil for what only other hosts need.
    public var listing: Listing?
    /// When a run needs it on a host; a requirement without needs is for `doctor` only (a
    /// run finds out about Python when it builds the app's environment).
    public var needs: [Need]
    public var probe: Probe

    /// Where `doctor` lists a requirement.
    public enum Listing: Sendable, Equatable {
        /// What a run may need on this machine: missing, `doctor` exits 69.
        case run
        /// What only the test suite needs, listed apart.
        case tests
    }

    /// When a run needs a requirement on a host.
    public enum Need: Sendable, Equatable {
        /// The host runs `role`.
        case role(ProcessRole)
        /// The host runs the load generator, and it is this one.
        case generator(LoadGeneratorKind)
        /// The host runs an upstream that holds its responses (`upstream.delay`).
        case upstreamDelay
        /// A role on the host is pinned to CPUs.
        case pinnedRole
        /// The host is this machine and roles run on other hosts.
        case drivesOtherHosts
        /// The host is reached over ssh.
        case reachedOverSSH
        /// The host runs the load generator and the app runs on another host (the round trip
        /// between them is measured there).
        case loadToOtherHost
    }

    /// How to tell a requirement is there.
    public enum Probe: Sendable, Equatable {
        /// One of these programs is on PATH (the system folders included).
        case program([String])
        /// One of these files exists.
        case file([String])
        /// This command succeeds.
        case command(String, [String])
    }

    /// The one list, in the order `doctor` prints it.
    public static let table: [Requirement] = [
        Requirement(
            name: "nginx", package: "nginx", purpose: "the shared upstream server", listing: .run,
            needs: [.role(.upstream)], probe: .program(["nginx"])),
        Requirement(
            name: WrkLoadGenerator.program, package: "wrk", purpose: "the load generator", listing: .run,
            needs: [.generator(.wrk)], probe: .program([WrkLoadGenerator.program])),
        Requirement(
            name: "python3", package: "python3", purpose: "the apps' interpreter", listing: .run, needs: [],
            probe: .program(["python3"])),
        Requirement(
            name: "python3 venv", package: "python3-venv", purpose: "the pinned app environment", listing: .run,
            needs: [], probe: .command("python3", ["-c", "import venv, ensurepip"])),
        Requirement(
            name: "Python.h", package: "python3-dev", purpose: "building meinheld from source", listing: .run, needs: [],
            probe: .command("python3", [
                "-c", "import os, sysconfig, sys; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')) else 1)",
            ])),
        Requirement(
            name: "cc", package: "gcc", purpose: "building meinheld from source", listing: .run, needs: [],
            probe: .program(["cc"])),
        Requirement(
            name: "node", package: "nodejs", purpose: "the any-server experiment's Node server", listing: .run, needs: [],
            probe: .program(["node"])),
        Requirement(
            name: NginxUpstream.echoModuleName, package: "libnginx-mod-http-echo",
            purpose: "an upstream that holds its responses (upstream.delay)", listing: .run, needs: [.upstreamDelay],
            probe: .file(NginxUpstream.echoModulePaths)),
        Requirement(
            name: "xz", package: "xz-utils",
            purpose: "compressed results files (export -o FILE.sqlite.xz, the shipped reference run)", listing: .run,
            needs: [], probe: .program(["xz"])),
        Requirement(
            name: "taskset", package: "util-linux", purpose: "pinning a role to CPUs (cpus = \"…\")", listing: .run,
            needs: [.pinnedRole], probe: .program(["taskset"])),
        Requirement(
            name: "ssh", package: "openssh-client", purpose: "roles on other hosts ([hosts.NAME])", listing: .run,
            needs: [.drivesOtherHosts], probe: .program(["ssh"])),
        Requirement(
            name: "rsync", package: "rsync", purpose: "copying the experiment to other hosts", listing: .run,
            needs: [.drivesOtherHosts, .reachedOverSSH], probe: .program(["rsync"])),
        Requirement(
            name: "setsid", package: "util-linux", purpose: "a session for each role's processes on another host",
            listing: nil, needs: [.reachedOverSSH], probe: .program(["setsid"])),
        Requirement(
            name: "chromium", package: "chromium", purpose: "the HTML page tests, in a headless browser", listing: .tests,
            needs: [], probe: .program(["chromium", "chromium-browser"])),
        Requirement(
            name: "sshd", package: "openssh-server", purpose: "the several-hosts tests (sshd in network namespaces)",
            listing: .tests, needs: [], probe: .file(["/usr/sbin/sshd"])),
        Requirement(
            name: "ip", package: "iproute2", purpose: "the several-hosts tests (network namespaces)", listing: .tests,
            needs: [], probe: .program(["ip"])),
        Requirement(
            name: "ping", package: "iputils-ping", purpose: "the round trip between hosts", listing: .tests,
            needs: [.loadToOtherHost], probe: .program(["ping"])),
    ]

    /// Everything a run may need on this machine, in the order `doctor` lists it.
    public static var all: [Requirement] { table.filter { $0.listing == .run } }

    /// What only the test suite needs: `make test` installs it, `doctor` lists it apart.
    public static var forTests: [Requirement] { table.filter { $0.listing == .tests } }

    /// What a run may check on a host: the requirements with a need, whose presence a
    /// host's facts record.
    static var checkedOnHosts: [Requirement] { table.filter { !$0.needs.isEmpty } }

    /// What `roles` on `host` need in a run of `definition`, in the table's order.
    public static func needed(by roles: [ProcessRole], on host: HostDefinition, definition: ExperimentDefinition) -> [Requirement] {
        let placement = definition.placement
        return needed(
            by: roles, generators: [definition.load.generator],
            upstreamDelay: definition.upstreamDelays.contains { $0 > .zero },
            pinned: roles.contains { placement[$0].cpus != nil }, reachedOverSSH: !host.isLocal,
            drivesOtherHosts: host.isLocal && placement.isDistributed,
            loadToOtherHost: placement.host(of: .app).name != placement.host(of: .loadgen).name)
    }

    /// What `roles` need on a host, given what about the run and the host matters.
    public static func needed(
        by roles: [ProcessRole], generators: [LoadGeneratorKind], upstreamDelay: Bool = false, pinned: Bool = false,
        reachedOverSSH: Bool = false, drivesOtherHosts: Bool = false, loadToOtherHost: Bool = false
    ) -> [Requirement] {
        table.filter { requirement in
            requirement.needs.contains { need in
                switch need {
                case .role(let role): return roles.contains(role)
                case .generator(let kind): return roles.contains(.loadgen) && generators.contains(kind)
                case .upstreamDelay: return roles.contains(.upstream) && upstreamDelay
                case .pinnedRole: return pinned
                case .drivesOtherHosts: return drivesOtherHosts
                case .reachedOverSSH: return reachedOverSSH
                case .loadToOtherHost: return roles.contains(.loadgen) && loadToOtherHost
                }
            }
        }
    }

    /// Whether it is on this machine; a command probe runs it.
    public func isPresent() async -> Bool {
        if let found = foundWithoutRunning() { return found }
        guard case .command(let executable, let arguments) = probe else { return false }
        return (try? await CommandOutput.run(executable, arguments))?.status == .exited(0)
    }

    /// Whether it is on this machine, for a program or file probe; nil for a command probe,
    /// which must run.
    func foundWithoutRunning() -> Bool? {
        switch probe {
        case .program(let names): return names.contains { ToolCheck.find($0) != nil }
        case .file(let paths): return paths.contains { FileManager.default.fileExists(atPath: $0) }
        case .command: return nil
        }
    }

    /// The POSIX sh test of the probe, for a host over ssh.
    var shellTest: String {
        switch probe {
        case .program(let names):
            return names.map { "command -v \(shellQuoted($0)) >/dev/null 2>&1" }.joined(separator: " || ")
        case .file(let paths):
            return paths.map { "[ -f \(shellQuoted($0)) ]" }.joined(separator: " || ")
        case .command(let executable, let arguments):
            return ([executable] + arguments).map(shellQuoted).joined(separator: " ") + " >/dev/null 2>&1"
        }
    }
}
