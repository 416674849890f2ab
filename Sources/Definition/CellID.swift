import Core
import Foundation

/// Which cell of an experiment something is about: a variant at its swept levels, one per
/// swept setting, none outside a sweep. It is the key a cell is planned, run, stored, read,
/// compared, claimed about and written inline by; its name, "aiohttp @ delay=50ms", is only
/// how it is shown and how an author writes it.
///
/// `levels` keep the order the grid sweeps them in, which is the order the name shows them.
/// Two cells are the same at the same levels whatever order they list them in: an author may
/// write "connections=100, delay=50ms" for a grid that sweeps the delay first, and the store
/// keeps a cell's levels without their order.
public struct CellID: Hashable, Sendable, CustomStringConvertible {
    /// The definition's variant: what `[[variants]]` expanded to, e.g. "flask:10".
    public var variant: String
    /// The swept levels the variant runs at in this cell; empty outside a sweep.
    public var levels: [SweepLevel]

    public init(variant: String, levels: [SweepLevel] = []) {
        self.variant = variant
        self.levels = levels
    }

    /// What stands between a variant and its levels in a cell's name, and only there: a
    /// variant's own name may not hold it.
    static let separator = " @ "

    /// "aiohttp @ delay=50ms, connections=100"; the variant's own name outside a sweep.
    public var description: String {
        levels.isEmpty ? variant : variant + Self.separator + levels.text
    }

    /// The levels in one order, whatever order the cell lists them in: what identity compares.
    private var levelsBySetting: [SweepLevel] {
        levels.sorted { $0.setting < $1.setting }
    }

    public static func == (lhs: CellID, rhs: CellID) -> Bool {
        lhs.variant == rhs.variant && lhs.levelsBySetting == rhs.levelsBySetting
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(variant)
        hasher.combine(levelsBySetting)
    }

    /// The cell's level of `setting`; nil when the setting is not swept.
    public func level(_ setting: SweptSetting) -> SweepLevel? {
        levels.first { $0.setting == setting }
    }

    /// Whether the cell is at exactly `levels`, in any order.
    public func isAt(_ levels: [SweepLevel]) -> Bool {
        levelsBySetting == levels.sorted { $0.setting < $1.setting }
    }

    /// Whether `other` (of any variant) is at the same levels as this cell.
    public func isAtSameLevels(as other: CellID) -> Bool {
        isAt(other.levels)
    }

    /// Whether `name`, a variant's own name, could be mistaken for a cell's.
    static func isAmbiguous(variantName name: String) -> Bool {
        name.contains(separator)
    }
}

extension CellID {
    /// The cell a store's row measures: `levels` (which the store keeps as a set) in the order
    /// `shownAs`, the row's stored name, lists them, which is the order the grid swept them
    /// in; by setting when no order gives that name (a name some other tool wrote).
    package static func stored(variant: String, levels: [SweepLevel], shownAs name: String) -> CellID {
        let bySetting = CellID(variant: variant, levels: levels.sorted { $0.setting < $1.setting })
        // At most two settings are swept, so the other order is the reversed one.
        let reversed = CellID(variant: variant, levels: bySetting.levels.reversed())
        return bySetting.description != name && reversed.description == name ? reversed : bySetting
    }
}

/// Reading cells as an author writes them in a write-up: `{{ p99 aiohttp @ delay=50ms }}`,
/// `{{ best requests @ delay=50ms }}`, a claim ending `@ delay>=10ms`.
extension CellID {
    /// A cell as an author writes it, "aiohttp" or "aiohttp @ delay=50ms, connections=100";
    /// nil when what follows the separator is not a list of levels.
    public init?(written text: String) {
        guard let (head, rest) = Self.split(text) else {
            self.init(variant: text)
            return
        }
        guard let levels = Self.levels(written: rest) else { return nil }
        self.init(variant: head, levels: levels)
    }

    /// "HEAD @ REST" split at the last separator (levels end a cell's name), REST trimmed;
    /// nil without a separator.
    public static func split(_ text: String) -> (head: String, rest: String)? {
        guard let at = text.range(of: separator, options: .backwards) else { return nil }
        return (String(text[..<at.lowerBound]), text[at.upperBound...].trimmingCharacters(in: .whitespaces))
    }

    /// "delay=50ms, connections=100" as levels; nil when a part is not KEY=LEVEL of a
    /// swept setting.
    public static func levels(written text: String) -> [SweepLevel]? {
        var levels: [SweepLevel] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let setting = SweptSetting(key: pair[0]),
                let level = SweepLevel(setting, written: pair[1])
            else { return nil }
            levels.append(level)
        }
        return levels
    }

    /// Words of running text split on spaces, with each cell written in them joined back into
    /// one word: "aiohttp", "@", "delay=50ms,", "connections=100" is the one word
    /// "aiohttp @ delay=50ms, connections=100".
    public static func joiningWords(_ words: [String]) -> [String] {
        let mark = separator.trimmingCharacters(in: .whitespaces)
        var result: [String] = []
        var index = 0
        while index < words.count {
            if words[index] == mark, !result.isEmpty, index + 1 < words.count {
                var cell = result.removeLast() + separator + words[index + 1]
                index += 2
                while cell.hasSuffix(","), index < words.count {
                    cell += " " + words[index]
                    index += 1
                }
                result.append(cell)
            } else {
                result.append(words[index])
                index += 1
            }
        }
        return result
    }
}
