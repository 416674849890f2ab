import Foundation
import Testing
@testable import Core
@testable import Hosts


extension RealServers {
/// Builds real venvs with pip: heavy on the 2 cores, so it runs in the serialized parent.
@Suite("Python environment from a lock", .serialized, .timeLimit(.minutes(3)))
struct PythonEnvironmentTests {
    @Test("a lock that does not install is a definition error naming the lock, with pip's reason")
    func brokenLock() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reportgen-venv-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let lock = folder.appendingPathComponent("requirements.lock")
        // A pin with an impossible version: pip refuses it without downloading anything.
        try "flask==0.0.0.0.0.1\n".write(to: lock, atomically: true, encoding: .utf8)
        let error = await #expect(throws: ReportgenError.self) {
            try await PythonEnvironment.prepare(lock: lock, cache: folder.appendingPathComponent("cache")) { _ in }
        }
        #expect(error?.code == .badDefinition)
        #expect(error?.location?.file == lock.path)
        #expect(error?.message.contains("did not install") == true)
        #expect(error?.output?.isEmpty == false, "pip's own output is attached")
        // Nothing half-built is taken for a ready environment next time.
        let venvs = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("cache/venvs").path)) ?? []
        for name in venvs where !name.hasSuffix(".log") {
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("cache/venvs/\(name)/.reportgen-complete").path))
        }
    }
}
}
