import Core
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How far a host's clock is from this machine's, measured NTP-style over ssh at the start
/// of a run: the probe with the shortest round trip wins, and half of it bounds the error.
public struct ClockOffset: Sendable, Equatable {
    /// The host's clock minus this machine's, in µs.
    public var offsetUs: Int64
    /// The round trip of the probe it came from, in µs.
    public var roundTripUs: Int64

    public init(offsetUs: Int64, roundTripUs: Int64) {
        (self.offsetUs, self.roundTripUs) = (offsetUs, roundTripUs)
    }

    /// The offset from one probe: local wall time before and after, the host's in between.
    package static func estimate(before: Int64, remote: Int64, after: Int64) -> ClockOffset {
        ClockOffset(offsetUs: remote - (before + after) / 2, roundTripUs: after - before)
    }

    /// This machine's wall clock, in µs.
    package static func wallMicroseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }

    /// "+0.1 ms ± 0.2 ms".
    package var formatted: String {
        String(format: "%+.1f ms ± %.1f ms", Double(offsetUs) / 1000, Double(roundTripUs) / 2000)
    }
}

/// The network round trip between two hosts, as `ping` on one measured it to the other.
public struct RoundTrip: Sendable, Equatable {
    public var minUs: Int64
    public var avgUs: Int64

    public init(minUs: Int64, avgUs: Int64) {
        (self.minUs, self.avgUs) = (minUs, avgUs)
    }

    /// What `ping` is asked on the load generator's host: five probes, quiet.
    package static func pingArguments(_ address: String) -> [String] {
        ["-c", "5", "-i", "0.2", "-q", address]
    }

    /// The summary line of `ping -q`: "rtt min/avg/max/mdev = 0.041/0.052/0.071/0.010 ms".
    package static func parse(ping output: String) -> RoundTrip? {
        guard let line = output.split(separator: "\n").first(where: { $0.contains("min/avg/max") }),
            let equals = line.firstIndex(of: "=")
        else { return nil }
        let numbers = line[line.index(after: equals)...].split(separator: " ").first?.split(separator: "/").compactMap {
            Double($0)
        } ?? []
        guard numbers.count >= 2 else { return nil }
        return RoundTrip(minUs: Int64((numbers[0] * 1000).rounded()), avgUs: Int64((numbers[1] * 1000).rounded()))
    }
}
