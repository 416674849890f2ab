import Core
import Foundation
import Records
import Store

/// results.json as Codable parts: the run's provenance, its machine, the software it ran
/// with, and each variant's statistics (from `ResultsColumn.all`) with its trials. A missing
/// value is null (`OrNull`); JSON the store holds (overrides, software, a variant's
/// configuration) is carried as it is.
struct ResultsDocument: Encodable {
    var formatVersion = 1
    var run: RunPart
    var machine: MachinePart
    var software: JSONValue
    var variants: [JSONValue]

    enum CodingKeys: String, CodingKey {
        case run, machine, software, variants, formatVersion = "format_version"
    }

    /// The document as a value: its small parts through their encoders, the variants (built
    /// as values already) as they are, so nothing large is encoded twice.
    func value() throws -> JSONValue {
        .object([
            CodingKeys.formatVersion.rawValue: .integer(Int64(formatVersion)),
            CodingKeys.run.rawValue: try JSONValue(encoding: run),
            CodingKeys.machine.rawValue: try JSONValue(encoding: machine),
            CodingKeys.software.rawValue: software,
            CodingKeys.variants.rawValue: .array(variants),
        ])
    }

    struct RunPart: Encodable {
        var id: Int64
        var experiment: String
        var kind: RunKind
        var status: RunStatus
        @OrNull var finishedAt: String?
        var startedAt: String
        var quick: Bool
        @OrNull var projectCommit: String?
        var toolVersion: String
        var definitionHash: String
        /// A string: JSON readers that hold numbers as doubles would corrupt a 64-bit seed.
        var shuffleSeed: String
        var overrides: JSONValue
        var upstreamCommandLine: String

        enum CodingKeys: String, CodingKey {
            case id, experiment, kind, status, quick, overrides
            case startedAt = "started_at", finishedAt = "finished_at", toolVersion = "tool_version"
            case projectCommit = "project_commit", definitionHash = "definition_hash", shuffleSeed = "shuffle_seed"
            case upstreamCommandLine = "upstream_command_line"
        }
    }

    /// The machine in its own Codable form, with an unknown CPU governor written as null
    /// where that form leaves it out: a reader finds every fact's key.
    struct MachinePart: Encodable {
        var machine: MachineInfo

        func encode(to encoder: any Encoder) throws {
            try machine.encode(to: encoder)
            guard machine.cpuGovernor == nil else { return }
            var container = encoder.container(keyedBy: JSONKey.self)
            try container.encodeNil(forKey: JSONKey(stringValue: "cpu_governor"))
        }
    }

    /// One trial of a variant, ok or failed.
    struct TrialPart: Encodable {
        var trial, runOrder: Int
        var status: TrialStatus
        var startedAt: String
        var durationS: Double
        var requests: Int64
        var errors: ErrorsPart
        @OrNull var failure: String?
        @OrNull var appCPUS: Double?
        @OrNull var appPeakRSSBytes: Int64?
        /// Null for a trial without a timeline (stored before timelines, or failed).
        @OrNull var steady: Bool?
        @OrNull var unsteadyReason: String?
        /// Set on the encoded value: `ResultsExport` builds a timeline's intervals directly.
        @OrNull var timeline: [Int]? = nil

        enum CodingKeys: String, CodingKey {
            case trial, status, requests, errors, failure, steady, timeline
            case runOrder = "run_order", startedAt = "started_at", durationS = "duration_s"
            case appCPUS = "app_cpu_s", appPeakRSSBytes = "app_peak_rss_bytes", unsteadyReason = "unsteady_reason"
        }
    }

    /// A key named at run time.
    struct JSONKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }

        init(stringValue: String) {
            self.stringValue = stringValue
        }

        init?(intValue: Int) {
            return nil
        }
    }
}
