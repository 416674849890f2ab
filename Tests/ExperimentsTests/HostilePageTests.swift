import Foundation
import Testing
import TestFixtures
@testable import Core

extension RealServers {
/// report.html rendered by the real `reportgen render --from` from a store whose write-up
/// holds script links, a `<script>` block and `<img onerror>` payloads (each would rename the
/// page), opened in headless chromium with the network cut off: nothing runs, every link is
/// clicked without effect, and the Content-Security-Policy blocks nothing, because nothing
/// of ours needs more than it allows.
@Suite("a hostile write-up in a browser", .serialized, .timeLimit(.minutes(5)))
struct HostilePageTests {
    struct Findings: Decodable {
        var title: String
        var violations: [String]
        var errors: [String]
        var scripts: Int
        var handlers: [String]
        var hrefs: [String]
        var clicked: Int
        var styled: String
        var svgs: [[Double]]
        var text: String
    }

    /// Records policy violations and errors as they happen; after loading clicks every link
    /// that stays on the page, then reports what the page became.
    static let checkScript = """
        window.__violations = [];
        document.addEventListener('securitypolicyviolation', function (e) {
          window.__violations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at line ' + e.lineNumber);
        });
        window.__errors = [];
        window.addEventListener('error', function (e) {
          var target = e.target && (e.target.src || e.target.href);
          window.__errors.push(String(e.message || target || 'a resource failed'));
        }, true);
        window.addEventListener('load', function () {
          var clicked = 0, hrefs = [];
          document.querySelectorAll('a[href]').forEach(function (a) {
            var href = a.getAttribute('href');
            hrefs.push(href);
            if (!/^https?:/i.test(href)) { a.click(); clicked += 1; }
          });
          setTimeout(function () {
            var handlers = [];
            document.querySelectorAll('*').forEach(function (el) {
              for (var i = 0; i < el.attributes.length; i++) {
                if (/^on/i.test(el.attributes[i].name)) handlers.push(el.tagName + ' ' + el.attributes[i].name);
              }
            });
            parent.postMessage(JSON.stringify({
              title: document.title, violations: window.__violations, errors: window.__errors,
              scripts: document.querySelectorAll('script').length, handlers: handlers, hrefs: hrefs, clicked: clicked,
              styled: getComputedStyle(document.querySelector('main')).maxWidth,
              svgs: Array.prototype.map.call(document.querySelectorAll('figure svg'), function (s) { var r = s.getBoundingClientRect(); return [r.width, r.height]; }),
              text: document.body.innerText
            }), '*');
          }, 500);
        });
        """

    @Test("javascript: links, a <script> block and <img onerror> from a stored write-up execute nothing in chromium, and the page's CSP blocks nothing of ours")
    func nothingRuns() async throws {
        let chromium = try HeadlessChromium.find()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-hostile-page-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try HostileStore.make(in: folder)
        // Away from the project, so the write-up stored with the run is the one rendered.
        let cli = ReportgenCLI(folder: folder, logs: folder.appendingPathComponent("logs"))
        let result = try await cli.run(["render", "--from", store.path, "--output", folder.appendingPathComponent("out").path], timeout: .seconds(180))
        try #require(result.code == 0, "\(result)")
        let page = folder.appendingPathComponent("out/aiohttp-vs-flask/report.html")
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.contains("Content-Security-Policy"))
        #expect(html.contains("pwned-img"), "the payloads are on the page, as text")

        let (dom, requests) = try chromium.dumpDOM(of: page, width: 1280, height: 900, checkScript: Self.checkScript)
        guard let start = dom.range(of: "<pre id=\"reportgen-check\">"),
            let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex)
        else {
            Issue.record("the check script left no findings: \(dom.prefix(500))")
            return
        }
        let json = String(dom[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
        let found = try JSONDecoder().decode(Findings.self, from: Data(json.utf8))
        #expect(!found.title.contains("pwned"), "a payload ran: the title is \(found.title)")
        #expect(found.title.hasPrefix("Is \"aiohttp\": faster?"), "the page keeps its own title: \(found.title)")
        #expect(found.scripts == 1, "only the test's own check script is on the page: \(found.scripts)")
        #expect(found.handlers.isEmpty, "event-handler attributes: \(found.handlers)")
        #expect(found.hrefs.allSatisfy { $0.hasPrefix("#") || $0.hasPrefix("https://") }, "links: \(found.hrefs)")
        #expect(found.clicked >= 6, "the page's own anchors were clicked: \(found.clicked)")
        #expect(found.violations.isEmpty, "the Content-Security-Policy blocked: \(found.violations)")
        #expect(found.errors.isEmpty, "errors: \(found.errors)")
        #expect(found.styled == "832px", "the page's own stylesheet applies (main is 52rem wide): \(found.styled)")
        #expect(found.svgs.count >= 5 && found.svgs.allSatisfy { $0[0] > 100 && $0[1] > 50 }, "every chart draws: \(found.svgs)")
        #expect(found.text.contains("document.title='pwned-inline'"), "the inline payload shows as text")
        #expect(requests.isEmpty, "the page requested \(requests)")
    }
}
}
