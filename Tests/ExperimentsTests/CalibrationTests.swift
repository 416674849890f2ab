import Foundation
import Synchronization
import Testing
@testable import Core
@testable import Definition
@testable import Runner


extension RealServers {
/// `reportgen calibrate` in small: both generators against the shipped experiment's nginx.
@Suite("calibration against real nginx", .serialized)
struct CalibrationTests {
    @Test("one round runs both generators on nginx alone, measures their CPU, and stops everything")
    func oneRound() async throws {
        let definition = try DefinitionLoader.load(experiment: "aiohttp-vs-flask", projectRoot: RealServers.projectRoot)
            .applying(RunOverrides(connections: 50, threads: 2))
        let seen = Mutex<[LoadGeneratorKind]>([])
        let windows = try await Calibration.run(
            definition: definition, rounds: 1, duration: .seconds(1), executable: try RealServers.reportgenBinary()
        ) { window in seen.withLock { $0.append(window.generator) } }
        #expect(seen.withLock { $0 } == [.wrk, .builtin], "odd rounds start with wrk")
        for window in windows {
            #expect(window.measurement.requests > 1_000, "\(window.generator): nginx serves far more than 1000 requests/s")
            let errors = window.measurement.errors
            #expect(errors.status == 0 && errors.connect == 0 && errors.read == 0 && errors.write == 0, "\(window.generator): \(errors)")
            #expect(window.cpuUserUs + window.cpuSystemUs > 0, "\(window.generator): its CPU time comes from wait4")
            #expect(window.maxRSSBytes > 1_000_000)
            #expect(window.upstreamCPUUs > 0)
            #expect(window.latencyUs(50) != nil)
        }
        let builtin = try #require(windows.first { $0.generator == .builtin })
        #expect(builtin.measurement.requestLog?.count == Int(builtin.measurement.requests))
        #expect(builtin.commandLine.contains(" load --connections 50 --threads 2 --duration 1s"))

        let summary = Calibration.summarize(windows)
        #expect(summary.rows.map(\.generator) == [.wrk, .builtin])
        let ratio = try #require(summary.requestsRatio)
        #expect(ratio == builtin.requestsPerSecond / windows[0].requestsPerSecond)
        #expect(RealServers.serversLeft().isEmpty)
    }
}
}
