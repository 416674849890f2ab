/// reportgen's documented process exit statuses, so a script can tell what happened: a
/// failed variant is not a bad definition, and neither is an interrupt. The values follow
/// BSD's sysexits where one fits.
public enum ExitCode: Int32, Sendable, CaseIterable {
    case success = 0
    /// `verify`: the report does not match its data (a file differs, is missing or is extra,
    /// or the data holds another run).
    case verificationFailed = 1
    /// The run finished, but at least one variant failed.
    case variantFailed = 3
    /// `compare --fail-on-regression`: a variant is significantly worse than the baseline by
    /// more than the threshold.
    case regression = 4
    /// `build --check-claims`: a claim in the write-up does not hold on the run.
    case claimDoesNotHold = 5
    /// A command-line value is wrong.
    case badArgument = 64
    /// The definition, a file it names, the lock or the write-up is wrong; or a results file
    /// from elsewhere is refused (`refusedFile`).
    case badDefinition = 65
    /// The results store cannot be used (foreign, damaged, from a newer reportgen).
    case badStore = 66
    /// A tool the run needs is not installed (here or on a host), or a host it needs cannot be reached.
    case missingDependency = 69
    /// A server or the load generator misbehaved.
    case processFailed = 70
    /// A file could not be read or written.
    case io = 74
    /// Stopped by SIGINT (Ctrl-C).
    case interrupted = 130
    /// Stopped by SIGTERM.
    case terminated = 143
}

extension ExitCode {
    /// A results file from elsewhere that reportgen refuses to use (not a reportgen file,
    /// changed outside reportgen, damaged, from a newer reportgen): the input is bad, as a
    /// bad definition is (sysexits' EX_DATAERR). This machine's own store, when damaged,
    /// stays `.badStore` (66): a different problem, with a different fix.
    public static let refusedFile = ExitCode.badDefinition
}
