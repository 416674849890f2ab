import ArgumentParser
import Core
import Definition
import Foundation
import Report
import Store

/// `reportgen query`: one SQL query over a stored run's views, printed as a table: where an
/// author tries a question before putting it in the write-up as a `sql` cell.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Ask a stored run a question in SQL, over the views a write-up's sql cells read; measures nothing.",
        discussion: """
            The views (run_trials, run_latency, run_timeline, run_resources, run_cells, \
            run_machine, run_hosts) hold one run: the newest complete run of the experiment, or \
            --run. The query runs as a write-up's does: read-only, the views and nothing else, \
            within its time limit. A refused or failed query exits 65 with SQLite's message.
            """)

    @Argument(help: ArgumentHelp(
        "[EXPERIMENT] SQL: the query (SELECT …, WITH … or VALUES …), after an experiment folder name or path (default: aiohttp-vs-flask).",
        valueName: "experiment-and-query"))
    var words: [String] = []

    /// The experiment, when two words were given.
    private var experiment: ExperimentArgument {
        var argument = ExperimentArgument()
        argument.experiment = words.count == 2 ? words[0] : nil
        return argument
    }

    private var sql: String { words.last ?? "" }

    @Option(name: .customLong("run"), help: "The run to ask (see 'reportgen list'). Default: the newest complete run of the experiment.")
    var runID: Int64?

    @Option(help: ArgumentHelp("Ask a file written by 'reportgen export' (.sqlite or .sqlite.xz) instead of --db; it is only read.", valueName: "file"))
    var from: String?

    @OptionGroup var store: StoreOptions

    @Flag(help: "Count trials whose window did not hold steady (run_trials.counted), as render --include-unsteady.")
    var includeUnsteady = false

    @Flag(help: "Print the result as CSV, every value as SQLite returned it, instead of a table.")
    var csv = false

    @Option(help: ArgumentHelp("Rows printed at most.", valueName: "n"))
    var maxRows: Int = 1_000

    @Option(help: ArgumentHelp("How long the query may run (up to 600s).", valueName: "duration"))
    var timeout: String = "10s"

    func validate() throws {
        guard maxRows > 0 else { throw ValidationError("--max-rows must be at least 1") }
        guard (1...2).contains(words.count) else {
            throw ValidationError("give the query (and before it, optionally, the experiment): reportgen query [EXPERIMENT] \"SELECT …\"")
        }
    }

    func run() throws {
        try reportingErrors {
            guard let limit = DurationSyntax.parse(timeout), limit > .zero, limit <= RunQueries.longestTimeLimit else {
                throw ReportgenError(.badArgument, "--timeout \(timeout) is not a duration up to 600s", hint: "write e.g. --timeout 30s")
            }
            if let from {
                try ResultStore.withSnapshot(of: ProjectFolder.resolve(from), cache: .standard) { snapshot in
                    let results = snapshot.store
                    let id = try runID ?? results.baselineRun(experiment: RenderCommand.experimentName(experiment, in: results, shown: from), file: from)
                    try ask(results, runID: id, limit: limit)
                }
            } else {
                let results = try store.openForReading(hint: "measure first with 'reportgen build', or pass --db or --from")
                let id: Int64
                if let runID {
                    id = runID
                } else if let latest = try results.latestRun(experiment: experiment.name) {
                    id = latest.id
                } else {
                    throw ReportgenError(
                        .badArgument, "the store has no run of \(try experiment.name) to ask", at: SourceLocation(file: store.db),
                        hint: "measure one first: reportgen build \(try experiment.name)")
                }
                try ask(results, runID: id, limit: limit)
            }
        }
    }

    private func ask(_ results: ResultStore, runID: Int64, limit: Duration) throws {
        let data = try results.loadRun(id: runID)
        let queries = try RunQueries(
            path: results.readPath, shown: results.shown, runID: runID,
            verdicts: RunStatistics.verdicts(data, includeUnsteady: includeUnsteady))
        let result: QueryResult
        do {
            result = try queries.query(sql, maxRows: maxRows, timeLimit: limit)
        } catch let refusal as QueryRefusal {
            throw ReportgenError(
                .badDefinition, "the query failed: \(refusal.message)",
                hint: "a query reads the run's views: \(RunViews.names.joined(separator: ", ")) (README, “Asking your own questions”)")
        }
        print(csv ? QueryTable.csv(result) : QueryTable.render(result, format: .text), terminator: "")
    }
}
