import Core
import Definition
import Foundation
import Supervision

#if canImport(Glibc)
import Glibc
#endif

/// The shared upstream: one nginx per run, with its own configuration in a private folder,
/// on a free loopback port, serving the experiment's static page to every variant.
public struct NginxUpstream: Sendable {
    public let port: Int
    public let process: any RoleProcess
    /// The host it runs on, and its folder there.
    public let host: any RoleHost
    public let folder: URL
    public let configFile: URL
    /// The delays it holds responses for, each on its own path (see `url(delay:)`).
    public let delays: [Duration]

    /// How long nginx may take to serve its page.
    static let startTimeout: Duration = .seconds(10)

    /// Writes the configuration, starts nginx and waits until it answers on `/` (with any
    /// status: the folder need not hold an index page).
    /// `delays` beyond zero need nginx's echo module (`echoModule()`).
    public static func start<C: Clock>(
        settings: UpstreamSettings, delays: [Duration] = [.zero], folder: URL, host: any RoleHost = LocalHost(),
        cpus: CPUSet? = nil, clock: C
    ) async throws -> NginxUpstream where C.Duration == Duration {
        var module: String?
        if delays.contains(where: { $0 > .zero }) {
            guard let found = host.facts.echoModule else {
                let install = ToolCheck.installCommand(["libnginx-mod-http-echo"])
                throw ReportgenError(
                    .missingDependency, "an upstream delay needs nginx's echo module (\(echoModuleName)), which is not installed"
                        + host.whereabouts(quoted: true),
                    hint: "install it with: " + install)
            }
            module = found
        }
        let port = try await host.freePort()
        let configFile = folder.appendingPathComponent("nginx.conf")
        let config = configuration(
            root: host.hostPath(settings.root), port: port, workers: settings.workers, folder: folder,
            runAsRoot: host.facts.uid == 0, delays: delays, echoModule: module, listen: host.address)
        try await host.write(config, to: configFile)
        let process = try await host.start(
            Command(
                executable: "nginx",
                arguments: ["-p", folder.path, "-c", configFile.path, "-e", folder.appendingPathComponent("error.log").path],
                environment: ["PATH": ProcessEnvironment.systemPath]),
            logFile: folder.appendingPathComponent("nginx.out"), cpus: cpus)
        let upstream = NginxUpstream(
            port: port, process: process, host: host, folder: folder, configFile: configFile, delays: Set(delays).sorted())
        do {
            try await ServerReadiness.wait(
                for: process, name: "nginx (the upstream)", address: host.address, port: port, path: "/", okOnly: false,
                timeout: startTimeout, clock: clock
            ) { await process.recentOutput() + upstream.errorLogTail() }
        } catch {
            await upstream.stop()
            throw error
        }
        return upstream
    }

    /// The URL the apps fetch when nothing holds the response.
    public var url: String { url(delay: .zero) }

    /// The URL whose response nginx holds for `delay` (one of `delays`) before sending it.
    public func url(delay: Duration) -> String {
        HostPort.url(host.address, port, path: Self.path(delay: delay))
    }

    /// What echo_sleep is asked for to hold an answer `delay`. nginx's timers tick in whole
    /// ms and fire on the first pass of its event loop after their time, so an answer comes
    /// back 0.6 ms late on an idle machine and 1.8 ms late at 8,000 answers a second (50 ms,
    /// 400 connections, measured here); a sleep 1 ms short centres the median on the delay
    /// (49.6 ms and 50.8 ms). Delays of 1 ms and less are asked for as they are.
    static func sleep(for delay: Duration) -> Duration {
        delay > .milliseconds(1) ? delay - .milliseconds(1) : delay
    }

    /// "/" without a delay, "/delay/50000us/" with one: the same folder either way.
    static func path(delay: Duration) -> String {
        delay > .zero ? "/delay/\(delay.microseconds)us/" : "/"
    }

    /// The dynamic module that gives nginx `echo_sleep`: a timer, not a sleeping thread, so a
    /// held response costs no CPU while it waits.
    public static let echoModuleName = "ngx_http_echo_module"

    /// Where distributions put the module: nginx's dynamic module folders.
    static let echoModulePaths = ["/usr/lib/nginx/modules", "/usr/lib64/nginx/modules", "/usr/share/nginx/modules"]
        .map { "\($0)/\(echoModuleName).so" }

    /// Where Debian's libnginx-mod-http-echo puts the module, if it is installed.
    public static func echoModule() -> String? {
        echoModulePaths.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Whether nginx is still running.
    public var isRunning: Bool { process.exitStatus == nil }

    public func stop() async {
        // SIGQUIT is nginx's graceful stop; the group kill after the grace catches the rest.
        await process.stop(grace: .seconds(3), signal: SIGQUIT)
    }

    /// The end of nginx's error log, for failure reports.
    package func errorLogTail() async -> String {
        let data = (try? await host.read(folder.appendingPathComponent("error.log"))) ?? nil
        return String(String(decoding: data ?? Data(), as: UTF8.self).suffix(1500))
    }

    /// The nginx configuration: no access log, keep-alive connections that never expire
    /// during a run (so no client reconnects), temp paths inside `folder`. With one worker,
    /// nginx runs as a single process: it then dies with reportgen even on SIGKILL (the
    /// parent-death signal reaches it), where a master's workers would outlive it.
    /// Each delay beyond zero is a location that holds the response on a timer, then serves
    /// what the rest of the path names (query included) through an internal redirect, so an
    /// app may fetch any file of the folder behind a delayed URL, as it can behind "/".
    static func configuration(
        root: URL, port: Int, workers: Int, folder: URL, runAsRoot: Bool, delays: [Duration] = [], echoModule: String? = nil,
        listen: String = "127.0.0.1"
    ) -> String {
        // Paths are quoted: a folder name with a space (or a quote) is one argument.
        let path = { (file: String) in quoted(folder.appendingPathComponent(file).path) }
        let held = Set(delays.filter { $0 > .zero }).sorted().map { delay in
            // echo_sleep takes seconds with at most three decimals: definitions hold whole ms.
            let seconds = String(format: "%.3f", Self.sleep(for: delay).seconds)
            return """

                        location ~ ^\(Self.path(delay: delay).dropLast())(/.*)$ {
                            echo_sleep \(seconds);
                            echo_exec $1 $args;
                        }
                """
        }.joined()
        return """
            # Written by reportgen for one run; started with -p \(folder.path)
            \(echoModule.map { "load_module \(quoted($0));\n" } ?? "")daemon off;
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
                    listen \(HostPort.join(listen, "\(port)"));
                    root \(quoted(root.path));
                    index index.html;\(held)
                }
            }

            """
    }

    /// `text` as an nginx quoted string.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
