import Core
import Definition
import Foundation
import Store

/// The files a rendered report consists of.
public struct ReportFiles: Sendable {
    public var folder: URL
    /// report.md, or a site bundle's index.md.
    public var markdown: URL
    /// Written in the standard format only.
    public var pdf: URL?
    public var html: URL?
    public var csv: URL
    public var json: URL
    /// timeline.csv, when a trial of the run has a timeline.
    public var timeline: URL?
    public var charts: [ChartFiles]
    /// provenance.json, and what it says.
    public var provenanceFile: URL?
    public var provenance: Provenance?
    /// Wall time of each step of the render, in order: what `render --timings` prints.
    public var timings: [(step: String, time: Duration)] = []
}

/// Renders a stored run into `output/<experiment>/`: report.md (with its charts beside it),
/// report.html (one self-contained page), report.pdf, results.csv and results.json; or, as a
/// static-site bundle, index.md with front matter. It only reads: the store, the stored
/// definition (parsed once) and the experiment's write-up and published baseline.
public enum ReportBuilder {
    /// Renders run `runID` (default: the newest run of `experiment`, complete ones first).
    public static func render(
        store: ResultStore, runID: Int64?, experiment: ExperimentDefinition, outputRoot: URL,
        format: ReportFormat = .standard
    ) throws -> ReportFiles {
        let id: Int64
        if let runID {
            id = runID
        } else if let latest = try store.latestRun(experiment: experiment.name) {
            id = latest.id
        } else {
            throw ReportgenError(
                .badArgument, "the store has no run of \(experiment.name) to render",
                at: SourceLocation(file: store.path.path), hint: "measure one first: reportgen build \(experiment.name)")
        }
        // The run's content digest names the data in the footer and in provenance.json; it
        // reads the run on a connection of its own while the statistics are made.
        let storePath = store.readPath
        let digest = Background { try ResultStore.digest(ofRun: id, storeAt: storePath) }
        let clock = ContinuousClock()
        var timings: [(step: String, time: Duration)] = []
        var stepStart = clock.now
        func lap(_ step: String) {
            let now = clock.now
            timings.append((step, now - stepStart))
            stepStart = now
        }
        let data = try store.loadRun(id: id)
        lap("read the run (SQLite)")
        guard data.kind == .measured else {
            throw ReportgenError(
                .badArgument, "run \(id) is a \(data.kind.rawValue) table, not a measured run",
                at: SourceLocation(file: store.path.path), hint: "render a measured run; 'reportgen list' shows them")
        }
        let context = try makeContext(data: data, experiment: experiment)
        lap("statistics (merge samples, percentiles)")
        // The experiment folder's table, or, rendering away from it, the one stored with the runs.
        let baseline = try PublishedBaseline.read(for: experiment) ?? PublishedBaseline.stored(in: store, experiment: experiment.name)
        let (template, writeupSHA256) = try template(for: experiment, data: data, baseline: baseline)
        // `chart timeline VARIANT` cells draw that variant's over-time charts on their own.
        let timelineVariants = template.parts.compactMap { part -> String? in
            guard case .cell(.chart, let arguments, _, _) = part, arguments.count == 2, ReportCharts.isTimeline(arguments[0]) else { return nil }
            return arguments[1]
        }
        // The write-up's own questions, on a read-only connection of their own; its charts
        // are drawn with the others.
        let queries = WriteupQueries(
            path: storePath, shown: store.shown, runID: id,
            verdicts: RunStatistics.verdicts(data, includeUnsteady: context.definition.includeUnsteady))
        let charts = ReportCharts.make(context, baseline: baseline, timelineVariants: timelineVariants)
            + (try SQLCell.charts(in: template, queries: queries, context: context))
        // Claims may name any cell of the definition, measured in this run or not.
        let defined = context.definedCells
        let known = defined + (baseline?.cells.filter { !defined.contains($0) } ?? [])
        let content = try digest.value()
        let markdown = try compose(template: template, context: context, charts: charts, baseline: baseline, knownCells: known, queries: queries)
            + footer(run: data.run, content: content)
        lap("write-up (cells, inline values, chart models)")

        let folder = outputRoot.appendingPathComponent(experiment.name)
        try OutputFolder.create(folder)
        let documents = Documents(format, in: folder)
        let pageTitle = title(of: markdown, fallback: experiment.title)
        var files = ReportFiles(
            folder: folder, markdown: documents.markdown, csv: folder.appendingPathComponent("results.csv"),
            json: folder.appendingPathComponent("results.json"), charts: [])
        let timelineCSV = ResultsExport.timelineCSV(run: data, stats: context.statistics)
        let timelineFile = folder.appendingPathComponent("timeline.csv")
        if timelineCSV != nil {
            files.timeline = timelineFile
        } else {
            // A report of a run without timelines keeps none from an earlier render.
            try? FileManager.default.removeItem(at: timelineFile)
        }
        var steps = charts.map(ParallelStep.chart) + [.data(csv: files.csv, json: files.json)]
        if case .standard(_, let pdf, let html) = documents {
            steps.insert(.pdf(pdf), at: 0)
            (files.pdf, files.html) = (pdf, html)
        }
        // The charts' files, the PDF and the data files do not depend on each other: they are
        // written on both cores at once (each step has its own Cairo surfaces and Pango
        // layouts), and the HTML page, which inlines the charts' SVG, after them.
        let byFile = Dictionary(uniqueKeysWithValues: charts.map { ("\($0.fileName).png", $0) })
        files.charts = try steps.concurrentMap { step in
            switch step {
            case .chart(let chart):
                return try ChartWriter.write(chart.chart, folder: folder, name: chart.fileName, created: data.documentDate)
            case .data(let csv, let json):
                try write(ResultsExport.csv(context.statistics, capacity: context.capacity), to: csv)
                if let timelineCSV { try write(timelineCSV, to: timelineFile) }
                try AtomicFile.write(try ResultsExport.json(run: data, stats: context.statistics, capacity: context.capacity), to: json)
            case .pdf(let pdf):
                try PDFRenderer().render(markdown: markdown, to: pdf, title: pageTitle, created: data.documentDate) { src in
                    guard let chart = byFile[src] else { return nil }
                    return .vector(width: chart.chart.width, height: chart.chart.height, draw: chart.chart.draw)
                }
            }
            return nil
        }.compactMap { $0 }
        lap("charts (PNG, SVG, PDF), report.pdf, CSV, JSON, in parallel")

        switch documents {
        case .standard(let markdownFile, _, let html):
            try write(markdown, to: markdownFile)
            let svgByFile = Dictionary(uniqueKeysWithValues: files.charts.map { ($0.png.lastPathComponent, $0.svg) })
            let page = try HTMLRenderer().render(markdown: markdown, title: pageTitle) { src in
                guard let svg = svgByFile[src] else { return nil }
                return .svg(try read(svg))
            }
            try write(page, to: html)
            lap("report.md, report.html")
        case .sitePage(let index):
            let frontMatter = SitePage.FrontMatter(
                title: pageTitle, date: data.run.startedAt,
                summary: SitePage.summary(of: try MarkdownDocument(parsing: markdown)),
                tags: ["benchmark", "reportgen", experiment.name])
            try write(SitePage.text(markdown: markdown, frontMatter: frontMatter, format: format), to: index)
            lap("index.md")
        }
        try writeProvenance(&files, data: data, content: content, experiment: experiment, format: format, writeup: writeupSHA256)
        lap("provenance.json")
        files.timings = timings
        return files
    }

    /// The last lines of every report: the run and its data, as `verify` finds them.
    static func footer(run: StoredRun, content: RunDigest) -> String {
        "\n\n---\n\n*Rendered by reportgen from run \(MarkdownText.codeSpan(run.uid)) (data SHA-256 \(MarkdownText.codeSpan(content.hex))); "
            + "`reportgen verify` checks this report against its data.*\n"
    }

    /// Hashes every file the render wrote and writes provenance.json beside them.
    private static func writeProvenance(
        _ files: inout ReportFiles, data: RunData, content: RunDigest, experiment: ExperimentDefinition, format: ReportFormat,
        writeup: String
    ) throws {
        let written = [files.markdown, files.pdf, files.html, files.csv, files.json, files.timeline].compactMap { $0 }
            + files.charts.flatMap { [$0.png, $0.svg, $0.pdf] }
        let provenance = Provenance(
            tool: .current,
            experiment: experiment.name, format: format.rawValue, definitionHash: data.run.definitionHash,
            run: Provenance.Run(uid: data.run.uid, contentSHA256: content.hex, date: ISO8601DateFormatter().string(from: data.documentDate)),
            files: try Provenance.hashes(of: written.map(\.lastPathComponent), in: files.folder),
            // `verify` renders again as this render was asked to.
            options: experiment.includeUnsteady ? Provenance.Options(includeUnsteady: true) : nil,
            writeupSHA256: writeup)
        let file = files.folder.appendingPathComponent(Provenance.fileName)
        try AtomicFile.write(try provenance.text(), to: file)
        (files.provenanceFile, files.provenance) = (file, provenance)
    }

    /// The documents a format writes into the report's folder.
    private enum Documents {
        /// report.md for a repository, report.pdf (drawn beside the charts), and report.html,
        /// which inlines the charts' SVG and so comes after them.
        case standard(markdown: URL, pdf: URL, html: URL)
        /// A static-site page bundle's index.md, with the format's front matter.
        case sitePage(index: URL)

        init(_ format: ReportFormat, in folder: URL) {
            switch format {
            case .standard:
                self = .standard(
                    markdown: folder.appendingPathComponent("report.md"), pdf: folder.appendingPathComponent("report.pdf"),
                    html: folder.appendingPathComponent("report.html"))
            case .hugo, .jekyll:
                self = .sitePage(index: folder.appendingPathComponent("index.md"))
            }
        }

        var markdown: URL {
            switch self {
            case .standard(let markdown, _, _): markdown
            case .sitePage(let index): index
            }
        }
    }

    /// A part of a render that depends on no other, run beside the others.
    private enum ParallelStep: Sendable {
        /// One chart's PNG, SVG and PDF.
        case chart(ReportChart)
        /// results.csv and results.json.
        case data(csv: URL, json: URL)
        /// report.pdf, which draws the charts itself.
        case pdf(URL)
    }

    /// The experiment's write-up (or the default one), with the sections every report of
    /// this run gets even when the write-up does not ask for them: throughput over time for a
    /// run that kept every request, and the comparison with a published baseline. With it, the
    /// SHA-256 of the write-up as its author wrote it.
    static func template(
        for experiment: ExperimentDefinition, data: RunData, baseline: PublishedBaseline?
    ) throws -> (template: Template, writeupSHA256: String) {
        let file = experiment.writeupFile
        let text: String
        if !FileManager.default.fileExists(atPath: file.path), let stored = data.writeupText {
            // Away from the experiment folder: the write-up the run was measured with.
            text = stored
        } else if FileManager.default.fileExists(atPath: file.path) {
            do {
                text = try String(contentsOf: file, encoding: .utf8)
            } catch {
                throw ReportgenError(
                    .io, "cannot read the write-up", at: SourceLocation(file: DisplayPath.of(file)),
                    hint: "check that it is UTF-8 text", underlying: error)
            }
        } else {
            text = DefaultTemplate.text(sweep: experiment.isSweep)
        }
        let written = try Template(text: text, file: DisplayPath.of(file))
        func asks(_ kind: CellKind, _ argument: String? = nil) -> Bool {
            written.parts.contains { part in
                guard case .cell(let k, let arguments, _, _) = part else { return false }
                // `chart timeline aiohttp` draws one variant: it does not place the chart of all.
                return k == kind && (argument == nil || arguments == [argument])
            }
        }
        var appended = ""
        if let search = data.capacitySearch, case .success = CapacityTarget.parse(search.target), !asks(.table, "capacity") {
            appended += "\n" + capacitySection
            if experiment.isSweep && !asks(.chart, SweepSection.capacityChartName) { appended += Self.sweepCapacitySection }
        }
        if data.trials.contains(where: { $0.throughput != nil }) && !asks(.chart, ReportCharts.throughputName) {
            appended += "\n" + throughputSection
        }
        if data.trials.contains(where: { $0.measurement.timeline != nil }) {
            if !asks(.chart, ReportCharts.timelineName) { appended += "\n" + timelineSection }
            if !asks(.unsteady) { appended += "\n" + unsteadySection }
        }
        if baseline != nil && !asks(.published) {
            appended += "\n" + publishedSection
        }
        return (appended.isEmpty ? written : try Template(text: text + appended, file: DisplayPath.of(file)), SHA256.hex(text))
    }

    /// The run's own definition (as stored, with its command-line overrides, parsed once) and
    /// statistics.
    static func makeContext(data: RunData, experiment: ExperimentDefinition) throws -> ReportContext {
        // The stored text, not today's file: the report describes what was measured.
        let full = try DefinitionLoader.stored(text: data.definitionText, file: experiment.file)
        var definition = try full.applying(data.overrides)
        // `render --include-unsteady` counts them whatever the stored definition says.
        definition.includeUnsteady = definition.includeUnsteady || experiment.includeUnsteady
        var context = ReportContext(
            data: data, definition: definition,
            statistics: RunStatistics.compute(data, includeUnsteady: definition.includeUnsteady))
        context.definedCells = full.cells.map(\.cell)
        return context
    }

    /// The template with every cell and value filled, and the run's labels at the top, made
    /// safe to publish (`SafeMarkdown`).
    static func compose(
        template: Template, context: ReportContext, charts: [ReportChart], baseline: PublishedBaseline? = nil,
        knownCells: [CellID]? = nil, queries: WriteupQueries? = nil
    ) throws -> String {
        var cells = BlockCell(context: context, charts: Dictionary(uniqueKeysWithValues: charts.map { ($0.name, $0) }))
        cells.baseline = baseline
        cells.queries = queries
        cells.knownCells = knownCells ?? context.statistics.map(\.cell)
        var output: [String] = []
        var labelled = false
        for part in template.parts {
            switch part {
            case .markdown(let text, let line):
                var filled = try fillInline(text, line: line, template: template, context: context, queries: queries)
                if !labelled, let range = firstHeadingEnd(in: filled) {
                    filled.insert(contentsOf: "\n\n" + banner(context), at: range)
                    labelled = true
                }
                output.append(filled)
            case .cell(let kind, let arguments, let body, let line):
                output.append(try cells.render(kind: kind, arguments: arguments, body: body, at: SourceLocation(file: template.file, line: line)))
            case .verbatim(let text):
                output.append(text)
            }
        }
        var text = output.joined(separator: "\n")
        if !labelled { text = banner(context) + "\n\n" + text }
        // The write-up's prose may come from a stranger's store: no raw HTML or script link
        // reaches report.md, a site page or the renderers.
        return try SafeMarkdown.text(text.hasSuffix("\n") ? text : text + "\n")
    }

    /// Appended to a write-up without a throughput chart when the run kept every request.
    /// Appended to a write-up without a capacity table when the run searched for capacity.
    static let capacitySection = """

        ## Capacity at the target

        ```table capacity
        ```

        ```chart knee
        Each variant's latency at the target's percentile (solid) and at p50 (dotted) against the rate offered, the median of its probes at each rate; the dashed line is the target, and a diamond marks each capacity. Left of its knee a server answers in its own time; right of it, requests queue and the latency climbs by orders of magnitude.
        ```

        """

    /// After the capacity section of a swept run: capacity against the swept setting.
    static let sweepCapacitySection = """
        ```chart sweep-capacity
        Each cell's capacity at the target against the swept setting, with its 95% interval; the thin line is the Little's-law ceiling of its slots.
        ```

        """

    static let throughputSection = """

        ## Throughput over time

        ```chart throughput
        Answered requests per 100 ms through each trial's measured window, one line per trial: warm-up effects, stalls and collapses show here, where a per-window total hides them.
        ```

        """

    /// Appended to a write-up without a timeline chart when the run's trials have timelines.
    static let timelineSection = """

        ## Over time

        ```chart timeline
        Answered requests per second in each interval of each trial, one line per trial: the warm-up is shaded before 0, and a red mark on the axis is a stall.
        ```

        ```chart timeline-p99
        The slowest 1% of each interval's requests, one line per trial: a queue that grows, or a pause, shows here first.
        ```

        """

    /// Appended to a write-up without an `unsteady` cell when the run's trials have timelines.
    static let unsteadySection = """

        ## Trials that did not hold steady

        ```unsteady
        ```

        """

    /// Appended to a write-up without a `published` cell when the experiment has a baseline.
    static let publishedSection = """

        ## Compared with the published numbers

        ```published
        ```

        ```chart published
        ```

        """

    /// What a reader must know before the numbers: which run, where, and whether it is a
    /// smoke test or has failed or disturbed trials.
    static func banner(_ context: ReportContext) -> String {
        let data = context.data
        let machine = data.machine
        let date = ISO8601DateFormatter.string(from: data.run.startedAt, timeZone: TimeZone(identifier: "UTC") ?? .current, formatOptions: [.withFullDate])
        // Every trial measured, those left out as unsteady included.
        let counts = context.statistics.map { $0.trialsTotal + $0.unsteadyLeftOut }
        let (fewest, most) = (counts.min() ?? context.definition.trials, counts.max() ?? context.definition.trials)
        let trialCount = fewest == most ? "\(most) trials" : "\(fewest)–\(most) trials"
        let text = MarkdownText.escaped
        var lines = ["*Run \(data.run.id) of \(MarkdownText.codeSpan(data.run.experiment)), measured \(date) on \(text(machine.hostname)) (\(text(machine.cpuModel)), \(machine.cpuCores) cores); \(text(context.definition.planSummary)) × \(trialCount); generated by reportgen \(text(data.toolVersion)).*"]
        if data.run.quick {
            lines.append("")
            lines.append("> **Quick run.** \(context.definition.trials) trial per variant with \(InlineValue.seconds(context.definition.load.duration)) windows: a smoke test of the set-up, not a result to quote.")
        }
        if data.run.status != .complete {
            lines.append("")
            lines.append("> **Incomplete run** (\(data.run.status.rawValue)): some planned trials are missing; `reportgen build` continues it.")
        }
        let failed = context.statistics.filter { $0.trialsFailed > 0 }
        if !failed.isEmpty {
            lines.append("")
            lines.append("> **Failed trials:** " + failed.map { "\(text($0.name)) (\($0.trialsFailed) of \($0.trialsTotal + $0.unsteadyLeftOut))" }.joined(separator: ", ") + "; they are left out of every number and listed at the end.")
        }
        let leftOut = context.statistics.map(\.unsteadyLeftOut).reduce(0, +)
        if leftOut > 0 {
            let variants = context.statistics.filter { $0.unsteadyLeftOut > 0 }.count
            let unit = context.sweep == nil ? "variant" : "cell"
            lines.append("")
            lines.append("> **Unsteady trials:** \(leftOut) trial\(leftOut == 1 ? "" : "s") of \(variants) \(unit)\(variants == 1 ? "" : "s") did not hold steady through the window; they are left out of every number and listed under “Trials that did not hold steady”.")
        }
        let disagreeing = context.statistics.compactMap { s in
            s.precision.cv.flatMap { s.precision.disagrees ? "\(text(s.name)) (\(ReportNumber.decimal($0 * 100, places: 0, grouped: false))%)" : nil }
        }
        if !disagreeing.isEmpty {
            lines.append("")
            lines.append("> **Trials disagree:** the requests/s of " + disagreeing.joined(separator: ", ") + " vary across trials by more than \(ReportNumber.decimal(RunStatistics.disagreement * 100, places: 0, grouped: false))% of their mean (coefficient of variation); differences smaller than that spread are noise.")
        }
        let busy = data.trials.filter(\.record.conditions.busy)
        if !busy.isEmpty {
            lines.append("")
            lines.append("> **Busy machine:** \(busy.count) trial\(busy.count == 1 ? "" : "s") started while other processes were using at least half of the \(machine.cpuCores) cores; their numbers may be disturbed (`trials.busy` in the store).")
        }
        return lines.joined(separator: "\n")
    }

    private static func fillInline(
        _ text: String, line: Int, template: Template, context: ReportContext, queries: WriteupQueries?
    ) throws -> String {
        var result = text
        for value in Template.inlineValues(in: text).reversed() {
            let location = SourceLocation(file: template.file, line: line + value.lineOffset)
            let filled: String
            if let sql = SQLCell.inlineQuery(value.expression) {
                guard let queries else {
                    throw ReportgenError(.badDefinition, "{{ sql: … }} needs the run's store, and this render has none", at: location, hint: SQLCell.viewsHint)
                }
                filled = try queries.value(sql, at: location)
            } else {
                filled = try InlineValue.evaluate(value.expression, context: context, at: location)
            }
            // A value comes from the store: it is shown as text, never read as Markdown.
            result.replaceSubrange(value.range, with: MarkdownText.escaped(filled))
        }
        return result
    }

    /// Where the first level-1 heading's line ends, if the text has one.
    private static func firstHeadingEnd(in text: String) -> String.Index? {
        var index = text.startIndex
        while index < text.endIndex {
            let lineEnd = text[index...].firstIndex(of: "\n") ?? text.endIndex
            if text[index..<lineEnd].hasPrefix("# ") { return lineEnd }
            index = lineEnd < text.endIndex ? text.index(after: lineEnd) : text.endIndex
        }
        return nil
    }

    private static func title(of markdown: String, fallback: String) -> String {
        for line in markdown.split(separator: "\n") where line.hasPrefix("# ") {
            return String(line.dropFirst(2))
        }
        return fallback
    }

    private static func read(_ url: URL) throws -> String {
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ReportgenError(.io, "cannot read \(url.path)", underlying: error)
        }
    }

    private static func write(_ text: String, to url: URL) throws {
        try AtomicFile.write(text, to: url)
    }
}
