#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds where an HTTP/1.1 response ends, reading as little as possible: the status line,
/// the three headers that frame the body (Content-Length, Transfer-Encoding, Connection),
/// and the body's length (fixed, chunked, or until the connection closes). Bytes are fed
/// as they arrive, split anywhere; nothing is copied except a header line that spans two
/// reads. One response at a time (no pipelining).
struct ResponseParser {
    enum Outcome: Equatable {
        case needMore
        /// The response ended after `consumed` bytes of the bytes just fed.
        case complete(consumed: Int)
        case invalid
    }

    private enum State: UInt8 {
        case head, fixedBody, chunkSize, chunkExtension, chunkData, chunkDataEnd, trailer, untilClose
    }

    /// Longest header line kept when a line spans two reads; the parts that matter are short.
    private static let lineCapacity = 256

    private var state = State.head
    private var sawStatusLine = false
    private var contentLength = -1
    private var chunked = false
    private var remaining = 0
    private var chunkSizeDigits = 0
    private var trailerLineLength = 0
    private var carriedLength = 0
    private let carried: UnsafeMutablePointer<UInt8>

    /// The response's status, valid once the status line was read.
    private(set) var status: UInt16 = 0
    /// Whether the connection may carry another request after this response.
    private(set) var keepAlive = true

    init() {
        carried = .allocate(capacity: ResponseParser.lineCapacity)
    }

    /// Frees the line buffer; the parser must not be used afterwards.
    func deallocate() {
        carried.deallocate()
    }

    /// Starts a new response.
    @inline(__always)
    mutating func reset() {
        state = .head
        sawStatusLine = false
        contentLength = -1
        chunked = false
        carriedLength = 0
        status = 0
        keepAlive = true
    }

    /// Whether the body runs until the peer closes: then a close ends the response.
    var readsUntilClose: Bool { state == .untilClose }

    /// Feeds the next bytes of the stream.
    mutating func parse(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return .needMore }
        let count = bytes.count
        var index = 0
        while index < count {
            switch state {
            case .head:
                let rest = base + index
                guard let found = memchr(rest, 0x0A, count - index) else {
                    carry(rest, count - index)
                    return .needMore
                }
                let length = UnsafeRawPointer(found) - UnsafeRawPointer(rest)
                index += length + 1
                let result: LineResult
                if carriedLength > 0 {
                    carry(rest, length)
                    result = line(carried, min(carriedLength, ResponseParser.lineCapacity), total: carriedLength)
                    carriedLength = 0
                } else {
                    result = line(rest, length, total: length)
                }
                switch result {
                case .next: break
                case .complete: return .complete(consumed: index)
                case .invalid: return .invalid
                }
            case .fixedBody:
                let take = min(remaining, count - index)
                remaining -= take
                index += take
                if remaining == 0 { return .complete(consumed: index) }
            case .chunkSize:
                let byte = base[index]
                index += 1
                if let digit = ResponseParser.hexValue(byte) {
                    // More than 15 hex digits would overflow; no real chunk is that long.
                    guard chunkSizeDigits < 15 else { return .invalid }
                    remaining = remaining << 4 | digit
                    chunkSizeDigits += 1
                } else if byte == 0x0A {
                    guard chunkSizeLineEnded() else { return .invalid }
                } else if byte == 0x3B || byte == 0x20 || byte == 0x09 || byte == 0x0D {
                    state = .chunkExtension
                } else {
                    return .invalid
                }
            case .chunkExtension:
                let rest = base + index
                guard let found = memchr(rest, 0x0A, count - index) else { return .needMore }
                index += UnsafeRawPointer(found) - UnsafeRawPointer(rest) + 1
                guard chunkSizeLineEnded() else { return .invalid }
            case .chunkData:
                let take = min(remaining, count - index)
                remaining -= take
                index += take
                if remaining == 0 { state = .chunkDataEnd }
            case .chunkDataEnd:
                let byte = base[index]
                index += 1
                if byte == 0x0A {
                    state = .chunkSize
                    remaining = 0
                    chunkSizeDigits = 0
                } else if byte != 0x0D {
                    return .invalid
                }
            case .trailer:
                let byte = base[index]
                index += 1
                if byte == 0x0A {
                    if trailerLineLength == 0 { return .complete(consumed: index) }
                    trailerLineLength = 0
                } else if byte != 0x0D {
                    trailerLineLength += 1
                }
            case .untilClose:
                return .needMore
            }
        }
        return .needMore
    }

    /// 101, 204 and 304 responses have no body whatever their headers say (other 1xx are
    /// interim and skipped).
    private var bodyless: Bool { status == 204 || status == 304 || status == 101 }

    private mutating func chunkSizeLineEnded() -> Bool {
        guard chunkSizeDigits > 0 else { return false }
        if remaining == 0 {
            state = .trailer
            trailerLineLength = 0
        } else {
            state = .chunkData
        }
        return true
    }

    private mutating func carry(_ bytes: UnsafePointer<UInt8>, _ length: Int) {
        let room = ResponseParser.lineCapacity - min(carriedLength, ResponseParser.lineCapacity)
        let kept = min(room, length)
        if kept > 0 {
            (carried + min(carriedLength, ResponseParser.lineCapacity)).update(from: bytes, count: kept)
        }
        carriedLength += length
    }

    private enum LineResult { case next, complete, invalid }

    /// One line of the head without its "\n"; `total` is its full length, `available` what
    /// is kept of it.
    private mutating func line(_ bytes: UnsafePointer<UInt8>, _ available: Int, total: Int) -> LineResult {
        var length = available
        if length > 0 && length == total && bytes[length - 1] == 0x0D { length -= 1 }
        if !sawStatusLine {
            return statusLine(bytes, length) ? .next : .invalid
        }
        if total == 0 || (total == 1 && bytes[0] == 0x0D) {
            return headEnded()
        }
        guard length > 0 else { return .next }
        // Header names are compared eight bytes at a time, folded to lowercase (| 0x20 also
        // leaves "-" and ":" as they are).
        switch bytes[0] | 0x20 {
        case UInt8(ascii: "c"):
            if length >= 15 && ResponseParser.word(bytes, 0) == Name.content
                && ResponseParser.word(bytes, 7) == Name.dashLength {
                let value = ResponseParser.value(bytes, from: 15, length)
                guard let number = ResponseParser.decimal(value) else { return .invalid }
                // Two different lengths make the framing ambiguous.
                guard contentLength < 0 || contentLength == number else { return .invalid }
                contentLength = number
            } else if length >= 11 && ResponseParser.word(bytes, 0) == Name.connecti
                && ResponseParser.word(bytes, 3) == Name.nection {
                let value = ResponseParser.value(bytes, from: 11, length)
                if let start = value.baseAddress, value.count == 10,
                   ResponseParser.word(start, 0) == Name.keepAli, ResponseParser.word(start, 2) == Name.epAlive {
                    keepAlive = true
                } else if ResponseParser.contains("close", in: value) {
                    keepAlive = false
                } else if ResponseParser.contains("keep-alive", in: value) {
                    keepAlive = true
                }
            }
        case UInt8(ascii: "t"):
            if length >= 18 && ResponseParser.word(bytes, 0) == Name.transfer
                && ResponseParser.word(bytes, 8) == Name.dashEncodin && ResponseParser.word(bytes, 10) == Name.ncoding,
                ResponseParser.contains("chunked", in: ResponseParser.value(bytes, from: 18, length)) {
                chunked = true
            }
        default:
            break
        }
        return .next
    }

    /// Eight ASCII bytes, little-endian, as `word` reads them: the pieces of the header
    /// names and values the parser looks for (a test spells them out).
    enum Name {
        static let content: UInt64 = 0x2d74_6e65_746e_6f63  // "content-"
        static let dashLength: UInt64 = 0x3a68_7467_6e65_6c2d  // "-length:"
        static let connecti: UInt64 = 0x6974_6365_6e6e_6f63  // "connecti"
        static let nection: UInt64 = 0x3a6e_6f69_7463_656e  // "nection:"
        static let transfer: UInt64 = 0x7265_6673_6e61_7274  // "transfer"
        static let dashEncodin: UInt64 = 0x6e69_646f_636e_652d  // "-encodin"
        static let ncoding: UInt64 = 0x3a67_6e69_646f_636e  // "ncoding:"
        static let keepAli: UInt64 = 0x696c_612d_7065_656b  // "keep-ali"
        static let epAlive: UInt64 = 0x6576_696c_612d_7065  // "ep-alive"
    }

    /// Eight bytes at `offset`, folded to lowercase; the caller makes sure they exist.
    @inline(__always)
    static func word(_ bytes: UnsafePointer<UInt8>, _ offset: Int) -> UInt64 {
        UnsafeRawPointer(bytes + offset).loadUnaligned(as: UInt64.self) | 0x2020_2020_2020_2020
    }

    /// "HTTP/1.x NNN reason".
    private mutating func statusLine(_ bytes: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        guard length >= 12,
              bytes[0] == 0x48, bytes[1] == 0x54, bytes[2] == 0x54, bytes[3] == 0x50,
              bytes[4] == 0x2F, bytes[5] == 0x31, bytes[6] == 0x2E, bytes[8] == 0x20,
              length == 12 || bytes[12] == 0x20
        else { return false }
        var code: UInt16 = 0
        for offset in 9..<12 {
            let digit = bytes[offset] &- 0x30
            guard digit < 10 else { return false }
            code = code * 10 + UInt16(digit)
        }
        guard code >= 100 else { return false }
        status = code
        // HTTP/1.0 closes after each response unless it says keep-alive.
        keepAlive = bytes[7] != 0x30
        sawStatusLine = true
        return true
    }

    private mutating func headEnded() -> LineResult {
        if status >= 100 && status < 200 && status != 101 {
            // Interim response: forget it and read the next status line.
            sawStatusLine = false
            contentLength = -1
            chunked = false
            return .next
        }
        if bodyless {
            return .complete
        }
        if chunked {
            state = .chunkSize
            remaining = 0
            chunkSizeDigits = 0
        } else if contentLength == 0 {
            return .complete
        } else if contentLength > 0 {
            state = .fixedBody
            remaining = contentLength
        } else {
            state = .untilClose
            keepAlive = false
        }
        return .next
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte &- 0x30)
        case 0x41...0x46: Int(byte &- 0x41 &+ 10)
        case 0x61...0x66: Int(byte &- 0x61 &+ 10)
        default: nil
        }
    }

    /// The header value from `start` to `length`, without the spaces around it.
    private static func value(
        _ bytes: UnsafePointer<UInt8>, from start: Int, _ length: Int
    ) -> UnsafeBufferPointer<UInt8> {
        var start = start
        var end = length
        while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
        while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
        return UnsafeBufferPointer(start: bytes + start, count: end - start)
    }

    private static func decimal(_ value: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !value.isEmpty, value.count <= 18 else { return nil }
        var number = 0
        for byte in value {
            let digit = byte &- 0x30
            guard digit < 10 else { return nil }
            number = number * 10 + Int(digit)
        }
        return number
    }

    /// Whether `token` (lowercase) occurs in `value`, compared without case.
    private static func contains(_ token: StaticString, in value: UnsafeBufferPointer<UInt8>) -> Bool {
        let length = token.utf8CodeUnitCount
        guard value.count >= length else { return false }
        let expected = token.utf8Start
        outer: for start in 0...(value.count - length) {
            for offset in 0..<length where value[start + offset] | 0x20 != expected[offset] {
                continue outer
            }
            return true
        }
        return false
    }
}
