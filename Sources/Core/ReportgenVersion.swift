/// reportgen's own version.
public enum ReportgenVersion {
    public static let current = "0.1.0"
}
