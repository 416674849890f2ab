import Core
import Foundation
import Supervision

/// A reading of how much CPU the machine and reportgen's own processes have used, so that
/// two readings tell how busy everyone else was in between, even while our servers start.
package struct MachineLoad {
    /// Machine-wide busy and total CPU time, in clock ticks (all cores).
    var busy: Int64
    var total: Int64
    /// CPU time of reportgen and of the process trees rooted at the pids it was read for.
    var ours: Int64

    /// Reads the machine and reportgen itself plus the trees rooted at `roots`.
    package static func read(ours roots: [pid_t]) -> MachineLoad? {
        guard let machine = MachineProbe.cpuTicks() else { return nil }
        var ours: Int64 = 0
        for pid in [getpid()] + roots.flatMap(ProcessTable.tree) {
            if let usage = ProcessTable.usage(pid) { ours += usage.userTicks + usage.systemTicks }
        }
        return MachineLoad(busy: machine.busy, total: machine.total, ours: ours)
    }

    /// Cores' worth of CPU that processes other than ours used since `earlier`.
    package func othersCores(since earlier: MachineLoad) -> Double? {
        let span = total - earlier.total
        guard span > 0 else { return nil }
        let others = max(0, (busy - earlier.busy) - (ours - earlier.ours))
        return Double(others) / Double(span) * Double(ProcessInfo.processInfo.activeProcessorCount)
    }

    /// A trial is disturbed when others take at least half the cores, and at least one.
    package static func isBusy(othersCores: Double) -> Bool {
        othersCores >= max(1, Double(ProcessInfo.processInfo.activeProcessorCount) / 2)
    }
}
