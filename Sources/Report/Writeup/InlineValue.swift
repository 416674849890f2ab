import Experiments
import Foundation

/// Evaluates one `{{ … }}` expression of a write-up. The forms:
///
/// - `METRIC VARIANT` — e.g. `{{ requests aiohttp }}`, `{{ p99 flask:10 }}` (metrics: see `Metric`)
/// - `ratio METRIC A B` — A's value over B's, e.g. `{{ ratio requests aiohttp flask:gevent }}` → "4.10×"
/// - `best METRIC` / `worst METRIC` — the variant name, aware of the metric's polarity
/// - `run.FIELD` — trials, duration, warmup, connections, threads, timeout, variants, id, date,
///   generator ("wrk" or "reportgen's built-in generator"), loop ("closed loop" or
///   "open loop at R requests/s")
/// - `machine.FIELD` — cpu, cores, memory, kernel, os
/// - `software.FIELD` — python, nginx, wrk, gunicorn; `package NAME` — a pinned Python package
enum InlineValue {
    static func evaluate(_ expression: String, context: ReportContext, at location: SourceLocation) throws -> String {
        let words = CellID.joiningWords(expression.split(separator: " ", omittingEmptySubsequences: true).map {
            String($0).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        })
        guard let head = words.first else {
            throw ReportgenError(.badDefinition, "an empty {{ }} value", at: location, hint: "write e.g. {{ requests aiohttp }}")
        }
        func unknown(_ what: String, _ hint: String) -> ReportgenError {
            ReportgenError(.badDefinition, "unknown value {{ \(expression) }}: \(what)", at: location, hint: hint)
        }
        func metric(_ word: String) throws -> Metric {
            guard let metric = Metric(rawValue: word) else {
                throw unknown("no metric '\(word)'", "metrics are: " + Metric.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return metric
        }
        let definition = context.definition
        let machine = context.data.machine
        switch head {
        case "ratio":
            guard words.count == 4 else { throw unknown("ratio takes a metric and two variants", "write {{ ratio requests aiohttp flask:gevent }}") }
            let m = try metric(words[1])
            let a = try context.cell(words[2], at: location).flatMap(m.value)
            let b = try context.cell(words[3], at: location).flatMap(m.value)
            guard let a, let b, b != 0 else { return "—" }
            return ReportNumber.ratio(a / b)
        case "best", "worst":
            guard words.count == 2 else { throw unknown("\(head) takes one metric", "write {{ \(head) requests }}") }
            // "best requests @ delay=50ms": among the cells at those levels, by variant name.
            let split = CellID.split(words[1])
            let m = try metric(split?.head ?? words[1])
            var among = context.statistics
            if let level = split?.rest {
                let levels = CellID.levels(written: level)
                among = levels.map { levels in among.filter { $0.cell.isAt(levels) } } ?? []
                if among.isEmpty {
                    throw unknown("no cell at \(level)", "cells are named like '\(context.statistics.first?.name ?? "aiohttp @ delay=50ms")'")
                }
            }
            let ranked = among.compactMap { s in m.value(s).map { (split == nil ? s.name : s.cell.variant, $0) } }
                .sorted { m.higherIsBetter ? $0.1 > $1.1 : $0.1 < $1.1 }
            guard let pick = head == "best" ? ranked.first : ranked.last else { return "—" }
            return pick.0
        case "package":
            guard words.count == 2 else { throw unknown("package takes a name", "write {{ package aiohttp }}") }
            return context.package(words[1]) ?? "not installed"
        default:
            break
        }
        if words.count == 1, let dot = head.firstIndex(of: ".") {
            let scope = head[..<dot]
            let field = head[head.index(after: dot)...]
            let software = context.software
            let value: String?
            switch (scope, field) {
            case ("run", "trials"): value = "\(definition.trials)"
            case ("run", "duration"): value = seconds(definition.load.duration)
            case ("run", "warmup"): value = seconds(definition.load.warmup)
            case ("run", "timeout"): value = seconds(definition.load.timeout)
            case ("run", "connections"): value = "\(definition.load.connections)"
            case ("run", "threads"): value = "\(definition.load.threads)"
            case ("run", "variants"): value = "\(definition.variants.count)"
            case ("run", "id"): value = "\(context.data.run.id)"
            case ("run", "generator"): value = context.generatorName
            case ("run", "loop"): value = context.loopModel
            case ("run", "date"): value = ISO8601DateFormatter.string(from: context.data.run.startedAt, timeZone: TimeZone(identifier: "UTC") ?? .current, formatOptions: [.withFullDate])
            case ("machine", "cpu"): value = machine.cpuModel
            case ("machine", "cores"): value = "\(machine.cpuCores)"
            case ("machine", "memory"): value = ReportNumber.gibibytes(machine.memoryBytes)
            case ("machine", "kernel"): value = machine.kernel
            case ("machine", "os"): value = machine.os
            case ("software", "python"): value = software.python ?? "unknown"
            case ("software", "nginx"): value = software.nginx ?? "unknown"
            case ("software", "wrk"): value = software.wrk ?? "unknown"
            case ("software", "gunicorn"): value = software.gunicorn ?? "unknown"
            default: value = nil
            }
            guard let value else {
                throw unknown("no field '\(field)' in '\(scope)'", "fields: run.trials/duration/warmup/timeout/connections/threads/variants/id/date/generator/loop, machine.cpu/cores/memory/kernel/os, software.python/nginx/wrk/gunicorn")
            }
            return value
        }
        guard words.count == 2 else {
            throw unknown("not a known form", "write {{ METRIC VARIANT }}, {{ ratio METRIC A B }}, {{ best METRIC }} or {{ run.trials }}")
        }
        let m = try metric(head)
        guard let stats = try context.cell(words[1], at: location) else { return "n/a (not in this run)" }
        return m.format(m.value(stats))
    }

    static func seconds(_ duration: Duration) -> String {
        let value = duration.seconds
        return (value == value.rounded() ? "\(Int(value))" : ReportNumber.decimal(value, places: 1, grouped: true)) + " s"
    }
}
