import Core
import Foundation
import Records
import Supervision

#if canImport(Glibc)
import Glibc
#endif

/// Reads what this machine is from /proc, /sys and uname.
public enum MachineProbe {
    /// The machine facts stored with every run.
    public static func current() -> MachineInfo {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n")
            .first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let memory = meminfo("MemTotal") ?? 0
        var name = utsname()
        uname(&name)
        let kernel = field(of: &name.release) + " " + field(of: &name.machine)
        let host = field(of: &name.nodename)
        let os = osRelease() ?? "Linux"
        let governor = (try? String(
            contentsOfFile: "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let fingerprint = Self.fingerprint(model: model, cores: cores, memory: memory, kernel: kernel)
        return MachineInfo(
            fingerprint: fingerprint, hostname: host, cpuModel: model, cpuCores: cores,
            memoryBytes: memory, kernel: kernel, os: os, cpuGovernor: governor)
    }

    /// What identifies a machine across runs: its CPU model, cores, memory and kernel.
    static func fingerprint(model: String, cores: Int, memory: Int64, kernel: String) -> String {
        String(SHA256.hex("\(model)|\(cores)|\(memory)|\(kernel)").prefix(16))
    }

    /// A /proc/meminfo value in bytes.
    public static func meminfo(_ key: String) -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let words = line.split(separator: " ")
            if words.count >= 2, let kib = Int64(words[1]) { return kib * 1024 }
        }
        return nil
    }

    /// The machine's CPU time so far, from the first line of /proc/stat, in clock ticks:
    /// busy (user, nice, system, irq, softirq, steal) and in all.
    static func cpuTicks() -> (busy: Int64, total: Int64)? {
        guard let bytes = ProcessTable.readSmallFile("/proc/stat"),
            let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first,
            line.hasPrefix("cpu ")
        else { return nil }
        let values = line.split(separator: " ").dropFirst().compactMap { Int64($0) }
        guard values.count >= 5 else { return nil }
        // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
        let total = values.prefix(8).reduce(0, +)
        return (total - values[3] - values[4], total)
    }

    /// The 1-minute load average.
    public static func loadAverage() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8),
            let first = text.split(separator: " ").first
        else { return nil }
        return Double(first)
    }

    private static func osRelease() -> String? {
        guard let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return String(line.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    private static func field<T>(of tuple: inout T) -> String {
        withUnsafeBytes(of: &tuple) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
