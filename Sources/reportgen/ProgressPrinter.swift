import Experiments
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Shows a run's progress: a live line on a terminal, plain log lines otherwise.
final class ProgressPrinter: @unchecked Sendable {
    // @unchecked: events arrive on the runner's thread only.
    private let live = isatty(STDOUT_FILENO) == 1
    private let definition: ExperimentDefinition
    private var current = ""

    init(definition: ExperimentDefinition) {
        self.definition = definition
    }

    func handle(_ event: RunEvent) {
        switch event {
        case .note(let text):
            line(text)
        case .trialStarted(let trial, let position, let total, let estimatedEnd):
            let eta = estimatedEnd.map { " · done about \(Timestamps.clock($0))" } ?? ""
            current = "[\(position)/\(total)] \(trial.variant) trial \(trial.trialIndex)/\(definition.trials)\(eta)"
            status(current + " · starting")
        case .trialPhase(_, let phase, let length):
            let time = length.map { " \(Int($0.seconds.rounded())) s" } ?? ""
            status(current + " · \(phase)\(time)")
        case .trialFinished(_, let summary):
            if summary.status == .ok {
                let p50 = summary.p50Ms.map { String(format: ", p50 %.1f ms", $0) } ?? ""
                let rate = String(format: "%.0f", summary.requestsPerSecond)
                line(current + ": \(summary.requests) requests, \(rate) req/s\(p50), \(summary.errors) errors")
            } else {
                line(current + ": FAILED: \(summary.failure ?? "unknown cause")")
            }
        }
    }

    func finish(_ outcome: RunOutcome, store: String) {
        if outcome.alreadyComplete { return }
        var text = "run \(outcome.runID): \(outcome.trialsRun) trials measured, stored in \(store)"
        if outcome.trialsFailed > 0 {
            text += "; \(outcome.trialsFailed) failed (\(outcome.failedVariants.joined(separator: ", ")))"
        }
        line(text)
    }

    private func status(_ text: String) {
        if live {
            print("\r\u{1B}[2K" + text, terminator: "")
            fflush(nil)
        }
    }

    private func line(_ text: String) {
        if live { print("\r\u{1B}[2K", terminator: "") }
        print(text)
        fflush(nil)
    }
}
