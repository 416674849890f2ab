import Core

/// How a variant's app server is started.
public enum AppServerKind: String, Sendable, CaseIterable, Codable {
    /// gunicorn with a WSGI/ASGI module and a worker class: the shorthand of the seed.
    case gunicorn
    /// Any program, started from an argv template (`command = [...]`).
    case command
}

/// A variant's server: what runs, as the kind requires.
public enum AppServerSpec: Sendable, Equatable {
    /// `gunicorn MODULE -k WORKER_CLASS`.
    case gunicorn(module: String, workerClass: String)
    /// A program from its argv template.
    case command(CommandTemplate)

    public var kind: AppServerKind {
        switch self {
        case .gunicorn: return .gunicorn
        case .command: return .command
        }
    }
}
