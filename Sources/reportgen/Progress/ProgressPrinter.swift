import Core
import Definition
import Foundation
import Runner
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Shows a run's progress. On a terminal: one live line (variant, trial k of N, position in
/// the plan, time left in the window, ETA of the run), redrawn every second. Otherwise:
/// plain log lines, one per event that matters.
final class ProgressPrinter: Sendable {
    private struct Line {
        var prefix = ""
        var phase = "starting"
        var phaseEnd: ContinuousClock.Instant?
        var active = false
    }

    private let live = isatty(STDOUT_FILENO) == 1
    private let trials: Int
    private let precision: PrecisionTarget?
    /// "widest ±23% (flask:1000)" while trials are added, for the live line.
    private let widest = Mutex<String?>(nil)
    private let line = Mutex(Line())
    /// Redraws the live line once a second while a trial runs.
    private let ticker = Mutex<Task<Void, Never>?>(nil)
    /// Held while writing, so the ticker's redraw never splits a log line.
    private let terminal = Mutex(())

    init(definition: ExperimentDefinition) {
        trials = definition.trials
        precision = definition.precision
    }

    func handle(_ event: RunEvent) {
        switch event {
        case .note(let text):
            print(text)
        case .trialStarted(let trial, let position, let total, let estimatedEnd):
            let added = widest.withLock { $0 }
            let what = precision == nil ? "run" : added == nil ? "first \(trials) rounds" : "round"
            let eta = estimatedEnd.map { " · \(what) done about \(Timestamps.clock($0))" } ?? ""
            let of = precision.map { "≤\($0.maxTrials)" } ?? String(trials)
            let prefix = "[\(position)/\(total)] \(trial.cell) trial \(trial.trialIndex)/\(of)\(eta)"
                + (added.map { " · \($0)" } ?? "")
            line.withLock { $0 = Line(prefix: prefix, active: true) }
            if live {
                startTicker()
                redraw()
            }
        case .probeStarted(let trial, let stage, let rate, let position, let total):
            let offered = rate.map { String(format: "%.0f req/s offered", $0) } ?? "closed loop"
            let prefix = "[capacity \(position)/\(total)] \(trial.cell) \(stage.rawValue) probe, \(offered)"
            line.withLock { $0 = Line(prefix: prefix, active: true) }
            if live {
                startTicker()
                redraw()
            }
        case .trialPhase(_, let phase, let length):
            line.withLock {
                $0.phase = phase.rawValue
                $0.phaseEnd = length.map { ContinuousClock.now + $0 }
            }
            if live { redraw() }
        case .trialFinished(_, let summary):
            let prefix = line.withLock { state -> String in
                state.active = false
                return state.prefix
            }
            stopTicker()
            if summary.status == .ok {
                let rate = String(format: "%.0f", summary.requestsPerSecond)
                let p50 = summary.p50Ms.map { String(format: ", p50 %.1f ms", $0) } ?? ""
                let kept = summary.probe?.held.map { $0 ? ", target kept" : ", target missed" } ?? ""
                print(prefix + ": \(summary.requests) requests, \(rate) req/s\(p50), \(summary.errors) errors\(kept)")
            } else {
                print(prefix + ": FAILED: \(summary.failure ?? "unknown cause")")
            }
        case .precision(let progress):
            widest.withLock { $0 = progress.widest.map { "widest \(Self.describe($0))" } }
            print(Self.describe(progress))
        }
    }

    /// "flask:1000 ±23% (3 trials)", "aiohttp ±4% (4 trials, 1 unsteady, not counted)".
    private static func describe(_ standing: VariantPrecision) -> String {
        let interval = standing.precision.map { "±" + PrecisionTarget.percent($0) } ?? "no interval"
        var trials = "\(standing.trials) trial\(standing.trials == 1 ? "" : "s")"
        if standing.unsteadyTrials > 0 { trials += ", \(standing.unsteadyTrials) unsteady, not counted" }
        return "\(standing.cell) \(interval) (\(trials))"
    }

    /// One line on where the variants stand and what happens next.
    private static func describe(_ progress: PrecisionProgress) -> String {
        let goal = "±" + PrecisionTarget.percent(progress.target.target)
        let wide = progress.standings.filter { $0.state != .met }
        let list = { (standings: [VariantPrecision]) in standings.map(describe).joined(separator: ", ") }
        switch progress.stop {
        case .met:
            return "precision: every variant's requests/s is within \(goal)"
        case .exhausted:
            return "precision: stopped adding trials; wider than \(goal): \(list(wide))"
        case .timeBudget:
            return "precision: the time budget leaves no room for another round; wider than \(goal): \(list(wide))"
        case nil:
            var text = "precision: \(wide.count) of \(progress.standings.count) variants wider than \(goal)"
            if let widest = progress.widest { text += " (widest \(describe(widest)))" }
            text += "; a round of \(progress.roundSize) trial\(progress.roundSize == 1 ? "" : "s")"
            if let end = progress.roundEnd { text += " ends about \(Timestamps.clock(end))" }
            if let latest = progress.latestEnd { text += ", all done by \(Timestamps.clock(latest)) at the latest" }
            return text
        }
    }

    func finish(_ outcome: RunOutcome, store: String) {
        line.withLock { $0.active = false }
        stopTicker()
        if outcome.alreadyComplete { return }
        let probes = outcome.probesRun > 0 ? " and \(outcome.probesRun) capacity probes" : ""
        var text = "run \(outcome.runID): \(outcome.trialsRun) trials\(probes) measured, stored in \(store)"
        if outcome.trialsFailed > 0 {
            text += "; \(outcome.trialsFailed) failed (\(outcome.failedVariants.map(\.description).joined(separator: ", ")))"
        } else if !outcome.failedVariants.isEmpty {
            text += "; the run holds failed trials of \(outcome.failedVariants.map(\.description).joined(separator: ", ")) from before"
        }
        print(text)
    }

    /// Prints a line of its own, clearing the live line first.
    private func print(_ text: String) {
        terminal.withLock { _ in
            if live { Swift.print("\r\u{1B}[2K", terminator: "") }
            Swift.print(text)
            fflush(nil)
        }
    }

    private func redraw() {
        let text = line.withLock { state -> String? in
            guard state.active else { return nil }
            var text = state.prefix + " · " + state.phase
            if let end = state.phaseEnd {
                let left = max(0, Int((end - ContinuousClock.now).seconds.rounded(.up)))
                text += " · \(left) s left"
            }
            return text
        }
        guard let text else { return }
        terminal.withLock { _ in
            Swift.print("\r\u{1B}[2K" + text, terminator: "")
            fflush(nil)
        }
    }

    /// Redraws the live line once a second so the countdown moves while the runner waits.
    private func startTicker() {
        ticker.withLock { ticker in
            guard ticker == nil else { return }
            ticker = Task { [self] in
                while (try? await Task.sleep(for: .seconds(1))) != nil {
                    redraw()
                }
            }
        }
    }

    private func stopTicker() {
        ticker.withLock { ticker in
            ticker?.cancel()
            ticker = nil
        }
    }
}
