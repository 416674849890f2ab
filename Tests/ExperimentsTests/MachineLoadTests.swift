import Foundation
import Testing
@testable import Core
@testable import Hosts


@Suite("busy machine")
struct MachineLoadTests {
    @Test("the CPU reportgen's own processes use does not count as others' load")
    func oursAreLeftOut() throws {
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        let before = MachineLoad(busy: 1_000, total: 10_000, ours: 500)
        // 1000 ticks of all cores pass; 600 were busy, 500 of them ours.
        let after = MachineLoad(busy: 1_600, total: 11_000, ours: 1_000)
        let others = try #require(after.othersCores(since: before))
        #expect(abs(others - 0.1 * cores) < 1e-9)
        #expect(!MachineLoad.isBusy(othersCores: others))
        // The same span with nothing of ours running: others used 60% of the machine.
        let othersOnly = try #require(MachineLoad(busy: 1_600, total: 11_000, ours: 500).othersCores(since: before))
        #expect(abs(othersOnly - 0.6 * cores) < 1e-9)
        #expect(MachineLoad.isBusy(othersCores: othersOnly))
        #expect(before.othersCores(since: before) == nil, "no time passed")
    }

    @Test("a real reading sees reportgen's own CPU time")
    func readsItself() throws {
        let reading = try #require(MachineLoad.read(ours: []))
        #expect(reading.total > 0 && reading.busy <= reading.total)
        #expect(reading.ours > 0, "this test process has used CPU")
    }
}
