import Core

/// The machine a run was measured on. `fingerprint` identifies it across runs.
public struct MachineInfo: Sendable, Equatable, Codable {
    /// Hex hash of CPU model, cores, memory and kernel.
    public var fingerprint: String
    public var hostname: String
    public var cpuModel: String
    public var cpuCores: Int
    public var memoryBytes: Int64
    public var kernel: String
    public var os: String
    /// CPU frequency governor, when readable.
    public var cpuGovernor: String?

    public init(
        fingerprint: String, hostname: String, cpuModel: String, cpuCores: Int,
        memoryBytes: Int64, kernel: String, os: String, cpuGovernor: String?
    ) {
        self.fingerprint = fingerprint
        self.hostname = hostname
        self.cpuModel = cpuModel
        self.cpuCores = cpuCores
        self.memoryBytes = memoryBytes
        self.kernel = kernel
        self.os = os
        self.cpuGovernor = cpuGovernor
    }

    /// The names of the store's `machines` columns, which results.json uses too.
    enum CodingKeys: String, CodingKey {
        case fingerprint, hostname, kernel, os
        case cpuModel = "cpu_model", cpuCores = "cpu_cores", memoryBytes = "memory_bytes", cpuGovernor = "cpu_governor"
    }
}

extension MachineInfo {
    /// Fingerprints of machines that a published table names but nobody measured begin so.
    static let publishedPrefix = "published:"

    /// The stand-in machine of a published table called `label`: nothing about its hardware
    /// is known.
    package static func published(label: String) -> MachineInfo {
        MachineInfo(
            fingerprint: publishedPrefix + label, hostname: label, cpuModel: "hardware not described",
            cpuCores: 0, memoryBytes: 0, kernel: "not described", os: "not described", cpuGovernor: nil)
    }

    /// Whether this is a published table's stand-in rather than a machine reportgen measured.
    public var isPublished: Bool { fingerprint.hasPrefix(Self.publishedPrefix) }
}
