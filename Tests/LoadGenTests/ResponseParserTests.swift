import Testing

@testable import LoadGen

@Suite("LoadGen response parser")
struct ResponseParserTests {
    /// Feeds `text` split at every point (and byte by byte), checking each way ends the
    /// response after exactly `text` with `status`.
    func expectComplete(_ text: String, status: UInt16, keepAlive: Bool = true, extra: String = "") {
        let bytes = Array(text.utf8)
        let trailing = Array(extra.utf8)
        var splits = (0...bytes.count).map { [$0] }
        splits.append(Array(0...bytes.count))
        for cuts in splits {
            var parser = ResponseParser()
            defer { parser.deallocate() }
            var start = 0
            var outcome = ResponseParser.Outcome.needMore
            var consumed = 0
            let all = bytes + trailing
            for end in cuts + [all.count] where end >= start {
                outcome = all[start..<end].withUnsafeBytes { parser.parse($0) }
                if case .complete(let n) = outcome {
                    consumed = start + n
                    break
                }
                #expect(outcome == .needMore, "cuts \(cuts.prefix(3)): \(outcome)")
                start = end
            }
            #expect(consumed == bytes.count, "cuts \(cuts.prefix(3)) of \(text.debugDescription)")
            #expect(parser.status == status)
            #expect(parser.keepAlive == keepAlive)
        }
    }

    @Test("a Content-Length body ends after its length, however the bytes are split")
    func contentLength() {
        expectComplete(
            "HTTP/1.1 200 OK\r\nServer: x\r\ncontent-LENGTH: 11\r\n\r\nhello world", status: 200,
            extra: "HTTP/1.1 200")
        expectComplete("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", status: 404)
    }

    @Test("a chunked body with extensions and trailers is read to its end")
    func chunked() {
        expectComplete(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-T: 1\r\n\r\n",
            status: 200)
        expectComplete("HTTP/1.1 201 Created\r\ntransfer-encoding: gzip, chunked\r\n\r\n0\r\n\r\n", status: 201)
    }

    @Test("interim, bodyless, HTTP/1.0 and Connection: close responses")
    func framing() {
        expectComplete("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", status: 200)
        expectComplete("HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n", status: 204)
        expectComplete("HTTP/1.1 304 Not Modified\r\n\r\n", status: 304)
        expectComplete("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx", status: 200, keepAlive: false)
        expectComplete("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", status: 200, keepAlive: false)
        expectComplete(
            "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx", status: 200, keepAlive: true)
    }

    @Test("a header line longer than the carried line buffer, split, still parses")
    func longHeader() {
        let cookie = String(repeating: "c", count: 1000)
        expectComplete("HTTP/1.1 200 OK\r\nSet-Cookie: \(cookie)\r\nContent-Length: 3\r\n\r\nabc", status: 200)
    }

    @Test("a body without a length runs until the close")
    func untilClose() {
        var parser = ResponseParser()
        defer { parser.deallocate() }
        let outcome = Array("HTTP/1.1 200 OK\r\n\r\nabc".utf8).withUnsafeBytes { parser.parse($0) }
        #expect(outcome == .needMore)
        #expect(parser.readsUntilClose)
        #expect(!parser.keepAlive)
    }

    @Test("malformed responses are rejected", arguments: [
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "garbage\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc",
    ])
    func malformed(text: String) {
        var parser = ResponseParser()
        defer { parser.deallocate() }
        let outcome = Array(text.utf8).withUnsafeBytes { parser.parse($0) }
        #expect(outcome == .invalid)
    }

    @Test("header names and values match in any case")
    func caseInsensitive() {
        expectComplete(
            "HTTP/1.1 200 OK\r\nCONNECTION:CLOSE\r\nTRANSFER-ENCODING:  Chunked \r\n\r\n1\r\nx\r\n0\r\n\r\n",
            status: 200, keepAlive: false)
        expectComplete("HTTP/1.1 200 OK\r\nconnection: Keep-Alive\r\ncontent-length:1\r\n\r\nx", status: 200)
    }

    @Test("the packed header names spell what they say")
    func packedNames() {
        func word(_ text: String) -> UInt64 {
            Array(text.uppercased().utf8).withUnsafeBufferPointer { ResponseParser.word($0.baseAddress!, 0) }
        }
        #expect(ResponseParser.Name.content == word("content-"))
        #expect(ResponseParser.Name.dashLength == word("-length:"))
        #expect(ResponseParser.Name.connecti == word("connecti"))
        #expect(ResponseParser.Name.nection == word("nection:"))
        #expect(ResponseParser.Name.transfer == word("transfer"))
        #expect(ResponseParser.Name.dashEncodin == word("-encodin"))
        #expect(ResponseParser.Name.ncoding == word("ncoding:"))
        #expect(ResponseParser.Name.keepAli == word("keep-ali"))
        #expect(ResponseParser.Name.epAlive == word("ep-alive"))
    }

    @Test("radix sort orders like a stable comparison sort")
    func radixSort() {
        var generator = SystemRandomNumberGenerator()
        var samples = ContiguousArray((0..<50_000).map { index in
            RequestSample(
                startUs: UInt32.random(in: 0...3_000_000, using: &generator), latencyUs: UInt32(index),
                bytes: 0, status: 200, connection: UInt16.random(in: 0...400, using: &generator))
        })
        let expected = samples.sorted { $0.orderKey < $1.orderKey }
        RadixSort.sort(&samples, keyBits: 48) { $0.orderKey }
        #expect(Array(samples) == expected)
    }

    @Test("a stored request takes 16 bytes")
    func sampleSize() {
        #expect(MemoryLayout<RequestSample>.size == 16)
        #expect(MemoryLayout<RequestSample>.stride == 16)
    }
}
