import Foundation
import TestFixtures
import Testing
@testable import Core
@testable import Store

@Suite("Text from elsewhere on a terminal")
struct TerminalTextTests {
    @Test("escape sequences, C1 controls and bidirectional overrides print as visible escapes; newlines, tabs and other text are kept")
    func escapes() {
        #expect(TerminalText.safe("bench-1 (Intel® Xeon®, 2 cores)\n\tnext") == "bench-1 (Intel® Xeon®, 2 cores)\n\tnext")
        #expect(TerminalText.safe("a\u{1B}[31mred\u{7}") == "a\\u{1B}[31mred\\u{7}")
        #expect(TerminalText.safe("\u{1B}]52;c;cHduZWQ=\u{7}") == "\\u{1B}]52;c;cHduZWQ=\\u{7}")
        #expect(TerminalText.safe("x\u{9B}2Jy\r\u{7F}") == "x\\u{9B}2Jy\\u{D}\\u{7F}")
        #expect(TerminalText.safe("abc\u{202E}fdp.exe") == "abc\\u{202E}fdp.exe")
        #expect(TerminalText.safe("\u{2066}é\u{2069}") == "\\u{2066}é\\u{2069}")
    }
}

extension RealServers {
    @Suite("a stranger's strings on the terminal", .serialized, .timeLimit(.minutes(5)))
    struct TerminalSafetyTests {
        @Test("a run from a file whose hostname and experiment hold escape sequences: import, list and a refusal print them as visible escapes, never a control byte")
        func listAndImport() async throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-terminal-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = folder.appendingPathComponent("hostile.sqlite")
            try FileManager.default.copyItem(at: try ThinnedReference.file(), to: file)
            try SQLiteDatabase.withConnection(path: file.path) {
                try $0.execute("UPDATE machines SET hostname = 'evil' || char(27) || ']0;pwned' || char(7) || char(155) || '2J' || char(8238)")
            }
            let cli = ReportgenCLI(folder: folder, logs: folder.appendingPathComponent("logs"))
            let store = folder.appendingPathComponent("results.sqlite").path
            let imported = try await cli.run(["import", file.path, "--db", store])
            #expect(imported.code == 0, "\(imported)")
            let listed = try await cli.run(["list", "--db", store])
            #expect(listed.code == 0, "\(listed)")
            #expect(listed.stdout.contains("evil\\u{1B}]0;pwned\\u{7}\\u{9B}2J\\u{202E}"), "\(listed)")
            // The refusal quotes the file's experiment name: escaped too.
            try SQLiteDatabase.withConnection(path: file.path) {
                try $0.execute("UPDATE runs SET experiment = 'x' || char(27) || '[2J' WHERE kind = 'measured'")
            }
            let refused = try await cli.run(["render", "--from", file.path, "--output", folder.appendingPathComponent("out").path])
            #expect(refused.code == 65, "\(refused)")
            for result in [imported, listed, refused] {
                let bytes = Array((result.stdout + result.stderr).utf8)
                #expect(!bytes.contains(0x1B) && !bytes.contains(0x07), "a control byte reached the terminal: \(result)")
                #expect(!(result.stdout + result.stderr).unicodeScalars.contains { (0x80...0x9F).contains($0.value) || $0.value == 0x202E })
            }
        }
    }
}
