/// The write-up used when an experiment has no `report.md`: every standard cell, no prose.
enum DefaultTemplate {
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
