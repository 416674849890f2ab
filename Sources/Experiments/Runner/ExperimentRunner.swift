import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs an experiment's planned trials against real servers and stores each finished trial
/// before the next starts. A run with the same effective definition on the same machine
/// continues where the last one stopped.
public final class ExperimentRunner {
    public let definition: ExperimentDefinition
    public let overrides: RunOverrides
    public let store: ResultStore
    public let projectRoot: URL
    public let interrupt: Interrupt
    public var rerun = false
    public var failFast = false
    /// How long an app server may take to answer 200 after it starts.
    public var readinessTimeout: Duration = .seconds(60)
    /// Picks the app server's port for each trial; tests replace it to occupy the port.
    public var appPort: @Sendable () throws -> Int = { try LoopbackPort.free() }
    private let emit: (RunEvent) -> Void

    /// `definition` is the effective one: `overrides` already applied.
    public init(
        definition: ExperimentDefinition, overrides: RunOverrides, store: ResultStore,
        projectRoot: URL, interrupt: Interrupt, events: @escaping (RunEvent) -> Void
    ) {
        self.definition = definition
        self.overrides = overrides
        self.store = store
        self.projectRoot = projectRoot
        self.interrupt = interrupt
        self.emit = events
    }

    /// The hash that identifies "the same definition": the file's text and the overrides.
    public var definitionHash: String {
        SHA256.hex(definition.text + "\n" + overrides.canonicalJSON)
    }

    /// Measures every trial not yet stored, then marks the run complete.
    public func run() throws -> RunOutcome {
        try LoadCheck.validate(definition, overrides: overrides)
        try ToolCheck.require(["nginx"] + LoadGenerators.tools(definition.load))
        // A reportgen killed with SIGKILL runs no cleanup: stop what it left before measuring.
        let state = store.path.deletingLastPathComponent().appendingPathComponent(".reportgen")
        let stale = ChildRegistry.stopStale(in: state)
        if !stale.isEmpty {
            emit(.note("stopped \(stale.count) process group(s) left by an earlier reportgen that was killed"))
        }
        ChildRegistry.shared.record(in: state)
        let machine = MachineProbe.current()
        let machineID = try store.machineID(for: machine)

        var existing: StoredRun?
        if !rerun, let latest = try store.latestRun(
            experiment: definition.name, definitionHash: definitionHash, machineID: machineID)
        {
            if latest.status == .complete {
                emit(.note("run \(latest.id) of this definition on this machine is complete; nothing to measure (use --rerun for a new run)"))
                return RunOutcome(
                    runID: latest.id, alreadyComplete: true, resumed: false, trialsRun: 0,
                    trialsFailed: 0, failedVariants: [])
            }
            existing = latest
        }

        let python = try PythonEnvironment.prepare(
            lock: definition.app.requirements, interrupt: interrupt
        ) { self.emit(.note($0)) }
        try interrupt.check()

        let work = FileManager.default.temporaryDirectory
            .appendingPathComponent("reportgen-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        let upstream = try NginxUpstream(
            settings: definition.upstream, folder: work.appendingPathComponent("nginx"),
            interrupt: interrupt)
        defer { upstream.stop() }
        emit(.note("upstream: nginx on \(upstream.url) serving \(definition.upstream.root.path)"))

        let run: StoredRun
        let variants: [StoredVariant]
        var done = Set<String>()
        if let existing {
            run = existing
            variants = try store.variants(runID: existing.id)
            for key in try store.storedTrials(runID: existing.id) {
                done.insert(TrialPlan.key(key.variantName, key.trialIndex))
            }
            emit(.note("continuing run \(existing.id): \(done.count) trials already stored"))
        } else {
            let software = SoftwareVersions.capture(python: python, projectRoot: projectRoot)
            let seed = UInt64.random(in: 1...UInt64(Int64.max))
            let new = NewRun(
                experiment: definition.name, definitionHash: definitionHash,
                definitionText: definition.text, machineID: machineID, startedAt: Date(),
                toolVersion: ReportgenVersion.current, projectCommit: software.projectCommit,
                shuffleSeed: seed, overridesJSON: overrides.canonicalJSON, quick: overrides.quick,
                softwareJSON: software.json, upstreamCommandLine: upstream.process.commandLine)
            (run, variants) = try store.createRun(new, variants: definition.variants.map(variantRecord))
            emit(.note("run \(run.id): \(definition.variants.count) variants × \(definition.trials) trials, shuffle seed \(seed)"))
        }

        let plan = TrialPlan(
            variants: definition.variants.map(\.name), trialsPerVariant: definition.trials,
            seed: run.shuffleSeed)
        let remaining = plan.remaining(excluding: done)
        let loadgen = try LoadGenerators.make(definition.load, folder: work)
        var outcome = RunOutcome(
            runID: run.id, alreadyComplete: false, resumed: existing != nil, trialsRun: 0,
            trialsFailed: 0, failedVariants: [])
        var trialSeconds: [Double] = []

        do {
            for (offset, planned) in remaining.enumerated() {
                try interrupt.check()
                guard let variant = definition.variants.first(where: { $0.name == planned.variant }),
                    let stored = variants.first(where: { $0.name == planned.variant })
                else { continue }
                let left = remaining.count - offset
                let estimate = trialSeconds.isEmpty ? nil
                    : Date().addingTimeInterval(trialSeconds.reduce(0, +) / Double(trialSeconds.count) * Double(left))
                emit(.trialStarted(planned, position: offset + 1, total: remaining.count, estimatedEnd: estimate))
                let began = ContinuousClock.now
                let record = try runTrial(
                    planned, variant: variant, variantID: stored.id, upstream: upstream,
                    python: python, loadgen: loadgen, work: work)
                try store.recordTrial(record)
                trialSeconds.append((ContinuousClock.now - began).seconds)
                outcome.trialsRun += 1
                emit(.trialFinished(planned, summary(record)))
                if record.status == .failed {
                    outcome.trialsFailed += 1
                    if !outcome.failedVariants.contains(variant.name) { outcome.failedVariants.append(variant.name) }
                    if failFast {
                        try store.setRunStatus(run.id, .failed, finishedAt: Date())
                        return outcome
                    }
                }
                if !upstream.isRunning {
                    throw ReportgenError(
                        .processFailed, "the upstream nginx stopped during the run",
                        hint: "the finished trials are stored; run again to continue",
                        underlying: NginxUpstream.errorLogTail(upstream.folder))
                }
            }
        } catch {
            let status: RunStatus = interrupt.isRequested ? .interrupted : .failed
            try? store.setRunStatus(run.id, status, finishedAt: nil)
            throw error
        }
        try store.setRunStatus(run.id, .complete, finishedAt: Date())
        return outcome
    }

    /// One trial: app server up, warm-up, measured window, teardown. A server that cannot
    /// start or dies is a failed trial (data); an interrupt abandons the trial unstored.
    func runTrial(
        _ planned: PlannedTrial, variant: VariantDefinition, variantID: Int64,
        upstream: NginxUpstream, python: PythonEnvironment, loadgen: any LoadGenerating, work: URL
    ) throws -> TrialRecord {
        let startedAt = Date()
        let loadAverage = MachineProbe.loadAverage()
        // The load average still carries the previous trial's own load for minutes, so it
        // cannot tell a busy machine; the CPU others use right now, with our servers idle,
        // can. Busy: others take at least half the cores (at least one).
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        let othersLoad = MachineProbe.cpuLoad(over: .milliseconds(300)) ?? 0
        let busy = othersLoad >= max(1, cores / 2)
        let memoryAvailable = MachineProbe.meminfo("MemAvailable")
        let label = "trial-\(planned.runOrder)"
        let appLog = work.appendingPathComponent("\(label)-app.log")
        let port = try appPort()
        let launch = AppLaunch.gunicorn(
            variant: variant, port: port, upstreamURL: upstream.url, python: python,
            directory: definition.directory)
        let url = "http://127.0.0.1:\(port)\(definition.load.path)"
        let measuredCommand = loadgen.commandLine(url: url, duration: definition.load.duration, label: label)

        func failed(_ error: ReportgenError, log: String?) -> TrialRecord {
            TrialRecord(
                variantID: variantID, trialIndex: planned.trialIndex, runOrder: planned.runOrder,
                status: .failed, startedAt: startedAt, endedAt: Date(), durationUs: 0, requests: 0,
                bytes: 0, errorsConnect: 0, errorsRead: 0, errorsWrite: 0, errorsStatus: 0,
                errorsTimeout: 0, commandLine: measuredCommand, serverCommandLine: launch.commandLine,
                failure: error.message, logTail: log ?? error.underlying, runnerCPUUs: 0,
                loadAverage: loadAverage, memoryAvailableBytes: memoryAvailable, latency: [],
                generatorPercentiles: [:], resources: [], busy: busy)
        }

        let sampler = ResourceSampler()
        sampler.track("upstream", pid: upstream.process.pid)
        var app: GunicornApp?
        var generator: RunningLoad?
        defer {
            generator?.abandon()
            app?.stop()
        }
        do {
            let server = try GunicornApp(launch: launch, port: port, logFile: appLog)
            app = server
            sampler.track("app", pid: server.process.pid)
            sampler.start()
            defer { _ = sampler.stop() }
            try server.waitUntilReady(path: definition.load.path, timeout: readinessTimeout, interrupt: interrupt)
            emit(.trialPhase(planned, phase: "ready", length: nil))

            if definition.load.warmup > .zero {
                emit(.trialPhase(planned, phase: "warm-up", length: definition.load.warmup))
                let warm = try loadgen.start(url: url, duration: definition.load.warmup, label: "\(label)-warmup")
                generator = warm
                sampler.track("loadgen", pid: warm.process.pid)
                try warm.waitForExit(interrupt: interrupt)
                warm.discard()
                generator = nil
                try checkAlive(server, upstream)
            }

            emit(.trialPhase(planned, phase: "measuring", length: definition.load.duration))
            sampler.markOrigin()
            let measured = try loadgen.start(url: url, duration: definition.load.duration, label: label)
            // reportgen's own CPU time while the generator measures: the sampler and the wait loop.
            let cpuBefore = RunnerUsage.cpuMicroseconds()
            generator = measured
            sampler.track("loadgen", pid: measured.process.pid)
            try measured.waitForExit(interrupt: interrupt)
            let runnerCPU = RunnerUsage.cpuMicroseconds() - cpuBefore
            generator = nil
            let report = try measured.measurement()
            try checkAlive(server, upstream)
            let samples = sampler.stop()
            server.stop()
            app = nil
            return TrialRecord(
                variantID: variantID, trialIndex: planned.trialIndex, runOrder: planned.runOrder,
                status: .ok, startedAt: startedAt, endedAt: Date(), durationUs: report.durationUs,
                requests: report.requests, bytes: report.bytes, errorsConnect: report.errorsConnect,
                errorsRead: report.errorsRead, errorsWrite: report.errorsWrite,
                errorsStatus: report.errorsStatus, errorsTimeout: report.errorsTimeout,
                commandLine: measuredCommand, serverCommandLine: launch.commandLine, failure: nil,
                logTail: nil, runnerCPUUs: runnerCPU, loadAverage: loadAverage,
                memoryAvailableBytes: memoryAvailable, latency: report.latency,
                generatorPercentiles: report.generatorPercentiles, resources: samples, busy: busy,
                requestLog: report.requestLog)
        } catch let error as ReportgenError where error.code == .processFailed && !interrupt.isRequested {
            let log = app?.process.logTail()
            return failed(error, log: log)
        }
    }

    private func checkAlive(_ app: GunicornApp, _ upstream: NginxUpstream) throws {
        if let status = app.process.poll() {
            throw ReportgenError(.processFailed, "the app server \(status) during the trial", underlying: app.process.logTail())
        }
        if !upstream.isRunning {
            throw ReportgenError(.processFailed, "the upstream nginx died during the trial")
        }
    }

    private func variantRecord(_ variant: VariantDefinition) -> NewVariant {
        var config: [String: Any] = [
            "module": variant.module, "worker_class": variant.workerClass, "workers": variant.workers,
            "environment": variant.environment,
            "command_line": AppLaunch.gunicorn(
                variant: variant, port: 0, upstreamURL: "$UPSTREAM_URL",
                python: PythonEnvironment(folder: URL(fileURLWithPath: "$VENV")),
                directory: definition.directory).commandLine.replacingOccurrences(of: "127.0.0.1:0", with: "127.0.0.1:$PORT"),
        ]
        if let threads = variant.threads { config["threads"] = threads }
        let data = (try? JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])) ?? Data("{}".utf8)
        return NewVariant(name: variant.name, position: variant.position, configJSON: String(decoding: data, as: UTF8.self))
    }

    private func summary(_ record: TrialRecord) -> TrialSummary {
        let seconds = Double(record.durationUs) / 1e6
        let errors = record.errorsConnect + record.errorsRead + record.errorsWrite + record.errorsStatus + record.errorsTimeout
        let p50 = record.latency.percentile(50).map { Double($0) / 1000 }
        return TrialSummary(
            status: record.status, requests: record.requests,
            requestsPerSecond: seconds > 0 ? Double(record.requests) / seconds : 0, p50Ms: p50,
            errors: errors, failure: record.failure)
    }
}

/// reportgen's own CPU time, to show the runner stays out of the measurement's way.
enum RunnerUsage {
    static func cpuMicroseconds() -> Int64 {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_utime.microseconds + usage.ru_stime.microseconds
    }
}
