import Core

/// The keys `experiment.toml` accepts in each section, for rejecting unknown keys with a hint.
enum DefinitionSchema {
    static let topLevel = [
        "title", "trials", "precision", "max_trials", "time_budget", "include_unsteady", "upstream", "app", "load", "variants", "hosts",
    ]
    static let upstream = ["server", "root", "workers", "delay", "host", "cpus"]
    static let app = [
        "server", "module", "workers", "requirements", "worker_class", "threads", "env", "command", "ready_path",
        "ready_timeout", "host", "cpus",
    ]
    static let load = [
        "generator", "path", "connections", "threads", "duration", "timeout", "warmup", "interval", "rate", "max_error_rate", "capacity", "probe", "resolution", "host", "cpus",
    ]
    static let variant = [
        "name", "server", "module", "worker_class", "workers", "threads", "env", "command", "ready_path", "ready_timeout",
    ]

    /// Section headers with their keys, in the order a hint should name them.
    static let sections: [(header: String, keys: [String])] = [
        ("[upstream]", upstream), ("[app]", app), ("[load]", load), ("[[variants]]", variant),
    ]

    /// "'workers' belongs in [upstream], [app] or [[variants]]" when `key` is valid elsewhere.
    static func otherHome(of key: String, notIn header: String) -> String? {
        let homes = sections.filter { $0.header != header && $0.keys.contains(key) }.map(\.header)
        guard let last = homes.last else { return nil }
        let list = homes.count == 1 ? last : homes.dropLast().joined(separator: ", ") + " or " + last
        return "'\(key)' belongs in \(list)"
    }
}
