import Foundation
import TestFixtures
import Testing
@testable import Core
@testable import Definition
@testable import Store

#if canImport(Glibc)
import Glibc
#endif

extension RealServers {
/// Capacity searches against servers whose capacity is known: a fixed number of slots, each
/// held a fixed time on a timer (no CPU), so the most a server can answer is slots ÷ time.
@Suite("capacity at a latency target, against servers of known capacity", .serialized, .timeLimit(.minutes(8)))
struct CapacityTests {
    /// An asyncio server whose requests each hold one of `argv[2]` slots for `argv[3]` s.
    static let slots = PythonServers.asyncio(
        prelude: "SLOTS, HOLD = int(sys.argv[2]), float(sys.argv[3])\nslots = asyncio.Semaphore(SLOTS)",
        beforeAnswer: "async with slots:\n    await asyncio.sleep(HOLD)")

    /// 4 and 8 slots of 20 ms (200 and 400 requests/s at most), and 64 slots of 100 ms, whose
    /// every answer misses a 60 ms p99.
    static let definition = CommandExperiment.head(title: "capacity", generator: "builtin") + """

        connections = 32
        threads = 1
        warmup = "500ms"
        duration = "1s"
        timeout = "10s"
        probe = "1s"
        capacity = "p99 <= 60ms"
        [[variants]]
        name = "slots4"
        command = ["python3", "slots.py", "{port}", "4", "0.02"]
        [[variants]]
        name = "slots8"
        command = ["python3", "slots.py", "{port}", "8", "0.02"]
        [[variants]]
        name = "slow"
        command = ["python3", "slots.py", "{port}", "64", "0.1"]
        """

    @Test("interrupted mid-search and run again, the search repeats no probe; capacities lie just under slots ÷ time and double with the slots; a server that never keeps the target has none; the knee is drawn")
    func knownCapacities() async throws {
        let project = try TinyProject()
        defer { project.remove() }
        try project.write("capacity", definition: Self.definition)
        try Self.slots.write(to: project.url("experiments/capacity/slots.py"), atomically: true, encoding: .utf8)
        let store = "out/results.sqlite"
        let arguments = ["build", "capacity", "--db", store, "--output", "out"]

        // SIGINT once a few probes are stored.
        let first = try project.cli.start(arguments)
        let reached = await eventually(within: .seconds(180)) {
            first.process.exitStatus != nil || first.stdout.components(separatedBy: "[capacity ").count - 1 >= 7
        }
        try #require(reached && first.process.exitStatus == nil, "the search reached its probes\n\(first.stdout)\(first.stderr)")
        kill(first.process.pid, SIGINT)
        let stopped = await first.finish(within: .seconds(60))
        #expect(stopped.code == 130, "\(stopped)")
        #expect(project.processesLeft().isEmpty, "\(project.processesLeft())")
        let before = try project.query(store, "SELECT count(*) FROM capacity_probes") { $0.int64(at: 0) }.first ?? 0
        #expect(before >= 5, "probes stored before the interrupt: \(before)")

        let again = try await project.cli.run(arguments, timeout: .seconds(300))
        #expect(again.code == 0, "\(again)")
        #expect(again.stdout.contains("(\(before) probes already stored)"), "\(again.stdout)")

        // Every cell's stored probes are exactly its plan's steps, in order, and the plan is done.
        let results = try ResultStore(path: project.url(store))
        let run = try #require(try results.latestRun(experiment: "capacity"))
        let search = try #require(try results.capacitySearch(runID: run.id))
        let limit = try #require(search.generatorLimitRPS)
        #expect(limit > 2_000, "the generator drives more than any server here: \(limit)")
        let target = try CapacityTarget.parse(search.target).get()
        let probes = try results.capacityProbes(runID: run.id)
        for (position, name) in ["slots4", "slots8", "slow"].enumerated() {
            let plan = CapacityPlan(
                target: target, probe: .seconds(1), resolution: 0.05, repetitions: 1, ceiling: limit * CapacityPlan.generatorHeadroom,
                seed: CapacityPlan.seed(runSeed: run.shuffleSeed, position: position))
            let own = probes.filter { $0.cell.variant == name }.map { stored in
                CapacityPlan.Probe(
                    stage: stored.role.stage, offered: stored.role.offeredRPS, held: stored.role.held ?? false,
                    served: stored.status == .ok ? stored.requestsPerSecond : nil)
            }
            for index in own.indices {
                let step = plan.next(after: Array(own.prefix(index)))
                let expected: CapacityPlan.Step
                switch own[index].stage {
                case .start: expected = .start
                case .search: expected = .search(rate: own[index].offered ?? 0)
                case .confirm: expected = .confirm(rate: own[index].offered ?? 0)
                }
                #expect(step == expected, "\(name) probe \(index + 1): planned \(step), stored \(expected)")
            }
            if case .done = plan.next(after: own) {} else {
                Issue.record("\(name)'s search is not finished: \(plan.next(after: own))")
            }
        }

        // results.csv: the capacities against the known ones.
        let csv = try String(contentsOf: project.url("out/capacity/results.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try #require(lines.first)
        let column = try #require(header.firstIndex(of: "capacity_rps"))
        #expect(Array(header[column...].prefix(3)) == ["capacity_rps", "capacity_rps_low", "capacity_rps_high"])
        func capacity(_ name: String) -> (Double?, Double?, Double?) {
            guard let row = lines.first(where: { $0.first == name }), row.count > column + 2 else { return (nil, nil, nil) }
            return (Double(row[column]), Double(row[column + 1]), Double(row[column + 2]))
        }
        let (four, fourLow, fourHigh) = capacity("slots4")
        let (eight, _, _) = capacity("slots8")
        let c4 = try #require(four, "\(csv)")
        let c8 = try #require(eight, "\(csv)")
        #expect(c4 < 200 && c4 > 200 * 0.85, "4 slots of 20 ms: \(c4) requests/s")
        #expect(c8 < 400 && c8 > 400 * 0.85, "8 slots of 20 ms: \(c8) requests/s")
        #expect(c8 / c4 > 1.7 && c8 / c4 < 2.3, "twice the slots, about twice the capacity: \(c8) / \(c4)")
        #expect((fourLow ?? .infinity) <= c4 && c4 <= (fourHigh ?? 0), "the interval holds the capacity: \(csv)")
        #expect(capacity("slow").0 == nil, "no capacity for the slow server: \(csv)")
        let json = try String(contentsOf: project.url("out/capacity/results.json"), encoding: .utf8)
        #expect(json.contains("\"outcome\" : \"none\""), "the slow server's capacity is none")

        let report = try String(contentsOf: project.url("out/capacity/report.md"), encoding: .utf8)
        #expect(report.contains("## Capacity at the target"))
        #expect(report.contains("| slow ") && report.contains(" none |"), "\(report)")
        // The knee read back: its title, the target's one dashed rule, and a dotted p50 line
        // for each server.
        let svg = try String(contentsOf: project.url("out/capacity/knee.svg"), encoding: .utf8)
        #expect(svg.contains("<title>Latency against offered rate: p99 solid, p50 dotted, ◆ capacity</title>"))
        #expect(svg.components(separatedBy: "stroke-dasharray:5,3").count - 1 == 1, "one target line")
        #expect(svg.components(separatedBy: "stroke-dasharray:1,3").count - 1 == 3, "a dotted p50 line per server")
        #expect(project.processesLeft().isEmpty, "\(project.processesLeft())")
    }
}
}
