extension ResultStore {
    /// Every run, newest first, with its machine's hostname and trial counts: `reportgen list`.
    public func listRuns() throws -> [RunListing] {
        try guarded("list the runs") {
            try database.rows(
                """
                SELECT \(StoredRun.columns), machines.hostname,
                    (SELECT count(*) FROM variants WHERE variants.run_id = runs.id),
                    (SELECT count(*) FROM trials JOIN variants ON variants.id = trials.variant_id
                        WHERE variants.run_id = runs.id AND trials.status = 'ok'),
                    (SELECT count(*) FROM trials JOIN variants ON variants.id = trials.variant_id
                        WHERE variants.run_id = runs.id AND trials.status = 'failed')
                FROM runs JOIN machines ON machines.id = runs.machine_id
                ORDER BY runs.id DESC
                """
            ) { row in
                RunListing(
                    run: try StoredRun(row: row), hostname: try row.requiredString(at: 9),
                    variantCount: row.int(at: 10), trialsOK: row.int(at: 11), trialsFailed: row.int(at: 12))
            }
        }
    }
}
