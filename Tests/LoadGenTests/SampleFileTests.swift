import Foundation
import Testing

@testable import LoadGen

@Suite("LoadGen sample file")
struct SampleFileTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("loadgen-\(UUID().uuidString).samples").path
    }

    @Test("a result written and read back is the same, field for field, at 16 bytes per request")
    func roundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        let samples = ContiguousArray((0..<10_000).map { index in
            RequestSample(
                startUs: UInt32(index * 37), latencyUs: UInt32.random(in: 0...UInt32.max, using: &generator),
                bytes: UInt32.random(in: 0...UInt32.max, using: &generator),
                status: [200, 404, 503, RequestSample.timedOut, RequestSample.readFailed][index % 5],
                connection: UInt16.random(in: 0...UInt16.max, using: &generator))
        })
        let result = LoadResult(durationUs: 2_500_000, connectErrors: 3, inFlightAtEnd: 17, reconnects: 5, samples: samples)
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SampleFile.write(result, to: path)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        #expect(size == 48 + 16 * samples.count)

        let back = try SampleFile.read(from: path)
        #expect(back.samples == samples)
        #expect(back.durationUs == 2_500_000)
        #expect(back.errors == result.errors)
        #expect(back.inFlightAtEnd == 17)
        #expect(back.reconnects == 5)
        #expect(back.requests == result.requests)
        #expect(back.responses == result.responses)
    }

    @Test("a truncated or foreign file is refused with what is wrong")
    func refusesDamagedFiles() throws {
        let samples: ContiguousArray = [RequestSample(startUs: 1, latencyUs: 2, bytes: 3, status: 200, connection: 0)]
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SampleFile.write(LoadResult(durationUs: 1, connectErrors: 0, inFlightAtEnd: 0, reconnects: 0, samples: samples), to: path)
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.truncate(atOffset: 48 + 8)
        try handle.close()
        let truncated = try #require(throws: LoadGenError.self) { try SampleFile.read(from: path) }
        #expect(truncated.code == .badFile)
        #expect(truncated.message.contains("header promises 1 requests"))

        try Data("not a sample file at all, but long enough to hold a header".utf8).write(to: URL(fileURLWithPath: path))
        let foreign = try #require(throws: LoadGenError.self) { try SampleFile.read(from: path) }
        #expect(foreign.message.contains("not a reportgen load file"))
    }
}
