/// SQL that takes a store back to before a migration, for tests of what older stores do.
public enum SchemaUndo {
    /// Migration 14: the capacity searches.
    public static let capacity = """
        DROP TABLE capacity_probes; DROP TABLE capacity_searches;
        """

    /// Migration 13: the timelines.
    public static let timelines = """
        DROP TABLE trial_intervals; DROP TABLE trial_timelines;
        """

    /// Migration 12: the packed latency and its two triggers.
    public static let packedLatency = """
        DROP TRIGGER latency_samples_updated; DROP TRIGGER latency_samples_deleted; DROP TABLE latency_histograms;
        """
}
