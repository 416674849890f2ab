import Core
import Definition
import Foundation
import Hosts
import Store
import Supervision

#if canImport(Glibc)
import Glibc
#endif

/// One trial from start to teardown: the app server up and ready, the warm-up, the measured
/// window, and every process it started stopped again. A server that cannot start or dies
/// is a failed trial (data to store); a cancelled trial throws and leaves nothing behind.
struct TrialExecutor: Sendable {
    let definition: ExperimentDefinition
    let session: RunSession
    let options: RunnerOptions
    let emit: @Sendable (RunEvent) -> Void

    /// Runs one trial of `variant`, or with `probe` one probe of its capacity search: the
    /// window is the probe's, after a warm-up of at most as long, at the probe's rate (closed
    /// loop for the start), and the record says whether it kept the target.
    func run(_ planned: PlannedTrial, variant: VariantDefinition, key: TrialKey, probe: CapacityProbeLoad? = nil) async throws -> TrialRecord {
        var record = try await measure(planned, variant: variant, key: key, probe: probe)
        if let probe {
            var held: Bool?
            // The closed-loop start only gives a starting rate: it is not judged.
            if record.status == .ok, probe.stage != .start, let target = definition.load.capacity,
                let latency = record.measurement.latency.percentile(target.percentile)
            {
                held = target.holds(latencyUs: latency, errorShare: record.measurement.errorShare)
            }
            record.probe = ProbeRole(stage: probe.stage, offeredRPS: probe.rate, held: held)
        }
        return record
    }

    private func measure(_ planned: PlannedTrial, variant: VariantDefinition, key: TrialKey, probe: CapacityProbeLoad?) async throws -> TrialRecord {
        let clock = options.clock
        var load = definition.load(for: variant)
        var loadgen = session.loadgen(for: load)
        if let probe {
            load.rate = probe.rate
            load.duration = load.probe
            load.warmup = min(load.warmup, load.probe)
            loadgen = try await session.makeLoadgen(load, options: options, cpus: definition.placement[.loadgen].cpus)
        }
        let upstream = session.upstream
        let upstreamURL = upstream.url(delay: definition.upstreamDelay(for: variant))
        let startedAt = Date()
        var conditions = HostConditions(
            loadAverage: MachineProbe.loadAverage(), memoryAvailableBytes: MachineProbe.meminfo("MemAvailable"))
        let label = "trial-\(planned.runOrder)"
        try await session.reconnect()
        let appHost = session.appHost
        let port = try await options.appPort(appHost)
        let launch = AppLaunch.make(
            variant: variant,
            values: .trial(
                host: appHost.address, port: port, upstreamURL: upstreamURL, python: session.python,
                directory: appHost.experimentFolder),
            directory: appHost.experimentFolder)
        let url = HostPort.url(appHost.address, port, path: load.path)
        // One run holds the warm-up and the window when the generator can: nothing the
        // warm-up sent is then abandoned in the server's queue ahead of the window's requests.
        let inlineWarmup = loadgen.runsWarmupInline && !options.separateWarmup ? load.warmup : .zero
        let commands = TrialCommands(
            load: loadgen.commandLine(url: url, warmup: inlineWarmup, duration: load.duration, label: label),
            server: launch.commandLine(pinnedTo: definition.placement[.app].cpus))

        let sampler = ResourceSampler()
        sampler.track(.upstream, process: upstream.process)
        // What the rest of the machine does while the app starts tells whether it is busy.
        let idle = MachineLoad.read(ours: [upstream.process.pid])
        var app: AppServer?
        do {
            let server = try await AppServer.start(
                launch: launch, port: port, logFile: appHost.workFolder.appendingPathComponent("\(label)-app.log"),
                host: appHost, cpus: definition.placement[.app].cpus)
            app = server
            sampler.track(.app, process: server.process)
            sampler.start(clock: clock)
            try await server.waitUntilReady(
                path: variant.readyPath ?? load.path, timeout: variant.readyTimeout ?? options.readinessTimeout, clock: clock)
            if let idle, let ready = MachineLoad.read(ours: [upstream.process.pid, server.process.pid]),
                let others = ready.othersCores(since: idle)
            {
                conditions.busy = MachineLoad.isBusy(othersCores: others)
            }
            emit(.trialPhase(planned, .ready, length: nil))

            if load.warmup > .zero && inlineWarmup == .zero {
                emit(.trialPhase(planned, .warmUp, length: load.warmup))
                let warm = try await loadgen.start(url: url, duration: load.warmup, label: "\(label)-warmup")
                sampler.track(.loadgen, process: warm.process)
                try await warm.waitForExit(clock: clock)
                await warm.discard()
                try await checkAlive(server)
            }

            if inlineWarmup > .zero { emit(.trialPhase(planned, .warmUp, length: inlineWarmup)) }
            let measured = try await loadgen.start(url: url, warmup: inlineWarmup, duration: load.duration, label: label)
            sampler.track(.loadgen, process: measured.process)
            // The window's edges on the runner's clock, for the resource samples: the
            // generator's own edges decide what its window counts.
            let timedWindow = loadgen.runsWarmupInline && !options.separateWarmup
            let cpuBefore: Int64
            do {
                if inlineWarmup > .zero { try await clock.sleep(for: inlineWarmup) }
                emit(.trialPhase(planned, .measuring, length: load.duration))
                // reportgen's own CPU time while the generator measures: the sampler and the waits.
                cpuBefore = RunnerUsage.cpuMicroseconds()
                sampler.markWindowStart()
                if timedWindow { try await clock.sleep(for: load.duration) }
            } catch {
                await measured.abandon()
                throw error
            }
            if timedWindow { sampler.markWindowEnd() }
            try await measured.waitForExit(clock: clock)
            if !timedWindow { sampler.markWindowEnd() }
            conditions.runnerCPUUs = RunnerUsage.cpuMicroseconds() - cpuBefore
            try await checkAlive(server)
            // The window is over and nothing the app does any more is measured: reading the
            // generator's results, the last resource readings and the app's stop (no grace)
            // go at once, each a round trip to its host when it is remote.
            async let reading = measured.measurement()
            async let sampled = sampler.finish()
            async let stopped = server.stop(grace: .zero)
            let (measurement, resources, _) = try await (reading, sampled, stopped)
            // Mostly errors is no measurement of serving: kept as data, but not counted.
            var outcome = TrialOutcome.ok
            if let problem = measurement.errorProblem(limit: load.maxErrorRate) {
                outcome = .failed(reason: problem, log: await server.process.recentOutput())
            }
            return TrialRecord(
                key: key, startedAt: startedAt, endedAt: Date(), outcome: outcome, measurement: measurement,
                conditions: conditions, commands: commands, resources: resources)
        } catch let error as ReportgenError where error.code == .processFailed && !Task.isCancelled {
            let log = await app?.process.recentOutput() ?? error.output
            _ = await sampler.finish()
            await app?.stop()
            return TrialRecord(
                key: key, startedAt: startedAt, endedAt: Date(), outcome: .failed(reason: error.message, log: log),
                measurement: .none, conditions: conditions, commands: commands)
        } catch {
            _ = await sampler.finish()
            await app?.stop()
            throw error
        }
    }

    private func checkAlive(_ app: AppServer) async throws {
        if let end = app.process.endDescription {
            throw ReportgenError(
                .processFailed, "the app server \(end) during the trial", output: await app.process.recentOutput())
        }
        if !session.upstream.isRunning {
            throw ReportgenError(
                .processFailed, "the upstream nginx died during the trial", output: await session.upstream.process.recentOutput())
        }
    }
}

/// What a capacity probe asks of the generator: its stage, and its rate (nil: closed loop).
struct CapacityProbeLoad: Sendable {
    var stage: ProbeRole.Stage
    var rate: Double?
}

/// reportgen's own CPU time, to show the runner stays out of the measurement's way.
enum RunnerUsage {
    static func cpuMicroseconds() -> Int64 {
        ProcessTable.ownCPUMicroseconds()
    }
}
