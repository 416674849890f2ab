import Core

extension ResultStore {
    /// Every run, newest first, with its machine's hostname and trial counts (capacity probes
    /// are not trials the statistics count, and are left out): `reportgen list`.
    public func listRuns() throws -> [RunListing] {
        try guarded("list the runs") {
            try database.rows(
                """
                SELECT \(StoredRun.columns), machines.hostname AS hostname,
                    (SELECT count(*) FROM variants WHERE variants.run_id = runs.id) AS variant_count,
                    (SELECT count(*) FROM trials JOIN variants ON variants.id = trials.variant_id
                        WHERE variants.run_id = runs.id AND trials.status = '\(TrialStatus.ok.rawValue)'
                            AND trials.id NOT IN (SELECT trial_id FROM capacity_probes)) AS trials_ok,
                    (SELECT count(*) FROM trials JOIN variants ON variants.id = trials.variant_id
                        WHERE variants.run_id = runs.id AND trials.status = '\(TrialStatus.failed.rawValue)'
                            AND trials.id NOT IN (SELECT trial_id FROM capacity_probes)) AS trials_failed
                FROM runs JOIN machines ON machines.id = runs.machine_id
                ORDER BY runs.id DESC
                """
            ) { row in
                RunListing(
                    run: try StoredRun(row: row), hostname: try row.requiredString("hostname"),
                    variantCount: try row.int("variant_count"), trialsOK: try row.int("trials_ok"),
                    trialsFailed: try row.int("trials_failed"))
            }
        }
    }
}
