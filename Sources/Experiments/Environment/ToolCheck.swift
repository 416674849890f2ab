import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One thing a run or a build needs on this machine, and the Debian package that brings it.
public struct Requirement: Sendable {
    public var name: String
    public var package: String
    public var purpose: String
    public var isPresent: @Sendable () -> Bool

    /// Everything reportgen needs at run time, in the order `doctor` lists it.
    public static let all: [Requirement] = [
        Requirement(name: "nginx", package: "nginx", purpose: "the shared upstream server") {
            ToolCheck.find("nginx") != nil
        },
        Requirement(name: WrkLoadGenerator.program, package: "wrk", purpose: "the load generator") {
            ToolCheck.find(WrkLoadGenerator.program) != nil
        },
        Requirement(name: "python3", package: "python3", purpose: "the apps' interpreter") {
            ToolCheck.find("python3") != nil
        },
        Requirement(name: "python3 venv", package: "python3-venv", purpose: "the pinned app environment") {
            (try? CommandOutput.run("python3", ["-c", "import venv, ensurepip"]))?.status == .exited(0)
        },
        Requirement(name: "Python.h", package: "python3-dev", purpose: "building meinheld from source") {
            (try? CommandOutput.run("python3", [
                "-c", "import os, sysconfig, sys; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')) else 1)",
            ]))?.status == .exited(0)
        },
        Requirement(name: "cc", package: "gcc", purpose: "building meinheld from source") {
            ToolCheck.find("cc") != nil
        },
        Requirement(name: "node", package: "nodejs", purpose: "the any-server experiment's Node server") {
            ToolCheck.find("node") != nil
        },
        Requirement(name: NginxUpstream.echoModuleName, package: "libnginx-mod-http-echo", purpose: "an upstream that holds its responses (upstream.delay)") {
            NginxUpstream.echoModule() != nil
        },
        Requirement(name: "xz", package: "xz-utils", purpose: "compressed results files (export -o FILE.sqlite.xz, the shipped reference run)") {
            ToolCheck.find("xz") != nil
        },
        Requirement(name: "taskset", package: "util-linux", purpose: "pinning a role to CPUs (cpus = \"…\")") {
            ToolCheck.find("taskset") != nil
        },
        Requirement(name: "ssh", package: "openssh-client", purpose: "roles on other hosts ([hosts.NAME])") {
            ToolCheck.find("ssh") != nil
        },
        Requirement(name: "rsync", package: "rsync", purpose: "copying the experiment to other hosts") {
            ToolCheck.find("rsync") != nil
        },
    ]

    /// What only the test suite needs: `make test` installs it, `doctor` lists it apart.
    public static let forTests: [Requirement] = [
        Requirement(name: "chromium", package: "chromium", purpose: "the HTML page tests, in a headless browser") {
            ToolCheck.find("chromium") != nil || ToolCheck.find("chromium-browser") != nil
        },
        Requirement(name: "sshd", package: "openssh-server", purpose: "the several-hosts tests (sshd in network namespaces)") {
            FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd")
        },
        Requirement(name: "ip", package: "iproute2", purpose: "the several-hosts tests (network namespaces)") {
            ToolCheck.find("ip") != nil
        },
        Requirement(name: "ping", package: "iputils-ping", purpose: "the round trip between hosts") {
            ToolCheck.find("ping") != nil
        },
    ]
}

/// Finds tools on PATH and turns missing ones into one clear error.
public enum ToolCheck {
    /// The absolute path of `tool` on PATH (plus the system folders), or nil.
    public static func find(_ tool: String) -> String? {
        ChildProcess.resolve(tool, path: ProcessEnvironment.inheritedPath)
    }

    /// Throws if any requirement named in `names` is missing, with the install command.
    public static func require(_ names: [String]) throws {
        let missing = Requirement.all.filter { names.contains($0.name) && !$0.isPresent() }
        guard !missing.isEmpty else { return }
        throw ReportgenError(
            .missingDependency,
            "missing: " + missing.map { "\($0.name) (\($0.purpose))" }.joined(separator: ", "),
            hint: "install with: " + installCommand(missing.map(\.package)))
    }

    /// The apt-get command for `packages`, with sudo when not root.
    public static func installCommand(_ packages: [String]) -> String {
        let sudo = geteuid() == 0 ? "" : "sudo "
        return "\(sudo)apt-get install -y " + packages.joined(separator: " ")
    }
}
