import Foundation
import Testing

@testable import LoadGen

@Suite("LoadGen sample file")
struct SampleFileTests {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("loadgen-\(UUID().uuidString).samples").path
    }

    @Test("a result written and read back is the same, field for field, warm-up and failed connects included, at 16 bytes per request")
    func roundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        let samples = ContiguousArray((0..<10_000).map { (index: Int) -> RequestSample in
            // The first hundred end within the warm-up below; the rest, most likely, after it.
            let latency: UInt32 = index < 100 ? UInt32(index) : UInt32.random(in: 0...UInt32.max, using: &generator)
            return RequestSample(
                startUs: UInt32(index * 37), latencyUs: latency,
                bytes: UInt32.random(in: 0...UInt32.max, using: &generator),
                status: [200, 404, 503, RequestSample.timedOut, RequestSample.readFailed][index % 5],
                connection: UInt16.random(in: 0...UInt16.max, using: &generator))
        })
        // A 100 ms warm-up: the requests that completed before it ended are the warm-up's.
        let result = LoadResult(
            durationUs: 2_500_000, warmupUs: 100_000, connectFailuresUs: [5, 99_999, 100_000], inFlightAtWindowStart: 9,
            inFlightAtEnd: 17, reconnects: 5, samples: samples)
        let endsEarly = samples.filter { Int64($0.startUs) + Int64($0.latencyUs) < 100_000 }
        #expect(result.warmupSamples.count == endsEarly.count)
        #expect(result.samples.count + result.warmupSamples.count == samples.count)
        #expect(!result.warmupSamples.isEmpty && !result.samples.isEmpty)
        #expect(result.errors.connect == 1)
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SampleFile.write(result, to: path)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        #expect(size == 72 + 16 * samples.count + 4 * 3)

        let back = try SampleFile.read(from: path)
        #expect(back.samples == result.samples)
        #expect(back.warmupSamples == result.warmupSamples)
        #expect(back.connectFailuresUs == [5, 99_999, 100_000])
        #expect(back.durationUs == 2_500_000)
        #expect(back.warmupUs == 100_000)
        #expect(back.errors == result.errors)
        #expect(back.inFlightAtWindowStart == 9)
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
        try SampleFile.write(LoadResult(durationUs: 1, connectFailuresUs: [], inFlightAtEnd: 0, reconnects: 0, samples: samples), to: path)
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.truncate(atOffset: 72 + 8)
        try handle.close()
        let truncated = try #require(throws: LoadGenError.self) { try SampleFile.read(from: path) }
        #expect(truncated.code == .badFile)
        #expect(truncated.message.contains("header promises 1 + 0 requests"))

        try Data("not a sample file at all, but long enough to hold a header".utf8).write(to: URL(fileURLWithPath: path))
        let foreign = try #require(throws: LoadGenError.self) { try SampleFile.read(from: path) }
        #expect(foreign.message.contains("not a load file of this reportgen"))
    }
}
