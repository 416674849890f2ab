import Foundation
import TestFixtures
import Testing

@testable import Report
@testable import Core

/// The fields of `{{ SCOPE.FIELD }}`: one table gives the values, the hint for an unknown one
/// and the README's list.
///
/// Rewrite the README's list after a change to the table with:
/// `REPORTGEN_UPDATE_README=1 swift test --filter InlineFieldTests`
@Suite("inline fields: one table")
struct InlineFieldTests {
    static let readme = TestPaths.projectRoot.appendingPathComponent("README.md")
    static let begin = "<!-- inline fields: begin -->\n"
    static let end = "<!-- inline fields: end -->"

    @Test("the README lists exactly the table's fields, with their meaning and format")
    func readmeListsTheTable() throws {
        var text = try String(contentsOf: Self.readme, encoding: .utf8)
        let start = try #require(text.range(of: Self.begin), "README.md marks its list of fields with \(Self.begin)")
        let stop = try #require(text.range(of: Self.end, range: start.upperBound..<text.endIndex))
        let expected = InlineField.readmeTable + "\n"
        if ProcessInfo.processInfo.environment["REPORTGEN_UPDATE_README"] == "1" {
            text.replaceSubrange(start.upperBound..<stop.lowerBound, with: expected)
            try text.write(to: Self.readme, atomically: true, encoding: .utf8)
            return
        }
        #expect(String(text[start.upperBound..<stop.lowerBound]) == expected, "rewrite it with REPORTGEN_UPDATE_README=1")
    }

    @Test("every field gives its value in its format; an unknown one lists them all")
    func values() throws {
        let (folder, experiment, store) = try ReportBuilderTests.fixture()
        defer { try? FileManager.default.removeItem(at: folder) }
        let context = try ReportBuilder.makeContext(data: try store.loadRun(id: 1), experiment: experiment)
        let location = SourceLocation(file: "report.md", line: 1)
        let expected = [
            "run.trials": "2", "run.duration": "20 s", "run.warmup": "2 s", "run.timeout": "10 s",
            "run.connections": "400", "run.threads": "10", "run.variants": "2", "run.id": "1", "run.date": "2027-01-15",
            "run.generator": "wrk", "run.loop": "closed loop", "machine.cpu": "Example CPU", "machine.cores": "2",
            "machine.memory": "8.0 GiB", "machine.kernel": "6.1.0 x86_64", "machine.os": "Debian GNU/Linux 12 (bookworm)",
            "software.python": "Python 3.11.7", "software.nginx": "nginx/1.22.1", "software.wrk": "wrk 4.1.0",
            "software.gunicorn": "gunicorn (version 27.0.1)",
        ]
        #expect(Set(InlineField.all.map(\.name)) == Set(expected.keys))
        for (name, value) in expected {
            #expect(try InlineValue.evaluate(name, context: context, at: location) == value, "\(name)")
        }
        let error = #expect(throws: ReportgenError.self) { try InlineValue.evaluate("run.colour", context: context, at: location) }
        #expect(error?.message == "unknown value {{ run.colour }}: no field 'colour' in 'run'")
        #expect(error?.hint == "fields: run.trials/duration/warmup/timeout/connections/threads/variants/id/date/generator/loop, machine.cpu/cores/memory/kernel/os, software.python/nginx/wrk/gunicorn")
    }
}
