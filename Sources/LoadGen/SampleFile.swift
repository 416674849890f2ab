#if canImport(Glibc)
import Glibc
#endif

/// A load run written to a file, so a generator in one process can hand every request to a
/// runner in another: a 48-byte header, then 16 bytes per request, all little-endian.
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 8 | magic `RGLOAD01` |
/// | 8 | 8 | window in µs |
/// | 16 | 8 | connect errors |
/// | 24 | 8 | requests in flight when the window closed |
/// | 32 | 8 | reconnects |
/// | 40 | 8 | number of samples |
/// | 48 | 16 × n | `start_us u32, latency_us u32, bytes u32, status u16, connection u16` |
///
/// Fields are written one by one rather than as the struct's memory, which Swift does not
/// promise to lay out in declaration order.
public enum SampleFile {
    static let magic = Array("RGLOAD01".utf8)
    static let headerSize = 48
    static let sampleSize = 16

    /// Writes `result` to `path`, replacing what was there.
    public static func write(_ result: LoadResult, to path: String) throws {
        let count = result.samples.count
        var bytes = [UInt8](repeating: 0, count: headerSize + sampleSize * count)
        bytes.withUnsafeMutableBytes { raw in
            raw.copyBytes(from: magic)
            let header = [result.durationUs, result.errors.connect, result.inFlightAtEnd, result.reconnects, Int64(count)]
            for (index, field) in header.enumerated() {
                raw.storeBytes(of: field.littleEndian, toByteOffset: 8 + 8 * index, as: Int64.self)
            }
            // One pass of aligned stores: a 20 s window can hold millions of requests.
            var offset = headerSize
            for sample in result.samples {
                raw.storeBytes(of: sample.startUs.littleEndian, toByteOffset: offset, as: UInt32.self)
                raw.storeBytes(of: sample.latencyUs.littleEndian, toByteOffset: offset + 4, as: UInt32.self)
                raw.storeBytes(of: sample.bytes.littleEndian, toByteOffset: offset + 8, as: UInt32.self)
                raw.storeBytes(of: sample.status.littleEndian, toByteOffset: offset + 12, as: UInt16.self)
                raw.storeBytes(of: sample.connection.littleEndian, toByteOffset: offset + 14, as: UInt16.self)
                offset += sampleSize
            }
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create \(path)") }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw failure("cannot write \(path)") }
            written += count
        }
    }

    /// Reads a file `write` made back into the result it held.
    public static func read(from path: String) throws -> LoadResult {
        let bytes = try readAll(path)
        guard bytes.count >= headerSize, Array(bytes[0..<8]) == magic else {
            throw LoadGenError(.badFile, "\(path) is not a reportgen load file (no RGLOAD01 header)")
        }
        return try bytes.withUnsafeBytes { raw in
            func field(_ offset: Int) -> Int64 { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self)) }
            let count = field(40)
            guard count >= 0, raw.count == headerSize + sampleSize * Int(count) else {
                throw LoadGenError(
                    .badFile, "\(path) holds \(raw.count) bytes, but its header promises \(count) requests",
                    hint: "the generator was probably stopped while writing it; measure the trial again")
            }
            var samples = ContiguousArray<RequestSample>()
            samples.reserveCapacity(Int(count))
            var offset = headerSize
            for _ in 0..<count {
                samples.append(RequestSample(
                    startUs: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)),
                    latencyUs: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)),
                    bytes: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)),
                    status: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt16.self)),
                    connection: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 14, as: UInt16.self))))
                offset += sampleSize
            }
            return LoadResult(
                durationUs: field(8), connectErrors: field(16), inFlightAtEnd: field(24),
                reconnects: field(32), samples: samples)
        }
    }

    private static func readAll(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open \(path)") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("cannot read the size of \(path)") }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, $0.count - done) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw failure("cannot read \(path)") }
            done += count
        }
        return bytes
    }

    private static func failure(_ message: String) -> LoadGenError {
        LoadGenError(.badFile, "\(message): \(String(cString: strerror(errno)))")
    }
}
