import Foundation
import TestFixtures
@testable import Core
@testable import Supervision


/// Debian's chromium in headless mode, cut off from the network: run inside a fresh network
/// namespace (only an unconfigured loopback) when the tests run as root, as in CI, and in
/// every case with a proxy that refuses and a resolver that finds nothing. Each call uses
/// its own profile folder.
struct HeadlessChromium {
    let executable: String
    let isolatedNetwork: Bool

    /// The browser, or an error that says how to install it.
    static func find() throws -> HeadlessChromium {
        guard let path = ["chromium", "chromium-browser"].lazy.compactMap({ ToolCheck.find($0) }).first else {
            throw ReportgenError(
                .missingDependency, "the HTML page tests need Debian's chromium",
                hint: "run 'make test' (it installs it), or: " + ToolCheck.installCommand(["chromium"]))
        }
        let isolated = ToolCheck.find("unshare").map { unshare in
            (try? CommandOutput.run(unshare, ["--net", "true"]))?.status == .exited(0)
        } ?? false
        return HeadlessChromium(executable: path, isolatedNetwork: isolated)
    }

    /// What the browser printed on stdout (and separately stderr) for `arguments` after the
    /// common ones; fails if it does not end within `limit`.
    func run(_ arguments: [String], width: Int, height: Int, limit: TimeInterval = 120) throws -> (stdout: String, stderr: String) {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
            "--user-data-dir=\(profile.path)", "--window-size=\(width),\(height)",
            "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--host-resolver-rules=MAP * ~NOTFOUND",
        ]
        let process = Process()
        if isolatedNetwork, let unshare = ToolCheck.find("unshare") {
            process.executableURL = URL(fileURLWithPath: unshare)
            process.arguments = ["--net", executable] + common + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = common + arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = profile.path
        process.environment = environment
        let out = profile.appendingPathExtension("out")
        let err = profile.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = Date().addingTimeInterval(limit)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw ReportgenError(.io, "chromium did not finish within \(Int(limit)) s: \(process.arguments ?? [])")
        }
        let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        return (stdout, stderr)
    }

    /// Writes a screenshot of `page` at `width` CSS pixels (`height` tall) to `file`.
    func screenshot(_ page: URL, width: Int, height: Int, to file: URL) throws {
        try? FileManager.default.removeItem(at: file)
        let result = try run(["--screenshot=\(file.path)", page.absoluteString], width: width, height: height)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw ReportgenError(.io, "chromium wrote no screenshot of \(page.path): \(result.stderr.suffix(2_000))")
        }
    }

    /// Loads `page`, with `checkScript` added at the top of its head, in a frame exactly
    /// `width` CSS pixels wide (a headless window is never narrower than 500 px, a frame can
    /// be a phone's width), lets it load, and returns the DOM of the framing page, into which
    /// the script posts what it found as `<pre id="reportgen-check">`, and every network
    /// request the browser made meanwhile.
    func dumpDOM(of page: URL, width: Int, height: Int, checkScript: String) throws -> (dom: String, requests: [String]) {
        let html = try String(contentsOf: page, encoding: .utf8)
        guard let head = html.range(of: "<head>") else {
            throw ReportgenError(.io, "the page has no <head>: \(page.path)")
        }
        var instrumented = html
        instrumented.insert(contentsOf: "\n<script>\n\(checkScript)\n</script>", at: head.upperBound)
        let folder = page.deletingLastPathComponent()
        let copy = folder.appendingPathComponent(".checked-\(page.lastPathComponent)")
        let frame = folder.appendingPathComponent(".frame-\(width)-\(page.lastPathComponent)")
        try instrumented.write(to: copy, atomically: true, encoding: .utf8)
        try """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><style>body { margin: 0 } iframe { border: 0; display: block; width: \(width)px; height: \(height)px }</style></head>
            <body><iframe src="\(copy.lastPathComponent)"></iframe>
            <script>
            window.addEventListener('message', function (e) {
              var pre = document.createElement('pre');
              pre.id = 'reportgen-check';
              pre.textContent = String(e.data);
              document.body.appendChild(pre);
            });
            </script></body></html>
            """.write(to: frame, atomically: true, encoding: .utf8)
        defer {
            try? FileManager.default.removeItem(at: copy)
            try? FileManager.default.removeItem(at: frame)
        }
        let netLog = folder.appendingPathComponent(".netlog-\(width).json")
        defer { try? FileManager.default.removeItem(at: netLog) }
        let dom = try run(
            ["--virtual-time-budget=10000", "--log-net-log=\(netLog.path)", "--dump-dom", frame.absoluteString],
            width: max(width, 800), height: height + 100).stdout
        return (dom, try Self.networkRequests(in: netLog))
    }

    /// Every http(s) or ws(s) URL the browser's network log shows a request for, except the
    /// browser's own housekeeping (update checks, time and dictionary downloads from Google),
    /// which no page causes. A failed request is listed too: what matters is that it was made.
    static func networkRequests(in netLog: URL) throws -> [String] {
        let text = try String(contentsOf: netLog, encoding: .utf8)
        let housekeeping = ["google.com", "googleapis.com", "gvt1.com", "gstatic.com"]
        var found: [String] = []
        for match in text.matches(of: /"url":"((?:https?|wss?):\/\/[^"]*)"/) {
            let url = String(match.1)
            let host = URL(string: url)?.host ?? ""
            if housekeeping.contains(where: { host == $0 || host.hasSuffix("." + $0) }) { continue }
            if !found.contains(url) { found.append(url) }
        }
        return found
    }
}
