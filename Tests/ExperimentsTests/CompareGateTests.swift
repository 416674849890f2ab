import Foundation
import TestFixtures
import Testing

@testable import Core
@testable import Store

/// `reportgen compare` as CI runs it, on the shipped reference (thinned) and copies of it
/// changed in SQL: the machine factor and relative change on the terminal and in
/// comparison.json, the regression gate's exit 4 provoked for real, --summary, and a
/// campaign of two runs; all in a folder without the experiment, from the stored definition.
@Suite("compare: machine factor, gates, summary, campaign")
struct CompareGateTests {
    /// A folder holding the reference as `baseline.sqlite` and a store with two changed
    /// copies of its run, made by `copyRun`.
    struct Folder {
        let root: URL
        let cli: ReportgenCLI

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-gates-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            cli = ReportgenCLI(folder: root, logs: root.appendingPathComponent("logs"))
            let reference = try ThinnedReference.file()
            try FileManager.default.copyItem(at: reference, to: root.appendingPathComponent("baseline.sqlite"))
            try FileManager.default.copyItem(at: reference, to: root.appendingPathComponent("changed.sqlite"))
        }

        func url(_ path: String) -> URL { root.appendingPathComponent(path) }

        func remove() { try? FileManager.default.removeItem(at: root) }

        /// Makes run `id` of changed.sqlite a copy of its measured run (run 2): the tables a
        /// comparison reads are copied with new ids (not resources, hosts or request logs), and
        /// the trials of the variants `which` matches take 1/0.66 as long.
        func copyRun(as id: Int64, slower which: String) throws {
            try SQLiteDatabase.withConnection(path: url("changed.sqlite").path) { database in
                // Each table's rows of run 2 copied through a temporary table whose ids are moved.
                let trials = "SELECT t.id FROM trials t JOIN variants v ON v.id = t.variant_id WHERE v.run_id = 2"
                let copies: [(table: String, rows: String, moved: String)] = [
                    ("runs", "id = 2", "id = \(id), uid = 'copy-\(id)'"),
                    ("variants", "run_id = 2", "id = id + \(id) * 1000, run_id = \(id)"),
                    ("cell_levels", "variant_id IN (SELECT id FROM variants WHERE run_id = 2)", "variant_id = variant_id + \(id) * 1000"),
                    ("trials", "id IN (\(trials))", "id = id + \(id) * 100000, variant_id = variant_id + \(id) * 1000"),
                    ("latency_samples", "trial_id IN (\(trials))", "trial_id = trial_id + \(id) * 100000"),
                    ("latency_histograms", "trial_id IN (\(trials))", "trial_id = trial_id + \(id) * 100000"),
                    ("trial_timelines", "trial_id IN (\(trials))", "trial_id = trial_id + \(id) * 100000"),
                    ("trial_intervals", "trial_id IN (\(trials))", "trial_id = trial_id + \(id) * 100000"),
                ]
                var script = "BEGIN;\n"
                for copy in copies {
                    script += """
                        CREATE TEMP TABLE copy AS SELECT * FROM \(copy.table) WHERE \(copy.rows);
                        UPDATE copy SET \(copy.moved);
                        INSERT INTO \(copy.table) SELECT * FROM copy;
                        DROP TABLE copy;

                        """
                }
                script += """
                    UPDATE trials SET duration_us = CAST(round(duration_us / 0.66) AS INTEGER)
                        WHERE variant_id IN (SELECT id FROM variants WHERE run_id = \(id) AND name GLOB '\(which)');
                    COMMIT;
                    """
                try database.execute(script)
            }
        }
    }

    @Test("a uniformly slower machine fails the plain gate with exit 4 and passes --relative; one slower variant fails both, named; latency gates pass; a campaign shows both machines")
    func gates() async throws {
        let folder = try Folder()
        defer { folder.remove() }
        try folder.copyRun(as: 20, slower: "*")
        try folder.copyRun(as: 30, slower: "aiohttp")
        let common = ["compare", "aiohttp-vs-flask", "--baseline", "baseline.sqlite", "--db", "changed.sqlite", "--output", "out"]

        // Every variant a third slower: the machine.
        let uniform = try await folder.cli.run(common + ["--against", "20", "--summary", "summary.md"])
        #expect(uniform.code == 0, "\(uniform)")
        #expect(uniform.stdout.contains("Machine factor (geometric mean of 11 variants' ratios, 95% interval): requests/s 0.66× [0."), "\(uniform)")
        #expect(uniform.stdout.contains("Relative to the machine factor, no variant changed."), "\(uniform)")
        let summary = try String(contentsOf: folder.url("summary.md"), encoding: .utf8)
        #expect(summary.hasPrefix("### reportgen: run 20 against baseline.sqlite run 2\n"), "\(summary)")
        #expect(summary.contains("**this machine: 0.66× \\["), "brackets escaped: \(summary)")
        #expect(summary.contains("| aiohttp "), "\(summary)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.url("out/aiohttp-vs-flask/comparison.json"))) as? [String: Any])
        let factor = try #require(json["machine_factor"] as? [String: Any])
        let ratio = try #require(factor["ratio"] as? Double)
        #expect(abs(ratio - 0.66) < 0.001, "\(factor)")
        #expect((factor["low"] as? Double ?? 1) < 0.66 && (factor["high"] as? Double ?? 0) > 0.66, "\(factor)")
        let variants = try #require(json["variants"] as? [[String: Any]])
        #expect(variants.count == 11)
        let aiohttp = try #require(variants.first { $0["name"] as? String == "aiohttp" })
        #expect(aiohttp["significant"] as? Bool == true)
        #expect((aiohttp["relative"] as? [String: Any])?["significant"] as? Bool == false, "\(aiohttp)")
        #expect(aiohttp["rank_baseline"] as? Int == 1 && aiohttp["rank_current"] as? Int == 1)
        #expect((json["claims"] as? [Any])?.count == 4)
        let markdown = try String(contentsOf: folder.url("out/aiohttp-vs-flask/comparison.md"), encoding: .utf8)
        #expect(markdown.range(of: #"\n\| aiohttp serves the most requests +\| replicates +\| both +\|"#, options: .regularExpression) != nil,
                "the verdict stands next to its claim: \(markdown)")
        let html = try String(contentsOf: folder.url("out/aiohttp-vs-flask/comparison.html"), encoding: .utf8)
        #expect(html.contains("<svg") && !html.contains("<script"), "the page inlines its charts and runs nothing")

        let plain = try await folder.cli.run(common + ["--against", "20", "--fail-on-regression", "5%"])
        #expect(plain.code == 4, "\(plain)")
        #expect(plain.stdout.contains("gate FAILED: 11 variants requests/s significantly worse by more than 5%: aiohttp 0.66× ["), "\(plain)")
        #expect(plain.stderr.contains("error: requests/s significantly worse by more than 5%: run 20: aiohttp 0.66×"), "\(plain)")
        #expect(!plain.crashed, "\(plain)")
        let relative = try await folder.cli.run(common + ["--against", "20", "--fail-on-regression", "5%", "--relative"])
        #expect(relative.code == 0, "\(relative)")
        #expect(relative.stdout.contains("gate passed: no variant's requests/s relative to the machine factor significantly worse by more than 5%"), "\(relative)")
        let tooStrict = try await folder.cli.run(common + ["--against", "20", "--fail-on-regression", "40%"])
        #expect(tooStrict.code == 0, "a third slower is not 40% slower: \(tooStrict)")

        // aiohttp alone slower: a change in the variant, whatever the machine.
        for flags in [[String](), ["--relative"]] {
            let one = try await folder.cli.run(common + ["--against", "30", "--fail-on-regression", "5%"] + flags)
            #expect(one.code == 4, "\(flags): \(one)")
            #expect(one.stdout.contains("gate FAILED: 1 variant"), "\(flags): \(one)")
            #expect(one.stdout.contains("5%: aiohttp 0."), "\(flags): \(one)")
        }
        let latency = try await folder.cli.run(common + ["--against", "30", "--fail-on-regression", "5%", "--measure", "p99"])
        #expect(latency.code == 0, "latency did not change: \(latency)")
        let misuse = try await folder.cli.run(common + ["--against", "30", "--relative"])
        #expect(misuse.code == 64, "\(misuse)")
        #expect(misuse.stderr.contains("--relative and --measure choose what --fail-on-regression judges"), "\(misuse)")

        // Both machines at once.
        let campaign = try await folder.cli.run(common + ["--runs", "20,30"])
        #expect(campaign.code == 0, "\(campaign)")
        #expect(campaign.stdout.hasPrefix("Campaign: 2 runs of aiohttp-vs-flask against baseline.sqlite run 2"), "\(campaign)")
        let machines = campaign.stdout.split(separator: "\n").filter { $0.hasPrefix("| run 20") || $0.hasPrefix("run 20") || $0.contains("run 30 (") }
        #expect(!machines.isEmpty, "\(campaign)")
        let gallery = try String(contentsOf: folder.url("out/aiohttp-vs-flask/comparison.md"), encoding: .utf8)
        #expect(gallery.contains("![Requests/s on each machine as a ratio to baseline.sqlite run 2](campaign-requests.png)"), "\(gallery)")
        #expect(FileManager.default.fileExists(atPath: folder.url("out/aiohttp-vs-flask/campaign-relative.svg").path))
    }
}
