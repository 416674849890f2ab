import Foundation
import TestFixtures
import Testing
@testable import Core
@testable import Store


extension RealServers {
    /// The default experiment's committed example and the run it was rendered from, shipped
    /// as an xz export in its baseline/ folder: the example cannot drift from its data, its
    /// HTML page works in a real browser, and a new machine can compare with it.
    @Suite("the shipped example: its data, its page in a real browser, the comparison with it", .serialized, .timeLimit(.minutes(10)))
    struct ShippedExampleTests {
        static let experiment = "aiohttp-vs-flask"
        static let reference = "experiments/aiohttp-vs-flask/baseline/reference.sqlite.xz"
        static var committed: URL { RealServers.projectRoot.appendingPathComponent("examples/\(experiment)") }
        /// Screenshots and the browser's findings, kept after the tests (pass or fail) for a look.
        static let artifacts = RealServers.projectRoot.appendingPathComponent(".build/test-artifacts/html-page")

        /// The reference rendered by the CLI into a fresh folder, as a person would.
        static func renderReference() async throws -> (folder: URL, result: CLIResult) {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-example-\(UUID().uuidString)")
            let cli = ReportgenCLI(folder: RealServers.projectRoot, logs: folder.appendingPathComponent("logs"))
            let result = try await cli.run(["render", "--from", reference, "--output", folder.appendingPathComponent("out").path], timeout: .seconds(180))
            return (folder, result)
        }

        @Test("the shipped export renders in a folder with no experiments/ at all, from the definition, write-up and published table it carries")
        func rendersAnywhere() async throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-anywhere-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let cli = ReportgenCLI(folder: folder, logs: folder.appendingPathComponent("logs"))
            let file = RealServers.projectRoot.appendingPathComponent(Self.reference).path
            let result = try await cli.run(["render", "--from", file], timeout: .seconds(180))
            #expect(result.code == 0, "\(result)")
            let markdown = try String(contentsOf: folder.appendingPathComponent("output/\(Self.experiment)/report.md"), encoding: .utf8)
            let shipped = try String(contentsOf: Self.committed.appendingPathComponent("report.md"), encoding: .utf8)
            let heading = { (text: String) in text.split(separator: "\n").filter { $0.hasPrefix("#") } }
            #expect(heading(markdown) == heading(shipped), "the same write-up, section by section")
            for name in ["report.html", "report.pdf", "results.csv", "requests.png", "published-comparison.png"] {
                // The published chart is drawn only when the published table came with the file.
                #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("output/\(Self.experiment)/\(name)").path), "\(name)")
            }
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("experiments").path))
        }

        @Test("report.html in headless chromium with the network cut off: at 390 and 1280 px every variant shows, every chart has drawn, nothing overflows outside the scrolling tables, no error and no request")
        func pageInABrowser() async throws {
            let chromium = try HeadlessChromium.find()
            let (folder, result) = try await Self.renderReference()
            defer { try? FileManager.default.removeItem(at: folder) }
            try #require(result.code == 0, "\(result)")
            let page = folder.appendingPathComponent("out/\(Self.experiment)/report.html")
            let html = try String(contentsOf: page, encoding: .utf8)
            #expect(!html.contains("<script"), "the page needs no script")
            #expect(!html.contains("<link") && !html.contains("<img") && !html.contains("@import"), "nothing is fetched")
            let csv = try String(contentsOf: Self.committed.appendingPathComponent("results.csv"), encoding: .utf8)
            let variants = csv.split(separator: "\n").dropFirst().compactMap { $0.split(separator: ",").first.map(String.init) }
            try #require(variants.count == 11, "the example has 11 variants: \(variants)")
            let markdown = try String(contentsOf: Self.committed.appendingPathComponent("report.md"), encoding: .utf8)
            let charts = markdown.components(separatedBy: "\n![").count - 1
            try #require(charts >= 5, "the example shows its charts: \(charts)")

            try FileManager.default.createDirectory(at: Self.artifacts, withIntermediateDirectories: true)
            for width in [390, 1280] {
                try chromium.screenshot(page, width: width, height: 6_000, to: Self.artifacts.appendingPathComponent("report-\(width).png"))
                let (dom, requests) = try chromium.dumpDOM(of: page, width: width, height: 900, checkScript: Self.checkScript)
                try dom.write(to: Self.artifacts.appendingPathComponent("dom-\(width).html"), atomically: true, encoding: .utf8)
                let found = try Self.findings(in: dom)
                let context = "at \(width) px (screenshots in \(DisplayPath.of(Self.artifacts)))"
                #expect(found.innerWidth == width, "the viewport is \(found.innerWidth) px wide \(context)")
                #expect(found.scrollWidth <= found.clientWidth, "the page scrolls sideways (\(found.scrollWidth) > \(found.clientWidth)) \(context)")
                #expect(found.overflow.isEmpty, "outside the page's width \(context): \(found.overflow.prefix(10))")
                #expect(found.svgs.count == charts, "every chart inlined \(context): \(found.svgs.count) of \(charts)")
                #expect(found.svgs.allSatisfy { $0[0] > 100 && $0[1] > 50 && $0[0] <= Double(width) }, "every chart has drawn within the page \(context): \(found.svgs)")
                #expect(found.errors.isEmpty, "the console logged errors \(context): \(found.errors)")
                #expect(found.resources.isEmpty && requests.isEmpty, "the page requested \(found.resources + requests) \(context)")
                for variant in variants {
                    #expect(found.text.contains(variant), "\(variant) is on the page \(context)")
                }
                #expect(found.captions == charts, "every chart carries its caption \(context): \(found.captions)")
                #expect(found.anchors >= 6, "headings carry anchors \(context): \(found.anchors)")
                #expect(found.tables >= 3, "tables \(context): \(found.tables)")
                if width == 390 {
                    // The results table is far wider than a phone: it scrolls in its own box.
                    #expect(found.widestTable > found.clientWidth, "the results table scrolls inside its box at 390 px: \(found.widestTable)")
                }
            }
        }

        @Test("a new machine's run meets the shipped reference: build's last line says why a smoke run is not compared, and compare --baseline reference compares it without importing the reference")
        func compareWithReference() async throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-reference-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let cli = ReportgenCLI(folder: RealServers.projectRoot, logs: folder.appendingPathComponent("logs"))
            let store = folder.appendingPathComponent("results.sqlite").path
            let output = folder.appendingPathComponent("out").path
            let build = try await cli.run(
                ["build", "--quick", "--variants", "aiohttp,flask:10", "--db", store, "--output", output], timeout: .seconds(240))
            #expect(build.code == 0, "\(build)")
            let last = build.stdout.split(separator: "\n").last.map(String.init) ?? ""
            #expect(last.hasPrefix("reference: not compared: reference ("), "\(build)")
            #expect(last.contains("measured with different definitions (overrides quick, variants)"), "\(build)")

            let refused = try await cli.run(["compare", "--baseline", "reference", "--db", store, "--output", output])
            #expect(refused.code == 65, "\(refused)")
            #expect(refused.stderr.contains("--allow-definition-change"), "\(refused)")

            let compared = try await cli.run(
                ["compare", "--baseline", "reference", "--allow-definition-change", "--db", store, "--output", output])
            #expect(compared.code == 0, "\(compared)")
            #expect(compared.stdout.contains("with reference ("), "\(compared)")
            for variant in ["aiohttp", "flask:10"] {
                #expect(compared.stdout.contains("\n\(variant) "), "a row for \(variant): \(compared)")
            }
            #expect(compared.stdout.contains("Only in reference ("), "the reference's other variants are named: \(compared)")
            #expect(!compared.crashed, "\(compared)")
            let runs = try ResultStore.openForReading(path: URL(fileURLWithPath: store)).listRuns().map(\.run)
            #expect(runs.filter { $0.kind == .measured }.count == 1, "the reference is read, never imported: \(runs)")
        }

        /// What the check script found, decoded from the `<pre id="reportgen-check">` it adds.
        struct Findings: Decodable {
            var innerWidth: Int
            var clientWidth: Int
            var scrollWidth: Int
            var svgs: [[Double]]
            var overflow: [String]
            var errors: [String]
            var resources: [String]
            var text: String
            var anchors: Int
            var captions: Int
            var tables: Int
            var widestTable: Int
        }

        static func findings(in dom: String) throws -> Findings {
            guard let start = dom.range(of: "<pre id=\"reportgen-check\">"),
                let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex)
            else {
                throw ReportgenError(.io, "the check script left no findings: the page did not load? DOM starts: \(dom.prefix(500))")
            }
            let json = String(dom[start.upperBound..<end.lowerBound])
                .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
            return try JSONDecoder().decode(Findings.self, from: Data(json.utf8))
        }

        /// Runs in the page under test (a copy with this script at the top of its head, in a
        /// frame of the width under test): records errors as they happen, and after loading
        /// measures the layout, lists every request and posts its findings to the frame's parent.
        static let checkScript = """
            window.__errors = [];
            window.addEventListener('error', function (e) {
              var target = e.target && (e.target.src || e.target.href);
              window.__errors.push(String(e.message || target || 'a resource failed'));
            }, true);
            var consoleError = console.error;
            console.error = function () { window.__errors.push(Array.prototype.join.call(arguments, ' ')); consoleError.apply(console, arguments); };
            window.addEventListener('load', function () {
              var doc = document.documentElement, width = doc.clientWidth, overflow = [];
              document.body.querySelectorAll('*').forEach(function (el) {
                if (el.closest('.table-scroll') && !el.classList.contains('table-scroll')) return;
                if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') return;
                var r = el.getBoundingClientRect();
                if (r.width > 0 && (r.right > width + 0.5 || r.left < -0.5)) {
                  overflow.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
                }
              });
              var widest = 0;
              document.querySelectorAll('.table-scroll').forEach(function (box) { widest = Math.max(widest, box.scrollWidth); });
              var result = {
                innerWidth: window.innerWidth, clientWidth: width, scrollWidth: doc.scrollWidth,
                svgs: Array.prototype.map.call(document.querySelectorAll('figure svg'), function (s) { var r = s.getBoundingClientRect(); return [r.width, r.height]; }),
                overflow: overflow, errors: window.__errors,
                resources: performance.getEntriesByType('resource').map(function (e) { return e.name; }),
                text: document.body.innerText,
                anchors: document.querySelectorAll('h1[id] a.anchor, h2[id] a.anchor, h3[id] a.anchor').length,
                captions: document.querySelectorAll('figure figcaption').length,
                tables: document.querySelectorAll('.table-scroll table').length,
                widestTable: widest
              };
              parent.postMessage(JSON.stringify(result), '*');
            });
            """
    }
}
