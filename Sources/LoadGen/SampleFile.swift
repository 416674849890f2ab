#if canImport(Glibc)
import Glibc
#endif

/// A load run written to a file, so a generator in one process can hand every request to a
/// runner in another: a 72-byte header, then 16 bytes per request and 4 per failed connect,
/// all little-endian. Times are µs from the run's start (the warm-up's).
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 8 | magic `RGLOAD02` |
/// | 8 | 8 | window in µs |
/// | 16 | 8 | warm-up before it in µs |
/// | 24 | 8 | requests in flight when the window opened |
/// | 32 | 8 | requests in flight when the window closed |
/// | 40 | 8 | reconnects |
/// | 48 | 8 | n, requests completed in the window |
/// | 56 | 8 | m, requests completed in the warm-up |
/// | 64 | 8 | f, failed connection attempts |
/// | 72 | 16 × (n + m) | `start_us u32, latency_us u32, bytes u32, status u16, connection u16`: the window's, then the warm-up's |
/// | … | 4 × f | when each connection attempt failed, `u32` |
///
/// Fields are written one by one rather than as the struct's memory, which Swift does not
/// promise to lay out in declaration order. The file passes between two processes of the
/// same build, so an older layout is refused rather than read.
public enum SampleFile {
    static let magic = Array("RGLOAD02".utf8)
    static let headerSize = 72
    static let sampleSize = 16

    /// Writes `result` to `path`, replacing what was there.
    public static func write(_ result: LoadResult, to path: String) throws {
        let (n, m, f) = (result.samples.count, result.warmupSamples.count, result.connectFailuresUs.count)
        var bytes = [UInt8](repeating: 0, count: headerSize + sampleSize * (n + m) + 4 * f)
        bytes.withUnsafeMutableBytes { raw in
            raw.copyBytes(from: magic)
            let header = [
                result.durationUs, result.warmupUs, result.inFlightAtWindowStart, result.inFlightAtEnd, result.reconnects,
                Int64(n), Int64(m), Int64(f),
            ]
            for (index, field) in header.enumerated() {
                raw.storeBytes(of: field.littleEndian, toByteOffset: 8 + 8 * index, as: Int64.self)
            }
            // One pass of aligned stores: a 20 s window can hold millions of requests.
            var offset = headerSize
            for sample in [result.samples, result.warmupSamples].joined() {
                raw.storeBytes(of: sample.startUs.littleEndian, toByteOffset: offset, as: UInt32.self)
                raw.storeBytes(of: sample.latencyUs.littleEndian, toByteOffset: offset + 4, as: UInt32.self)
                raw.storeBytes(of: sample.bytes.littleEndian, toByteOffset: offset + 8, as: UInt32.self)
                raw.storeBytes(of: sample.status.littleEndian, toByteOffset: offset + 12, as: UInt16.self)
                raw.storeBytes(of: sample.connection.littleEndian, toByteOffset: offset + 14, as: UInt16.self)
                offset += sampleSize
            }
            for time in result.connectFailuresUs {
                raw.storeBytes(of: time.littleEndian, toByteOffset: offset, as: UInt32.self)
                offset += 4
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
            throw LoadGenError(
                .badFile, "\(path) is not a load file of this reportgen (no RGLOAD02 header)",
                hint: "the generator and the runner must be the same reportgen build")
        }
        return try bytes.withUnsafeBytes { raw in
            func field(_ offset: Int) -> Int64 { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self)) }
            let (n, m, f) = (field(48), field(56), field(64))
            let limit = Int64(raw.count)
            guard n >= 0, m >= 0, f >= 0, n <= limit, m <= limit, f <= limit,
                raw.count == headerSize + sampleSize * Int(n + m) + 4 * Int(f)
            else {
                throw LoadGenError(
                    .badFile, "\(path) holds \(raw.count) bytes, but its header promises \(n) + \(m) requests and \(f) failed connects",
                    hint: "the generator was probably stopped while writing it; measure the trial again")
            }
            var offset = headerSize
            func samples(_ count: Int64) -> ContiguousArray<RequestSample> {
                var samples = ContiguousArray<RequestSample>()
                samples.reserveCapacity(Int(count))
                for _ in 0..<count {
                    samples.append(RequestSample(
                        startUs: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)),
                        latencyUs: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)),
                        bytes: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)),
                        status: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt16.self)),
                        connection: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 14, as: UInt16.self))))
                    offset += sampleSize
                }
                return samples
            }
            let window = samples(n)
            let warmup = samples(m)
            var failures = ContiguousArray<UInt32>()
            for _ in 0..<f {
                failures.append(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                offset += 4
            }
            return LoadResult(
                durationUs: field(8), warmupUs: field(16), connectFailuresUs: failures, inFlightAtWindowStart: field(24),
                inFlightAtEnd: field(32), reconnects: field(40), window: window, warmup: warmup)
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
