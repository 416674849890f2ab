import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The shared upstream: one nginx per run, with its own configuration in a private folder,
/// on a free loopback port, serving the experiment's static page to every variant.
public final class NginxUpstream: @unchecked Sendable {
    // @unchecked: mutated only by the runner's thread; the sampler reads `process.pid`.
    public let port: Int
    public let process: ChildProcess
    public let folder: URL
    public let configFile: URL

    /// Writes the configuration, starts nginx and waits until it serves `/`.
    public init(settings: UpstreamSettings, folder: URL, interrupt: Interrupt) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let port = try LoopbackPort.free()
        self.port = port
        configFile = folder.appendingPathComponent("nginx.conf")
        let config = NginxUpstream.configuration(
            root: settings.root, port: port, workers: settings.workers, folder: folder,
            runAsRoot: geteuid() == 0)
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        let process = try ChildProcess(
            executable: "nginx",
            arguments: ["-p", folder.path, "-c", configFile.path, "-e", folder.appendingPathComponent("error.log").path],
            environment: ["PATH": ProcessEnvironment.systemPath],
            logFile: folder.appendingPathComponent("nginx.out"))
        self.process = process
        let deadline = ContinuousClock.now + .seconds(10)
        while HTTPProbe.status(port: port, path: "/") != 200 {
            if let status = process.poll() {
                throw ReportgenError(
                    .processFailed, "nginx (the upstream) \(status) before it served the page",
                    hint: "see its log below; the configuration is \(configFile.path)",
                    underlying: process.logTail() + NginxUpstream.errorLogTail(folder))
            }
            if ContinuousClock.now > deadline {
                process.stop()
                throw ReportgenError(
                    .processFailed, "nginx did not serve \(settings.root.path) within 10 s",
                    underlying: NginxUpstream.errorLogTail(folder))
            }
            try interrupt.check()
            usleep(20_000)
        }
    }

    /// The URL the apps fetch.
    public var url: String { "http://127.0.0.1:\(port)/" }

    /// Whether nginx is still running.
    public var isRunning: Bool { process.poll() == nil }

    public func stop() {
        // SIGQUIT is nginx's graceful stop; the group kill after the grace catches the rest.
        process.stop(grace: .seconds(3), signal: SIGQUIT)
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
        let temp = folder.path
        return """
            # Written by reportgen for one run; started with -p \(temp)
            daemon off;
            \(workers == 1 ? "master_process off;" : "master_process on;\nworker_processes \(workers);")
            \(runAsRoot ? "user root;\n" : "")pid \(temp)/nginx.pid;
            error_log \(temp)/error.log warn;
            events { worker_connections 8192; }
            http {
                access_log off;
                sendfile on;
                tcp_nopush on;
                keepalive_requests 100000000;
                keepalive_timeout 3600s;
                client_body_temp_path \(temp)/client_body;
                proxy_temp_path \(temp)/proxy;
                fastcgi_temp_path \(temp)/fastcgi;
                uwsgi_temp_path \(temp)/uwsgi;
                scgi_temp_path \(temp)/scgi;
                types { text/html html; }
                default_type text/html;
                server {
                    listen 127.0.0.1:\(port);
                    root \(root.path);
                    index index.html;
                }
            }

            """
    }
}
