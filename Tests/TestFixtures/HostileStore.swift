import Foundation
@testable import Store

/// The shipped reference export with hostile text written into every column a report shows:
/// the machine's hostname and CPU model, a variant's name, a failed trial's message, the
/// command lines, and the stored write-up (links of every scheme, raw HTML, pipes and
/// backtick runs). Built from the real file with SQL, never typed as a blob.
public enum HostileStore {
    /// The reference export every hostile store starts from.
    public static let reference = TestPaths.projectRoot.appendingPathComponent(
        "experiments/aiohttp-vs-flask/baseline/reference.sqlite.xz")
    /// The measured run in the reference.
    public static let runID: Int64 = 2

    public static let hostname = "evil-host [click](javascript:alert('host')) <script>alert('host')</script> | x\ny {{< youtube abc >}} {% include secrets %}"
    public static let cpuModel = "<img src=x onerror=alert('cpu')> & <b>bold</b> | ``` *EPYC* \\| end"
    /// Renamed from flask:800, which the write-up does not name.
    public static let variantName = "flask:800<script>alert('v')</script>|[v](javascript:alert('v'))"
    public static let failure = "died: <img src=x onerror=alert('fail')>\n```\n# not a heading\n| not | a | row |"
    public static let upstreamCommandLine = "nginx -g 'daemon off;' ```` ```\n```\n<script>alert('upstream')</script>"
    public static let serverCommandLine = "gunicorn ``` app:app <script>alert('server')</script>"
    /// The links the write-up tries, each labelled so a test can find its text.
    public static let links: [(label: String, target: String)] = [
        ("plain-js", "javascript:alert('plain')"),
        ("mixed-case", "JaVaScRiPt:alert('mixed')"),
        ("data-url", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
        ("vb-script", "vbscript:msgbox('vb')"),
        ("file-url", "file:///etc/passwd"),
        ("leading-space", "< javascript:alert('space')>"),
        ("entity", "&#106;avascript:alert('entity')"),
        ("tab-inside", "java&#9;script:alert('tab')"),
        ("safe-https", "https://example.org/reportgen"),
        ("safe-fragment", "#results"),
    ]
    /// Labels of the links that must survive as links.
    public static let safeLabels: Set<String> = ["safe-https", "safe-fragment"]

    /// The prose appended to the stored write-up.
    public static var writeupSection: String {
        """

        ## Hostile corner

        \(links.map { "[\($0.label)](\($0.target))" }.joined(separator: " ")) <javascript:alert('autolink')>

        <script>document.title = 'pwned-block'</script>

        ```text
        {{% param secret %}} {%raw%} {{site.github}}
        ```

        <img src=x onerror="document.title='pwned-img'">

        Inline <img src=x onerror="document.title='pwned-inline'"> and <b>bold</b> & <i>more</i>.

        | cpu | other |
        | --- | --- |
        | {{ machine.cpu }} | two |

        """
    }

    /// Writes the hostile store as `folder/hostile.sqlite` and returns its path.
    public static func make(in folder: URL) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // The thinned reference: what is hostile here is text, not the 2.4 M samples.
        let file = folder.appendingPathComponent("hostile.sqlite")
        try? FileManager.default.removeItem(at: file)
        try FileManager.default.copyItem(at: try ThinnedReference.file(), to: file)
        let database = try SQLiteDatabase(path: file.path)
        let machine = "(SELECT machine_id FROM runs WHERE id = \(runID))"
        try database.run("UPDATE machines SET hostname = ?, cpu_model = ? WHERE id = \(machine)", hostname, cpuModel)
        try database.run(
            "UPDATE variants SET name = ?1, variant = ?1, config_json = json_set(config_json, '$.command_line', ?2) WHERE run_id = \(runID) AND name = 'flask:800'",
            variantName, serverCommandLine)
        try database.run(
            """
            UPDATE trials SET status = 'failed', failure = ? WHERE id = (
                SELECT t.id FROM trials t JOIN variants v ON v.id = t.variant_id
                WHERE v.run_id = \(runID) AND v.name = 'flask:100' ORDER BY t.trial_index LIMIT 1)
            """, failure)
        try database.run(
            "UPDATE trials SET server_command_line = ?, command_line = command_line || ' ``` <script>x</script>' WHERE variant_id IN (SELECT id FROM variants WHERE run_id = \(runID))",
            serverCommandLine)
        try database.run(
            "UPDATE runs SET upstream_command_line = ?, writeup_text = replace(writeup_text, '# Is aiohttp', '# Is \"aiohttp\": faster? #no [x] ''quoted''\n\n# Is aiohttp') || ? WHERE id = \(runID)",
            upstreamCommandLine, writeupSection)
        return file
    }
}
