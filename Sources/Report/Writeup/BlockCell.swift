import Core
import Definition
import Foundation
import Store

/// Renders the block cells of a write-up into Markdown.
struct BlockCell {
    let context: ReportContext
    /// Charts drawn for this report, by cell name (requests, latency, memory, …).
    let charts: [String: ReportChart]
    /// The experiment's published numbers, for the `published` and `claims` cells.
    var baseline: PublishedBaseline? = nil
    /// Every cell a claim may name: the experiment's, then the published table's.
    var knownCells: [CellID] = []
    /// The run's views, for `sql` cells; nil where there is no store to ask.
    var queries: WriteupQueries? = nil

    /// Whether the warm-up was long enough for every variant, and which it was not for: " The
    /// 2 s warm-up was long enough for every variant." or " The 2 s warm-up was too short for
    /// flask:10 (2 of 3 trials) and aiohttp (1 of 3)." Empty when no trial was judged.
    func warmupVerdict() -> String {
        let data = context.data
        var short: [(name: String, count: Int, of: Int)] = []
        var judged = 0
        for variant in data.variants.sorted(by: { $0.position < $1.position }) {
            let verdicts = data.trials(of: variant).compactMap(\.steadiness).filter(\.judged)
            judged += verdicts.count
            let count = verdicts.filter { $0.findings.contains { $0.reason == .shortWarmup } }.count
            if count > 0 { short.append((variant.name, count, verdicts.count)) }
        }
        guard judged > 0 else { return "" }
        let warmup = data.trials.compactMap(\.measurement.timeline).map(\.warmupUs).max().map { InlineValue.seconds(.microseconds($0)) }
        let the = warmup.map { "The \($0) warm-up" } ?? "The warm-up"
        guard !short.isEmpty else { return " \(the) was long enough for every variant." }
        let named = short.enumerated().map { index, entry in
            "\(MarkdownText.escaped(entry.name)) (\(entry.count) of \(entry.of)\(index == 0 ? " trial\(entry.of == 1 ? "" : "s")" : ""))"
        }
        return " \(the) was too short for \(ReportNumber.list(named)): a longer `warmup` would let them settle before the window."
    }

    /// A chart's image, with the cell's body as its caption.
    private func image(_ chart: ReportChart, caption body: [String]) -> String {
        var text = "![\(MarkdownText.escaped(chart.title))](\(chart.fileName).png)"
        let caption = body.joined(separator: " ").trimmingCharacters(in: .whitespaces)
        if !caption.isEmpty { text += "\n\n*\(caption)*" }
        return text
    }

    func render(kind: CellKind, arguments: [String], body: [String], at location: SourceLocation) throws -> String {
        switch kind {
        case .table where arguments == ["capacity"]:
            guard let capacity = context.capacity else {
                return "*This run searched for no capacity: add `capacity = \"p99 <= 100ms\"` and `generator = \"builtin\"` to [load], or run with --capacity, to find each variant's.*"
            }
            return CapacitySection.table(capacity, format: .markdown)
        case .table:
            guard arguments.isEmpty else {
                throw ReportgenError(
                    .badDefinition, "a table cell is the results table, or `table capacity`; found `table \(arguments.joined(separator: " "))`",
                    at: location, hint: "write ```table or ```table capacity")
            }
            let sweep = context.sweep.map { SweepSection.tables($0, format: .markdown) + "\n**Every cell:**\n\n" } ?? ""
            let note = ResultsTable.unsteadyNote(context.statistics).map { "\n*Trials: \($0)*\n" } ?? ""
            return sweep + ResultsTable.render(context.statistics, format: .markdown) + note + "\n"
                + ResourcesTable.render(context.statistics, format: .markdown)
        case .ceilings:
            try noArguments(kind, arguments, location)
            guard let sweep = context.sweep else {
                throw ReportgenError(
                    .badDefinition, "the ceilings cell needs a swept experiment", at: location,
                    hint: "sweep the upstream delay, e.g. delay = [\"0ms\", \"10ms\", \"50ms\"] under [upstream], or remove the cell")
            }
            return SweepSection.ceilings(sweep, cores: context.data.machine.cpuCores)
        case .chart:
            let named = arguments.count == 2 && ReportCharts.isTimeline(arguments[0])
            guard arguments.count == 1 || named, let name = arguments.first else {
                throw ReportgenError(
                    .badDefinition, "a chart cell names one chart (an over-time chart may add one variant)", at: location,
                    hint: "write ```chart requests, or ```chart timeline aiohttp (charts: \(charts.keys.filter { !$0.contains(" ") }.sorted().joined(separator: ", ")))")
            }
            if name == CapacitySection.chartName && charts[name] == nil {
                return "*The knee chart draws a capacity search's probes; this run searched for no capacity (`capacity` under [load], or --capacity).*"
            }
            if name == ReportCharts.throughputName && charts[name] == nil {
                return "*Throughput over time needs every request's time, which only the built-in generator keeps (`generator = \"builtin\"`); this run used \(context.generatorName).*"
            }
            if ReportCharts.isTimeline(name) && charts[name] == nil {
                return "*Over-time charts need the trials' timelines; this run's trials were stored before reportgen kept them. Measure again to draw them.*"
            }
            if named {
                let variants = context.data.variants.map(\.cell.variant).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
                guard let chart = charts[arguments.joined(separator: " ")] else {
                    throw ReportgenError(
                        .badDefinition, "no variant of this run is named '\(arguments[1])'", at: location,
                        hint: "name one of: \(variants.joined(separator: ", "))")
                }
                return image(chart, caption: body)
            }
            guard let chart = charts[name] else {
                throw ReportgenError(
                    .badDefinition, "unknown chart '\(name)'", at: location,
                    hint: "charts: \(Set(charts.keys + [ReportCharts.throughputName]).sorted().joined(separator: ", "))")
            }
            return image(chart, caption: body)
        case .environment:
            try noArguments(kind, arguments, location)
            return environment()
        case .method:
            try noArguments(kind, arguments, location)
            return try method(seed: body, at: location)
        case .failures:
            try noArguments(kind, arguments, location)
            return failures()
        case .unsteady:
            try noArguments(kind, arguments, location)
            return unsteadyTrials()
        case .published:
            try noArguments(kind, arguments, location)
            guard let baseline else {
                throw ReportgenError(
                    .badDefinition, "the published cell needs the numbers someone published", at: location,
                    hint: "put them in \(DisplayPath.of(context.definition.directory))/baseline/NAME.csv (columns: \(PublishedCSV.columns.joined(separator: ","))), or remove the cell")
            }
            return PublishedSection.markdown(baseline, context.statistics, window: context.definition.load.duration)
        case .claims:
            try noArguments(kind, arguments, location)
            let claims = try Claim.parse(body, known: knownCells, file: location.file, firstLine: (location.line ?? 0) + 1)
            guard !claims.isEmpty else {
                throw ReportgenError(.badDefinition, "the claims cell holds no claim", at: location, hint: Claim.grammar)
            }
            var sources = baseline.map { [ClaimSource.published($0)] } ?? []
            sources.append(.run(context.statistics, name: "this run", maxErrorRate: context.data.maxErrorRate))
            return ClaimCheck.markdown(claims, sources: sources)
        case .sql:
            let cell = try SQLCell(arguments: arguments, body: body, at: location)
            guard let queries else {
                throw ReportgenError(.badDefinition, "sql cells need the run's store, and this render has none", at: location, hint: SQLCell.viewsHint)
            }
            guard cell.chart != nil else { return try cell.table(queries) }
            guard let chart = charts[SQLCell.chartKey(location)] else {
                throw ReportgenError(.badDefinition, "the sql cell's chart was not drawn", at: location, hint: SQLCell.viewsHint)
            }
            return image(chart, caption: cell.title.map { [MarkdownText.escaped($0)] } ?? [])
        }
    }

    private func noArguments(_ kind: CellKind, _ arguments: [String], _ location: SourceLocation) throws {
        guard arguments.isEmpty else {
            throw ReportgenError(.badDefinition, "the \(kind.rawValue) cell takes no arguments, found '\(arguments.joined(separator: " "))'", at: location)
        }
    }

    private func environment() -> String {
        let machine = context.data.machine
        let software = context.software
        var rows: [[String]] = [
            ["CPU", machine.cpuModel],
            ["cores", "\(machine.cpuCores)"],
            ["memory", ReportNumber.gibibytes(machine.memoryBytes)],
            ["kernel", machine.kernel],
            ["OS", machine.os],
            ["CPU frequency governor", machine.cpuGovernor ?? "not readable"],
            ["Python", software.python ?? (usesPython ? "unknown" : "not used")],
            ["nginx", software.nginx ?? "unknown"],
            ["wrk", software.wrk ?? "unknown"],
            ["load generator", "\(context.generatorName), \(context.loopModel)"],
            ["gunicorn", software.gunicorn ?? (usesPython ? "unknown" : "not used")],
        ]
        for (program, version) in (software.programs ?? [:]).sorted(by: { $0.key < $1.key }) {
            rows.append([program, version])
        }
        for name in [
            "aiohttp", "uvloop", "Flask", "requests", "gevent", "greenlet", "meinheld", "starlette", "uvicorn",
            "httptools", "httpx",
        ] {
            if let version = context.package(name) { rows.append([name, version]) }
        }
        rows.append(["reportgen", context.data.toolVersion + (context.data.projectCommit.map { " (commit \($0.prefix(12)))" } ?? "")])
        var table = ResultsTable.grid(header: ["", "this run"], rows: rows, rightAligned: [], format: .markdown)
        if let hosts = PlacementSection.machineColumns(
            context.data.hosts, generator: context.generatorName, gibibytes: ReportNumber.gibibytes) {
            // Roles on several machines: the machines side by side, then the software, which
            // each role's host reported.
            table = ResultsTable.grid(header: hosts.header, rows: hosts.rows, rightAligned: [], format: .markdown)
                + "\n\n" + ResultsTable.grid(header: ["", "software"], rows: Array(rows.dropFirst(6)), rightAligned: [], format: .markdown)
        }
        let packages = software.pipFreeze.count
        return table + "\n\nThe run's store keeps the full `pip freeze` (\(packages) packages) in `runs.software_json`."
    }

    /// The run's temporary folder: where its nginx was told to live (`-p FOLDER/nginx`).
    static func workFolder(upstreamCommandLine: String) -> String? {
        let words = upstreamCommandLine.split(separator: " ")
        guard let flag = words.firstIndex(of: "-p"), flag + 1 < words.count else { return nil }
        let folder = URL(fileURLWithPath: String(words[flag + 1])).deletingLastPathComponent().path
        return folder.count > 1 ? folder : nil
    }

    /// How the warm-up ran and how a window counts its requests: in the same generator run
    /// as the window (the edges stated), or as a run of its own (wrk, and runs before).
    static func warmupMethod(load: LoadSettings, trials: [StoredTrial]) -> String {
        let measured = trials.filter { $0.status == .ok }
        let continuous = measured.compactMap { trial in trial.measurement.timeline.flatMap { $0.warmupUs > 0 ? $0 : nil } }
        let window = InlineValue.seconds(load.duration)
        let separate = "Before each measured window of \(window) the app gets a discarded warm-up of \(InlineValue.seconds(load.warmup)) under the same load."
        guard !continuous.isEmpty else {
            return load.warmup > .zero ? separate : "Each measured window of \(window) starts with the load: there is no warm-up."
        }
        var text = "Each trial is one run of the load generator: \(InlineValue.seconds(.microseconds(continuous[0].warmupUs))) of warm-up on the same connections, then the measured window of \(window). A request counts where it completed: one sent in the warm-up and answered in the window counts in the window, with its whole latency; one still waiting when the window closes does not count."
        let starts = continuous.compactMap(\.inFlightAtStart)
        let ends = continuous.compactMap(\.inFlightAtEnd)
        if !starts.isEmpty, !ends.isEmpty {
            let mean = { (values: [Int64]) in Double(values.reduce(0, +)) / Double(values.count) }
            let requests = continuous.count == measured.count
                ? Double(measured.map(\.measurement.requests).reduce(0, +)) / Double(measured.count) : nil
            let share = requests.map { max($0, 1) }.map { " (\(ReportNumber.decimal(abs(mean(starts) - mean(ends)) / $0 * 100, places: 2, grouped: false))% of a window's requests)" } ?? ""
            text += " On average \(ReportNumber.decimal(mean(starts), places: 1, grouped: true)) requests per trial were in flight as the window opened and \(ReportNumber.decimal(mean(ends), places: 1, grouped: true)) as it closed: the edges move the count by their difference\(share)."
        }
        if continuous.count < measured.count {
            text += " \(measured.count - continuous.count) of the \(measured.count) trials ran the warm-up as a generator run of its own (stored before reportgen ran both as one): requests it leaves queued in a server slower than its load are served at the start of their window."
        }
        return text
    }

    /// Whether any variant of the run ran Python (gunicorn, or a command with `{python}`).
    private var usesPython: Bool {
        context.software.python != nil || !context.software.pipFreeze.isEmpty
            || context.data.variants.contains { $0.config.server != AppServerKind.command.rawValue }
    }

    private func method(seed: [String], at location: SourceLocation) throws -> String {
        let definition = context.definition
        let load = definition.load
        var lines: [String] = []
        let trials = context.data.trials
        let delays = definition.upstreamDelays.filter { $0 > .zero }.map { SweepLevel.delay($0).label }
        let upstreamDelay = delays.isEmpty ? "" : " It holds each response for \(delays.joined(separator: ", ")) on a timer (the echo module's `echo_sleep`, which uses no CPU while it waits) before sending the page; each delay has its own path, so nginx never restarts between cells."
        let plan = "\(definition.planSummary) × \(definition.trials) trial\(definition.trials == 1 ? "" : "s"), interleaved in rounds (every \(definition.isSweep ? "cell" : "variant")'s trial k before any trial k + 1), each round shuffled with seed \(context.data.run.shuffleSeed)."
        lines.append("**Trial plan.** " + plan + " " + Self.warmupMethod(load: load, trials: trials) + " One nginx serves every variant's upstream request for the whole run." + upstreamDelay)
        lines.append("")
        if let capacity = context.capacity {
            lines.append(CapacitySection.method(capacity, definition: definition))
            lines.append("")
        }
        // Runs stored before command servers show their command lines as they ran; newer ones
        // write the run's temporary folder as {work}, so the section reads alike everywhere.
        let placeholders = !context.data.variants.allSatisfy { $0.config.server == nil }
        let work = placeholders ? Self.workFolder(upstreamCommandLine: context.data.upstreamCommandLine) : nil
        func shown(_ line: String) -> String {
            work.map { line.replacingOccurrences(of: $0, with: "{work}") } ?? line
        }
        lines.append("**Upstream.**")
        lines.append("")
        // Command lines come from the store: each block's fence is longer than any run of
        // backticks in them, so none can end it early.
        lines.append(MarkdownText.codeBlock(shown(context.data.upstreamCommandLine)))
        lines.append("")
        var servers: [String] = []
        if !placeholders {
            // Runs stored before command servers keep the command lines their trials ran.
            lines.append("**App servers** (gunicorn in its own process group on a free loopback port; ready when \(MarkdownText.codeSpan(load.path)) answers 200):")
            for variant in context.data.variants {
                let mine = trials.filter { $0.key.variantID == variant.id }
                if let first = mine.first(where: { $0.status == .ok }) ?? mine.first { servers.append(first.commands.server) }
            }
        } else {
            lines.append("**App servers**, each in its own process group on a free loopback port, started from the experiment's folder and ready when its route (\(MarkdownText.codeSpan(load.path)) unless the variant names another) answers 200. `{host}`, `{port}`, `{upstream_url}`, `{venv}`, `{dir}` and `{work}` (the run's temporary folder) stand for what they were on the machine that ran it:")
            for variant in context.data.variants {
                servers.append("# \(variant.name)")
                servers.append(variant.config.commandLine ?? "not recorded")
            }
        }
        lines.append("")
        lines.append(MarkdownText.codeBlock(servers.joined(separator: "\n")))
        lines.append("")
        if let load = (trials.first(where: { $0.status == .ok }) ?? trials.first)?.commands.load {
            let continuous = trials.contains { ($0.measurement.timeline?.warmupUs ?? 0) > 0 }
            lines.append(continuous
                ? "**Load** (one run per trial: the warm-up, then the measured window):"
                : "**Load** (the measured window; the warm-up runs the same command with a shorter duration):")
            lines.append("")
            // The URL's port is the trial's own app server's.
            // The built-in generator runs as this machine's reportgen binary: its path says
            // nothing to a reader (the version is in the environment table).
            let command = load.replacing(#/^\S*/reportgen (?=load )/#, with: "reportgen ")
            lines.append(MarkdownText.codeBlock(placeholders ? shown(command).replacing(#/http://[^/ ]+:\d+\//#, with: "http://{host}:{port}/") : command))
            lines.append("")
        }
        if let placement = PlacementSection.paragraph(context.data.hosts, generator: context.generatorName) {
            lines.append(placement)
            lines.append("")
        }
        lines.append("**Latency.** Percentiles are nearest-rank over the raw distribution of all of a variant's trials merged: p is the smallest latency L such that at least ⌈p/100 · N⌉ of the N measured requests took L or less. " + latencySource(load))
        lines.append("")
        if context.data.trials.contains(where: { $0.measurement.timeline != nil }) {
            lines.append("**Steadiness.** Each trial's window is judged from its timeline (answers per \(InlineValue.seconds(.microseconds(context.data.trials.compactMap(\.measurement.timeline).first?.intervalUs ?? 1_000_000))) interval, whole intervals only): a *stall* is an interval without an answer; an *error burst* an interval in which more than 5% of requests failed, over 5 times the rest of the window's share; the *warm-up was too short* when the window's first 2 s ran more than 20% off the rest's median rate, and farther than 3 times the rest's own spread; a *trend* is a Mann–Kendall test (two-sided, p < 0.01, ties corrected) on the rest whose Theil–Sen slope moves the rate by more than 10% across the window. " + (context.definition.includeUnsteady ? "Unsteady trials are counted (`include_unsteady = true`) and listed." : "Unsteady trials are listed and left out of the numbers unless every trial of their variant was unsteady.") + warmupVerdict())
            lines.append("")
        }
        lines.append("**Intervals.** Requests and requests/s come with a 95% interval across trials: a Student-t interval (exact critical values) on the logarithm of each trial's figure, taken back. A count is a ratio scale, so the interval is centred on the geometric mean, widens upwards, and cannot go below zero; with three trials it is wide, as it should be. A variant whose trials' requests/s differ by more than \(ReportNumber.decimal(RunStatistics.disagreement * 100, places: 0, grouped: false))% of their mean (the coefficient of variation, `requests_per_s_cv` in results.csv) is flagged at the top.")
        lines.append("")
        lines.append(Self.trialsParagraph(context))
        if let limit = context.data.maxErrorRate {
            lines.append("")
            lines.append("**Errors.** A trial in which more than \(ReportNumber.decimal(limit * 100, places: 2, grouped: true))% of requests failed (non-2xx answers, connect, read or write errors; a timeout is a slow answer, not an error), or in which no request was answered at all, counts as failed: it is stored with its numbers, and left out of every figure here.")
        }
        if !seed.filter({ !$0.trimmingCharacters(in: .whitespaces).isEmpty }).isEmpty {
            lines.append("")
            lines.append(try deviations(seed: seed, at: location))
        }
        return lines.joined(separator: "\n")
    }

    /// How many trials each variant had and why: a fixed number, or added until its
    /// requests/s was known to the run's target, with the precision each reached.
    private static func trialsParagraph(_ context: ReportContext) -> String {
        let percent = { (share: Double) in ReportNumber.decimal(share * 100, places: 1, grouped: false) + "%" }
        let reached = context.statistics.map { s in
            let precision = s.precision.reached.map { "±" + percent($0) } ?? "no interval"
            return "\(MarkdownText.escaped(s.name)) \(precision) in \(s.trialsOK) trial\(s.trialsOK == 1 ? "" : "s")"
        }.joined(separator: ", ")
        guard let target = context.data.precision else {
            return "**Trials.** Every variant had \(context.definition.trials) interleaved trial\(context.definition.trials == 1 ? "" : "s"), a fixed number; the 95% interval of requests/s reached (half its width over the mean): \(reached)."
        }
        var text = "**Trials.** Trials were added until the answer was clear: after \(context.definition.trials) interleaved rounds, a round at a time, every variant whose 95% interval of requests/s was wider than ±\(PrecisionTarget.percent(target.target)) of its mean got one more trial, up to \(target.maxTrials) trials"
        if let budget = target.timeBudget {
            let minutes = budget.seconds / 60
            let length = minutes == minutes.rounded() && minutes >= 1 ? "\(Int(minutes)) minutes" : InlineValue.seconds(budget)
            text += ", and no round started that would have taken the run's trials past \(length)"
        }
        text += ". A variant that failed as many trials as it passed got no more. Reached: \(reached)."
        let short = context.statistics.filter { ($0.precision.reached ?? .infinity) > target.target && !$0.isFailed }
        if !short.isEmpty {
            text += " **Short of the target:** " + short.map { MarkdownText.escaped($0.name) }.joined(separator: ", ") + "; read differences involving them with their intervals."
        }
        return text
    }

    /// Where the latency distribution comes from, by generator and loop model.
    private func latencySource(_ load: LoadSettings) -> String {
        guard load.generator.keepsEveryRequest else {
            return "wrk adds synthetic samples for coordinated omission before handing its histogram over; reportgen removes them exactly, so the table describes requests that were really made. wrk's own corrected percentiles are kept in the store (`generator_percentiles`)."
        }
        let kept = "The built-in generator keeps every request (the store's `requests` table: due time, latency, status, bytes, connection) and the distribution is built from all of them; a request that timed out or failed counts with the time it took to give up, so N is every request sent."
        guard let rate = load.rate else {
            return kept + " It ran a closed loop, as wrk does: each connection sends its next request when the last response ends, so a server that stalls also stops new requests being sent, and the stall shows in few samples (coordinated omission). An open loop (`rate`) would show it."
        }
        return kept + " It ran an open loop at \(ReportNumber.count(rate)) requests/s over all connections: each request has a scheduled send time and its latency counts from that time, as in wrk2, so every request a stall delayed carries the delay."
    }

    /// "setting | original | this run" from the cell body's `setting: original value` lines.
    private func deviations(seed: [String], at location: SourceLocation) throws -> String {
        let definition = context.definition
        let load = definition.load
        let firstVariant = definition.variants.first
        let known: [String: String] = [
            "python": context.software.python?.replacingOccurrences(of: "Python ", with: "") ?? "unknown",
            "trials": "\(definition.trials) per variant, interleaved",
            "warm-up": load.warmup > .zero ? InlineValue.seconds(load.warmup) + ", discarded" : "none",
            "duration": InlineValue.seconds(load.duration),
            "connections": "\(load.connections)",
            "load threads": "\(load.threads)",
            "timeout": InlineValue.seconds(load.timeout),
            "workers": firstVariant.map { "\($0.workers)" } ?? "—",
            "upstream": "nginx \(context.software.nginx ?? "") on loopback, one per run",
            "machine": "\(context.data.machine.cpuModel), \(context.data.machine.cpuCores) cores",
        ]
        var rows: [[String]] = []
        for (offset, line) in seed.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else {
                throw ReportgenError(
                    .badDefinition, "a method cell line must read 'setting: original value'",
                    at: SourceLocation(file: location.file, line: (location.line ?? 0) + offset + 1),
                    hint: "settings: \(known.keys.sorted().joined(separator: ", "))")
            }
            guard let ours = known[parts[0]] else {
                throw ReportgenError(
                    .badDefinition, "unknown setting '\(parts[0])' in the method cell",
                    at: SourceLocation(file: location.file, line: (location.line ?? 0) + offset + 1),
                    hint: "settings: \(known.keys.sorted().joined(separator: ", "))")
            }
            rows.append([parts[0], parts[1], ours])
        }
        return "How this run differs from the original:\n\n" + ResultsTable.grid(header: ["setting", "original", "this run"], rows: rows, rightAligned: [], format: .markdown)
    }

    /// Every ok trial whose window did not hold steady, with each reason and when; whether
    /// the numbers count them.
    private func unsteadyTrials() -> String {
        let judged = context.data.trials.compactMap { trial in trial.steadiness.map { (trial, $0) } }
        guard !judged.isEmpty else {
            return "*Steadiness is judged from each trial's timeline, which this run's trials do not have (stored before reportgen kept one).*"
        }
        let unsteady = judged.filter { !$0.1.isSteady }
        guard !unsteady.isEmpty else { return "Every trial's window held steady (\(judged.count) trials judged)." }
        let leftOut = context.statistics.reduce(0) { $0 + $1.unsteadyLeftOut }
        var lines = ["\(unsteady.count) of the \(judged.count) trials judged did not hold steady. "
            + (leftOut == unsteady.count
                ? "They are left out of every number above (`include_unsteady = true` in the definition, or `render --include-unsteady`, counts them)."
                : leftOut == 0
                    ? "They are counted, as the definition asks (`include_unsteady = true`) or because every trial of their variant was unsteady."
                    : "\(leftOut) of them are left out of the numbers; the rest are counted because every trial of their variant was unsteady."),
            ""]
        for (trial, verdict) in unsteady {
            let name = context.data.variants.first { $0.id == trial.key.variantID }?.name ?? "?"
            lines.append("- **\(MarkdownText.escaped(name))**, trial \(trial.key.trialIndex): \(MarkdownText.escaped(verdict.summary ?? "unsteady"))")
        }
        return lines.joined(separator: "\n")
    }

    private func failures() -> String {
        let failed = context.data.trials.filter { $0.status == .failed }
        guard !failed.isEmpty else { return "No trial failed." }
        var lines: [String] = []
        for trial in failed {
            let name = context.data.variants.first { $0.id == trial.key.variantID }?.name ?? "?"
            lines.append("- **\(MarkdownText.escaped(name))**, trial \(trial.key.trialIndex): \(MarkdownText.escaped(trial.failure ?? "unknown cause"))")
        }
        return lines.joined(separator: "\n")
    }
}
