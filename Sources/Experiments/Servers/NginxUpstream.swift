import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The shared upstream: one nginx per run, with its own configuration in a private folder,
/// on a free loopback port, serving the experiment's static page to every variant.
public struct NginxUpstream: Sendable {
    public let port: Int
    public let process: ChildProcess
    public let folder: URL
    public let configFile: URL

    /// How long nginx may take to serve its page.
    static let startTimeout: Duration = .seconds(10)

    /// Writes the configuration, starts nginx and waits until it answers on `/` (with any
    /// status: the folder need not hold an index page).
    public static func start<C: Clock>(
        settings: UpstreamSettings, folder: URL, host: LocalHost = LocalHost(), clock: C
    ) async throws -> NginxUpstream where C.Duration == Duration {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let port = try host.freePort()
        let configFile = folder.appendingPathComponent("nginx.conf")
        let config = configuration(
            root: settings.root, port: port, workers: settings.workers, folder: folder, runAsRoot: geteuid() == 0)
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        let process = try host.start(
            Command(
                executable: "nginx",
                arguments: ["-p", folder.path, "-c", configFile.path, "-e", folder.appendingPathComponent("error.log").path],
                environment: ["PATH": ProcessEnvironment.systemPath]),
            logFile: folder.appendingPathComponent("nginx.out"))
        let upstream = NginxUpstream(port: port, process: process, folder: folder, configFile: configFile)
        do {
            try await ServerReadiness.wait(
                for: process, name: "nginx (the upstream)", port: port, path: "/", okOnly: false,
                timeout: startTimeout, clock: clock
            ) { process.logTail() + NginxUpstream.errorLogTail(folder) }
        } catch {
            await upstream.stop()
            throw error
        }
        return upstream
    }

    /// The URL the apps fetch.
    public var url: String { "http://127.0.0.1:\(port)/" }

    /// Whether nginx is still running.
    public var isRunning: Bool { process.exitStatus == nil }

    public func stop() async {
        // SIGQUIT is nginx's graceful stop; the group kill after the grace catches the rest.
        await process.stop(grace: .seconds(3), signal: SIGQUIT)
    }

    static func errorLogTail(_ folder: URL) -> String {
        let text = (try? String(contentsOf: folder.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
        return String(text.suffix(1500))
    }

    /// The nginx configuration: no access log, keep-alive connections that never expire
    /// during a run (so no client reconnects), temp paths inside `folder`. With one worker,
    /// nginx runs as a single process: it then dies with reportgen even on SIGKILL (the
    /// parent-death signal reaches it), where a master's workers would outlive it.
    static func configuration(root: URL, port: Int, workers: Int, folder: URL, runAsRoot: Bool) -> String {
        // Paths are quoted: a folder name with a space (or a quote) is one argument.
        let path = { (file: String) in quoted(folder.appendingPathComponent(file).path) }
        return """
            # Written by reportgen for one run; started with -p \(folder.path)
            daemon off;
            \(workers == 1 ? "master_process off;" : "master_process on;\nworker_processes \(workers);")
            \(runAsRoot ? "user root;\n" : "")pid \(path("nginx.pid"));
            error_log \(path("error.log")) warn;
            events { worker_connections 8192; }
            http {
                access_log off;
                sendfile on;
                tcp_nopush on;
                keepalive_requests 100000000;
                keepalive_timeout 3600s;
                client_body_temp_path \(path("client_body"));
                proxy_temp_path \(path("proxy"));
                fastcgi_temp_path \(path("fastcgi"));
                uwsgi_temp_path \(path("uwsgi"));
                scgi_temp_path \(path("scgi"));
                types { text/html html; }
                default_type text/html;
                server {
                    listen 127.0.0.1:\(port);
                    root \(quoted(root.path));
                    index index.html;
                }
            }

            """
    }

    /// `text` as an nginx quoted string.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
