import Core
import Definition
import Foundation
import Records
import Supervision

#if canImport(Glibc)
import Glibc
#endif

/// What a host is, read once when a run opens it: the machine (stored with the run), the
/// CPUs a role may be pinned to, and what sampling and stopping its processes need.
public struct HostFacts: Sendable, Equatable {
    public var machine: MachineInfo
    /// The CPUs processes started there may use (the login's affinity).
    public var allowedCPUs: CPUSet?
    public var uid: Int
    public var ticksPerSecond: Int64
    public var pageSize: Int64
    /// This boot of the host's kernel: pid files written under another boot are void.
    public var bootID: String
    /// reportgen's folder on the host, absolute.
    public var folder: String
    /// The names of the requirements a run may check on a host (`Requirement.checkedOnHosts`)
    /// that the host has.
    public var tools: Set<String>
    /// nginx's echo module on the host, when installed.
    public var echoModule: String?

    /// This machine.
    public static func local() -> HostFacts {
        let tools = Set(Requirement.checkedOnHosts.filter { $0.foundWithoutRunning() ?? false }.map(\.name))
        let boot = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)) ?? ""
        return HostFacts(
            machine: MachineProbe.current(), allowedCPUs: ownAffinity(), uid: Int(geteuid()),
            ticksPerSecond: ProcessTable.ticksPerSecond, pageSize: ProcessTable.pageSize,
            bootID: boot.trimmingCharacters(in: .whitespacesAndNewlines), folder: FileManager.default.temporaryDirectory.path,
            tools: tools, echoModule: NginxUpstream.echoModule())
    }

    /// The CPUs this process may run on, from /proc/self/status.
    static func ownAffinity() -> CPUSet? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        return parseAffinity(text)
    }

    static func parseAffinity(_ status: String) -> CPUSet? {
        for line in status.split(separator: "\n") where line.hasPrefix("Cpus_allowed_list:") {
            return CPUSet(list: String(line.dropFirst("Cpus_allowed_list:".count)).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// What `requirements` this host lacks, in their order.
    func lacking(_ requirements: [Requirement]) -> [Requirement] {
        requirements.filter { !tools.contains($0.name) }
    }

    /// The shell script that prints a remote host's facts as `key=value` lines, after making
    /// `folder` (relative to the login folder, or absolute).
    static func probeScript(folder: String) -> String {
        let tools = Requirement.checkedOnHosts.map { "{ \($0.shellTest); } && echo \(shellQuoted("tool=" + $0.name))" }
            .joined(separator: "\n")
        let modules = NginxUpstream.echoModulePaths.map(shellQuoted).joined(separator: " ")
        return """
            mkdir -p \(["state", "runs", "venvs"].map { shellQuoted(folder + "/" + $0) }.joined(separator: " ")) && cd \(shellQuoted(folder)) || exit 3
            echo "folder=$(pwd)"
            echo "model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
            echo "cores=$(getconf _NPROCESSORS_ONLN)"
            echo "memory=$(sed -n 's/^MemTotal:[[:space:]]*\\([0-9]*\\) kB/\\1/p' /proc/meminfo)"
            echo "kernel=$(uname -r) $(uname -m)"
            echo "hostname=$(uname -n)"
            echo "os=$(. /etc/os-release 2>/dev/null; echo "$PRETTY_NAME")"
            echo "governor=$(cat /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor 2>/dev/null)"
            echo "cpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)"
            echo "uid=$(id -u)"
            echo "tck=$(getconf CLK_TCK)"
            echo "page=$(getconf PAGESIZE)"
            echo "boot=$(cat /proc/sys/kernel/random/boot_id)"
            PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
            \(tools)
            for module in \(modules); do [ -f "$module" ] && echo "echo=$module"; done
            true
            """
    }

    /// Facts from what `probeScript` printed.
    static func parse(_ text: String) -> HostFacts? {
        var values: [String: String] = [:]
        var tools = Set<String>()
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals])
            let value = String(line[line.index(after: equals)...])
            if key == "tool" { tools.insert(value) } else if values[key] == nil { values[key] = value }
        }
        guard let folder = values["folder"], let cores = Int(values["cores"] ?? ""),
            let kib = Int64(values["memory"] ?? ""), let kernel = values["kernel"]
        else { return nil }
        let model = values["model"].flatMap { $0.isEmpty ? nil : $0 } ?? "unknown"
        let memory = kib * 1024
        let machine = MachineInfo(
            fingerprint: MachineProbe.fingerprint(model: model, cores: cores, memory: memory, kernel: kernel),
            hostname: values["hostname"] ?? "", cpuModel: model, cpuCores: cores, memoryBytes: memory, kernel: kernel,
            os: values["os"].flatMap { $0.isEmpty ? nil : $0 } ?? "Linux",
            cpuGovernor: values["governor"].flatMap { $0.isEmpty ? nil : $0 })
        return HostFacts(
            machine: machine, allowedCPUs: values["cpus"].flatMap(CPUSet.init(list:)), uid: Int(values["uid"] ?? "") ?? -1,
            ticksPerSecond: Int64(values["tck"] ?? "") ?? 100, pageSize: Int64(values["page"] ?? "") ?? 4096,
            bootID: values["boot"] ?? "", folder: folder, tools: tools, echoModule: values["echo"])
    }
}
