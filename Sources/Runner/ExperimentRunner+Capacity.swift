import Core
import Definition
import Foundation
import Hosts
import Records
import Store

extension ExperimentRunner {
    /// Above this share of what the generator drove flat out against the upstream alone,
    /// no rate is probed: past it the generator's own schedule would be measured.
    static var generatorHeadroom: Double { CapacityPlan.generatorHeadroom }

    /// After the measured trials, each cell's capacity at `target`: rounds in which every
    /// cell whose search is not done gets its next probe, in an order shuffled by the run's
    /// seed and the round. Every step is decided from the stored probes (`CapacityPlan`), so
    /// an interrupted search resumes where it stopped and repeats no probe.
    func searchCapacity(_ target: CapacityTarget, in session: RunSession, loop: inout TrialLoop) async throws -> Continuation {
        let runID = loop.run.id
        try await measureGeneratorLimit(target, in: session, runID: runID)
        let ceiling = try store.capacitySearch(runID: runID)?.generatorLimitRPS
        let load = definition.load
        let plans = cells.enumerated().map { position, _ in
            CapacityPlan(
                target: target, probe: load.probe, resolution: load.resolution, repetitions: definition.trials,
                ceiling: ceiling.map { $0 * Self.generatorHeadroom },
                seed: CapacityPlan.seed(runSeed: loop.run.shuffleSeed, position: position))
        }
        var announced = false
        while true {
            try interrupt.check()
            let stored = try store.capacityProbes(runID: runID)
            var open: [(cell: Int, step: CapacityPlan.Step)] = []
            for (position, cell) in cells.enumerated() {
                let own = stored.filter { $0.cell == cell.cell }.map(Self.planProbe)
                let step = plans[position].next(after: own)
                if case .done = step { continue }
                open.append((position, step))
            }
            if !announced {
                emit(.note("capacity at \(target): \(open.count) of \(cells.count) searches to run, each probe a \(DurationSyntax.format(load.probe)) window\(stored.isEmpty ? "" : " (\(stored.count) probes already stored)")"))
                announced = true
            }
            guard !open.isEmpty else { return .next }
            if let budget = definition.timeBudget {
                let results = try store.trialResults(runID: runID)
                let spent = results.map(\.wallSeconds).reduce(0, +) + stored.map(\.wallSeconds).reduce(0, +)
                let perProbe = stored.isEmpty ? nil : stored.map(\.wallSeconds).reduce(0, +) / Double(stored.count)
                if let perProbe, spent + perProbe * Double(open.count) > budget.seconds {
                    emit(.note("capacity: the next round of \(open.count) probes would end past the time budget of \(DurationSyntax.format(budget)); \(open.count) searches stop unfinished (the report says so; a larger --time-budget with --rerun searches again)"))
                    return .next
                }
            }
            var generator = SplitMix64(seed: loop.run.shuffleSeed &+ UInt64(stored.count) &* 0xBF58_476D_1CE4_E5B9)
            open.shuffle(with: &generator)
            for (offset, entry) in open.enumerated() {
                let cell = cells[entry.cell]
                guard let variant = loop.variants.first(where: { $0.cell == cell.cell }) else {
                    throw ReportgenError(
                        .badStore, "run \(runID) has no variants row for \(cell.cell), a cell of its definition",
                        at: SourceLocation(file: store.path.path(percentEncoded: false)),
                        hint: "start a new run of the experiment with --rerun")
                }
                let slot = try store.nextTrialSlot(runID: runID, variantID: variant.id)
                let planned = PlannedTrial(cell: cell.cell, trialIndex: slot.trialIndex, runOrder: slot.runOrder)
                let probe: CapacityProbeLoad
                switch entry.step {
                case .start: probe = CapacityProbeLoad(stage: .start, rate: nil)
                case .search(let rate): probe = CapacityProbeLoad(stage: .search, rate: rate)
                case .confirm(let rate): probe = CapacityProbeLoad(stage: .confirm, rate: rate)
                case .done: continue
                }
                emit(.probeStarted(planned, stage: probe.stage, rate: probe.rate, position: offset + 1, total: open.count))
                if try await runTrial(planned, in: session, loop: &loop, probe: probe) == .stop { return .stop }
            }
        }
    }

    /// Measures the most requests/s the generator drives, closed loop at the load's
    /// connections, against the upstream alone, and stores it with the target: once per run.
    /// Stored as unknown when it cannot be measured (the search then has no ceiling).
    func measureGeneratorLimit(_ target: CapacityTarget, in session: RunSession, runID: Int64) async throws {
        if try store.capacitySearch(runID: runID) != nil { return }
        var load = definition.load
        load.rate = nil
        load.warmup = min(load.warmup, .seconds(1))
        let generator = try await session.makeLoadgen(load, options: options, cpus: definition.placement[.loadgen].cpus)
        let url = session.upstream.url(delay: .zero)
        let (warmup, window, clock) = (generator.runsWarmupInline ? load.warmup : .zero, load.probe, options.clock)
        var limit: Double?
        do {
            let running = try await interrupt.scope {
                try await generator.start(url: url, warmup: warmup, duration: window, label: "generator-limit")
            }
            do {
                try await interrupt.scope { try await running.waitForExit(clock: clock) }
            } catch {
                await running.abandon()
                throw error
            }
            let measured = try await running.measurement()
            // Any answer counts, a 404 from an upstream folder without index.html too: what is
            // measured is how fast the generator sends and reads, not what nginx answers.
            let errors = measured.errors
            let lost = Double(errors.connect + errors.read + errors.write)
            let attempts = Double(measured.requests + errors.connect)
            if measured.answered > 0, attempts > 0, lost / attempts < 0.01 {
                limit = measured.requestsPerSecond
            } else {
                emit(.note(String(
                    format: "capacity: the generator's own limit could not be measured (%.1f%% of its connections or reads against the upstream failed); no rate is capped",
                    attempts > 0 ? lost / attempts * 100 : 100)))
            }
        } catch let error as ReportgenError where error.code == .processFailed && !interrupt.isRequested {
            emit(.note("capacity: the generator's own limit could not be measured (\(error.message)); no rate is capped"))
        }
        try store.recordCapacitySearch(runID: runID, StoredCapacitySearch(target: target.written, generatorLimitRPS: limit))
        if let limit {
            emit(.note(String(
                format: "capacity: the generator drives %.0f requests/s against the upstream alone; no probe offers more than %.0f",
                limit, limit * Self.generatorHeadroom)))
        }
    }

    private static func planProbe(_ stored: StoredProbe) -> CapacityPlan.Probe {
        CapacityPlan.Probe(
            stage: stored.role.stage, offered: stored.role.offeredRPS, held: stored.role.held ?? false,
            served: stored.status == .ok ? stored.requestsPerSecond : nil)
    }
}
