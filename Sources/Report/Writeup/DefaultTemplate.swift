/// The write-up used when an experiment has no `report.md`: every standard cell, no prose.
enum DefaultTemplate {
    /// With a sweep, the curves and ceilings come first.
    static func text(sweep: Bool) -> String {
        guard sweep else { return text }
        return text.replacingOccurrences(of: "# Results\n", with: """
            # Results

            ```chart sweep-requests
            ```

            ```ceilings
            ```

            ```chart sweep-p50
            ```

            ```chart sweep-p99
            ```

            ```chart sweep-memory
            ```

            """)
    }

    static let text = """
        # Results

        ```table
        ```

        ```chart requests
        ```

        ```chart latency
        ```

        ```chart memory
        ```

        ```chart cpu
        ```

        ## Method

        ```method
        ```

        ## Environment

        ```environment
        ```

        ## Failed trials

        ```failures
        ```

        """
}
