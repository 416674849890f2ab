import Core

extension ResultStore {
    /// The run of `experiment` a results file stands for when it is a comparison's baseline:
    /// its only run, or its newest complete measured one. `file` names it in the error.
    public func baselineRun(experiment: String, file: String) throws -> Int64 {
        let runs = try listRuns()
        if runs.count == 1, let only = runs.first { return only.run.id }
        if let latest = try latestRun(experiment: experiment), latest.status == .complete { return latest.id }
        throw ReportgenError(
            .badArgument, "the file holds \(runs.count) runs and no complete measured run of \(experiment)",
            at: SourceLocation(file: file), hint: "export the one run to compare: reportgen export RUN -o FILE.sqlite")
    }

    /// The newest (by start time) complete measured run of `experiment` other than the run
    /// whose identity is `uid`: what a comparison compares with its baseline by default.
    public func newestMeasuredRun(experiment: String, excluding uid: String?) throws -> StoredRun? {
        var newest: StoredRun?
        for listing in try listRuns()
        where listing.run.experiment == experiment && listing.run.status == .complete && listing.run.kind == .measured {
            let run = listing.run
            if let uid, try self.uid(ofRun: run.id) == uid { continue }
            if newest.map({ run.startedAt > $0.startedAt }) ?? true { newest = run }
        }
        return newest
    }
}
