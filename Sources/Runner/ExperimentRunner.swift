import Core
import Definition
import Foundation
import Hosts
import Records
import Store
import Supervision

/// Runs an experiment's planned trials against real servers and stores each finished trial
/// before the next starts. A run with the same effective definition on the same machine,
/// measured into this store (never an imported one), continues where the last one stopped.
///
/// The runner owns the store and writes it from the task that calls `run`; each trial runs
/// in a task of its own (`TrialExecutor`) that an interrupt cancels, so a stop ends every
/// wait at once and the trial's processes are torn down before `run` returns.
public final class ExperimentRunner {
    public let definition: ExperimentDefinition
    public let overrides: RunOverrides
    public let store: ResultStore
    public let projectRoot: URL
    public let interrupt: Interrupt
    public var options: RunnerOptions
    let emit: @Sendable (RunEvent) -> Void
    /// What the run measures, expanded once: the variants, or every variant at every level.
    lazy var cells = definition.cells

    /// `definition` is the effective one: `overrides` already applied.
    public init(
        definition: ExperimentDefinition, overrides: RunOverrides, store: ResultStore, projectRoot: URL,
        interrupt: Interrupt, options: RunnerOptions = RunnerOptions(),
        events: @escaping @Sendable (RunEvent) -> Void
    ) {
        self.definition = definition
        self.overrides = overrides
        self.store = store
        self.projectRoot = projectRoot
        self.interrupt = interrupt
        self.options = options
        self.emit = events
    }

    /// The hash that identifies "the same definition": the file's text and the overrides.
    public func definitionHash() throws -> String {
        SHA256.hex(definition.text + "\n" + (try overrides.canonicalJSON()))
    }

    /// Measures every trial not yet stored, then marks the run complete.
    public func run() async throws -> RunOutcome {
        // What the roles placed here need; remote hosts are checked when the run connects them.
        let placement = definition.placement
        try await ToolCheck.require(Requirement.needed(
            by: ProcessRole.allCases.filter { placement.host(of: $0).isLocal },
            on: placement.host(named: HostDefinition.localName) ?? .local, definition: definition))
        // A reportgen killed with SIGKILL runs no cleanup: stop what it left before measuring.
        let state = store.path.deletingLastPathComponent().appendingPathComponent(".reportgen")
        let stale = ChildRegistry.stopStale(in: state)
        if !stale.isEmpty {
            emit(.note("stopped \(stale.count) process group(s) left by an earlier reportgen that was killed"))
        }
        ChildRegistry.shared.record(in: state)
        let machineID = try store.machineID(for: MachineProbe.current())
        let hash = try definitionHash()
        // The published numbers travel with the runs they are compared with (idempotent).
        if let baseline = try definition.publishedBaselineFile() {
            try store.importPublished(csv: baseline, experiment: definition.name)
        }

        var existing: StoredRun?
        if !options.rerun {
            try noteSkippedImport(machineID: machineID, hash: hash)
        }
        if !options.rerun,
            let latest = try store.latestOwnRun(experiment: definition.name, definitionHash: hash, machineID: machineID)
        {
            if latest.status == .complete {
                emit(.note("run \(latest.id) of this definition on this machine is complete; nothing to measure (use --rerun for a new run)"))
                return RunOutcome(
                    runID: latest.id, alreadyComplete: true, resumed: false, trialsRun: 0, trialsFailed: 0,
                    failedVariants: try failedVariants(runID: latest.id))
            }
            existing = latest
        }

        let (definition, options, emit) = (self.definition, self.options, self.emit)
        let session = try await interrupt.scope {
            try await RunSession.open(definition: definition, options: options, emit: emit)
        }
        return try await withCleanup {
            try await measure(in: session, existing: existing, machineID: machineID, hash: hash)
        } cleanup: {
            await session.close()
        }
    }

    /// Says so when the newest run of this definition on this machine's fingerprint is not
    /// this store's own (imported, from an identical machine perhaps): `build` never
    /// continues or adopts such a run, and measures one of its own instead.
    private func noteSkippedImport(machineID: Int64, hash: String) throws {
        guard let newest = try store.latestRun(experiment: definition.name, definitionHash: hash, machineID: machineID)
        else { return }
        let origin = try store.origin(ofRun: newest.id)
        guard !origin.isLocal else { return }
        emit(.note("run \(newest.id) of this definition on a machine like this one was \(origin): not continued or taken as this store's own"))
    }

    private func measure(
        in session: RunSession, existing: StoredRun?, machineID: Int64, hash: String
    ) async throws -> RunOutcome {
        let run: StoredRun
        let variants: [StoredVariant]
        var done = Set<PlannedTrialKey>()
        if let existing {
            run = existing
            variants = try store.variants(runID: existing.id)
            for key in try store.storedTrials(runID: existing.id) {
                done.insert(PlannedTrialKey(cell: key.cell, trial: key.trialIndex))
            }
            emit(.note("continuing run \(existing.id): \(done.count) trials already stored"))
        } else {
            let hosts = session.hosts
            let software = await SoftwareVersions.capture(
                python: session.python, programs: commandPrograms(session), projectRoot: projectRoot,
                host: { hosts.host(of: $0) })
            let seed = UInt64.random(in: 1...UInt64(Int64.max))
            let new = NewRun(
                experiment: definition.name, definitionHash: hash, definitionText: definition.text,
                machineID: machineID, startedAt: Date(), toolVersion: ReportgenVersion.current,
                projectCommit: software.projectCommit, shuffleSeed: seed, overrides: overrides, software: software,
                upstreamCommandLine: session.upstream.process.commandLine, maxErrorRate: definition.load.maxErrorRate,
                precision: definition.precision, writeupText: definition.writeupText, hosts: session.hosts.records)
            (run, variants) = try store.createRun(new, variants: cells.map(variantRecord))
            let unit = definition.isSweep ? "cell" : "variant"
            var plan = "\(definition.planSummary) × \(definition.trials) trials"
            if let precision = definition.precision {
                plan += ", then more for each \(unit) until its requests/s is within ±\(PrecisionTarget.percent(precision.target)) (at most \(precision.maxTrials) trials)"
            }
            emit(.note("run \(run.id): \(plan), shuffle seed \(seed)"))
        }

        let plan = TrialPlan(cells: cells.map(\.cell), trialsPerCell: definition.trials, seed: run.shuffleSeed)
        var trials = TrialLoop(
            run: run, variants: variants,
            executor: TrialExecutor(definition: definition, session: session, options: options, emit: emit),
            outcome: RunOutcome(
                runID: run.id, alreadyComplete: false, resumed: existing != nil, trialsRun: 0, trialsFailed: 0,
                failedVariants: []))
        do {
            let remaining = plan.remaining(excluding: done)
            for (offset, planned) in remaining.enumerated() {
                let left = remaining.count - offset
                let estimate = trials.meanTrialSeconds.map { Date().addingTimeInterval($0 * Double(left)) }
                emit(.trialStarted(planned, position: offset + 1, total: remaining.count, estimatedEnd: estimate))
                if try await runTrial(planned, in: session, loop: &trials) == .stop { return trials.outcome }
            }
            // Once a capacity search has begun, the measured trials are final: a probe holds the
            // next trial index of its cell.
            let searching = try !store.capacityProbes(runID: run.id).isEmpty
            if let precision = definition.precision, !searching {
                if try await addRounds(for: precision, in: session, loop: &trials) == .stop { return trials.outcome }
            }
            if let target = definition.load.capacity {
                if try await searchCapacity(target, in: session, loop: &trials) == .stop { return trials.outcome }
            }
        } catch {
            try? store.setRunStatus(run.id, interrupt.isRequested ? .interrupted : .failed, finishedAt: nil)
            throw error
        }
        try store.setRunStatus(run.id, .complete, finishedAt: Date())
        trials.outcome.failedVariants = try failedVariants(runID: run.id)
        return trials.outcome
    }

    /// The cells with a failed trial anywhere in run `runID`, this invocation's or an
    /// earlier one's: what the exit status of a finished run reports.
    private func failedVariants(runID: Int64) throws -> [CellID] {
        var cells: [CellID] = []
        for result in try store.trialResults(runID: runID) where result.key.status == .failed {
            if !cells.contains(result.key.cell) { cells.append(result.key.cell) }
        }
        return cells
    }

    /// What the trial loop carries from one trial to the next.
    struct TrialLoop {
        var run: StoredRun
        var variants: [StoredVariant]
        var executor: TrialExecutor
        var outcome: RunOutcome
        /// Wall time of each trial this invocation ran, for estimates.
        var trialSeconds: [Double] = []

        var meanTrialSeconds: Double? {
            trialSeconds.isEmpty ? nil : trialSeconds.reduce(0, +) / Double(trialSeconds.count)
        }
    }

    enum Continuation { case next, stop }

    /// Runs one trial (or capacity probe), stores it, and says whether the run goes on.
    func runTrial(
        _ planned: PlannedTrial, in session: RunSession, loop: inout TrialLoop, probe: CapacityProbeLoad? = nil
    ) async throws -> Continuation {
        try interrupt.check()
        // The plan is made from the definition's cells, and a run of that definition stored
        // a row for each: a cell without one is a store changed by hand.
        guard let variant = cells.first(where: { $0.cell == planned.cell }),
            let stored = loop.variants.first(where: { $0.cell == planned.cell })
        else {
            throw ReportgenError(
                .badStore, "run \(loop.run.id) has no variants row for \(planned.cell), a cell of its definition",
                at: SourceLocation(file: store.path.path(percentEncoded: false)),
                hint: "start a new run of the experiment with --rerun")
        }
        let began = ContinuousClock.now
        let key = TrialKey(variantID: stored.id, trialIndex: planned.trialIndex, runOrder: planned.runOrder)
        let executor = loop.executor
        let record = try await interrupt.scope {
            try await executor.run(planned, variant: variant, key: key, probe: probe)
        }
        try store.recordTrial(record)
        loop.trialSeconds.append((ContinuousClock.now - began).seconds)
        if probe == nil { loop.outcome.trialsRun += 1 } else { loop.outcome.probesRun += 1 }
        emit(.trialFinished(planned, TrialSummary(record)))
        // A probe that fails measured a rate past the server, which the search goes on from.
        if record.status == .failed && probe == nil {
            loop.outcome.trialsFailed += 1
            if !loop.outcome.failedVariants.contains(variant.cell) { loop.outcome.failedVariants.append(variant.cell) }
            if options.failFast {
                try store.setRunStatus(loop.run.id, .failed, finishedAt: Date())
                return .stop
            }
        }
        if !session.upstream.isRunning {
            throw ReportgenError(
                .processFailed, "the upstream nginx stopped during the run",
                hint: "the finished trials are stored; run again to continue",
                output: await session.upstream.errorLogTail())
        }
        return .next
    }

    /// After the rounds every variant gets, a round at a time for the variants whose 95%
    /// interval of requests/s is still wider than the target, until none is, each reached
    /// the most trials, or the next round would not end within the time budget. Decisions
    /// come from the stored trials, so a resumed run picks up where it stopped.
    private func addRounds(
        for target: PrecisionTarget, in session: RunSession, loop: inout TrialLoop
    ) async throws -> Continuation {
        let planner = PrecisionPlan(
            target: target, cells: cells.map(\.cell), seed: loop.run.shuffleSeed, countsUnsteady: definition.includeUnsteady)
        while true {
            try interrupt.check()
            let results = try store.trialResults(runID: loop.run.id)
            let standings = planner.assess(results)
            // Estimates use this invocation's trials, or the stored ones on a resume.
            let perTrial = loop.meanTrialSeconds
                ?? (results.isEmpty ? nil : results.map(\.wallSeconds).reduce(0, +) / Double(results.count))
            let (round, stop) = planner.decide(results, perTrial: perTrial)
            let open = standings.filter { $0.state == .open }
            let worstCase = open.map { target.maxTrials - $0.trials }.reduce(0, +)
            emit(.precision(PrecisionProgress(
                target: target, standings: standings, roundSize: round.count,
                roundEnd: perTrial.map { Date().addingTimeInterval($0 * Double(round.count)) },
                latestEnd: perTrial.map { Date().addingTimeInterval($0 * Double(worstCase)) }, stop: stop)))
            if stop != nil { return .next }
            for (offset, planned) in round.enumerated() {
                let estimate = perTrial.map { Date().addingTimeInterval($0 * Double(round.count - offset)) }
                emit(.trialStarted(planned, position: offset + 1, total: round.count, estimatedEnd: estimate))
                if try await runTrial(planned, in: session, loop: &loop) == .stop { return .stop }
            }
        }
    }

    /// The executables the run's command servers start.
    private func commandPrograms(_ session: RunSession) -> [String] {
        definition.variants.compactMap { variant in
            guard case .command = variant.server else { return nil }
            let host = session.appHost
            let values = LaunchValues.trial(
                host: host.address, port: 0, upstreamURL: session.upstream.url(delay: .zero), python: session.python,
                directory: host.experimentFolder)
            return AppLaunch.make(variant: variant, values: values, directory: host.experimentFolder).command.executable
        }
    }

    /// The variant as stored with its run: its settings and its app server's command line
    /// with the machine-local parts (port, venv, upstream, folder) as placeholders.
    private func variantRecord(_ variant: VariantDefinition) -> NewVariant {
        let launch = AppLaunch.make(variant: variant, values: .placeholders, directory: definition.directory)
        var template: [String]?
        if case .command(let command) = variant.server { template = command.arguments }
        return NewVariant(
            cell: variant.cell, position: variant.position,
            config: VariantConfig(
                server: variant.server.kind.rawValue, module: variant.module, workerClass: variant.workerClass,
                workers: variant.workers, threads: variant.threads, environment: variant.environment,
                command: template, commandLine: launch.commandLine))
    }
}
