import Foundation

/// The one way JSON goes into and comes out of the store (`runs.overrides_json`,
/// `runs.software_json`, `variants.config_json`, `run_hosts.cpus_json`): Codable values,
/// compact, keys sorted, slashes unescaped, so equal values always give equal text. A value
/// that cannot be encoded is an error, never "{}"; stored text that does not decode is an
/// error that names the column and the row, never a value left out: a store can be a
/// stranger's export.
public enum StoreJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw ReportgenError(
                .io, "cannot encode \(T.self) as JSON for the results store", underlying: error)
        }
    }

    /// Decodes the text of `column` ("run_hosts.cpus_json") in the row `row` names ("run 3,
    /// host 'server'") of the store at `store`.
    public static func decode<T: Decodable>(
        _ type: T.Type, from text: String, column: String, row: String, store: String? = nil
    ) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw ReportgenError(
                .badStore, "\(row) holds a value this build cannot read: \(reason(error))",
                at: store.map { SourceLocation(file: $0, keyPath: column) },
                hint: "the store was changed outside reportgen or comes from a build that writes \(column) otherwise; "
                    + "export the run again from the store it came from, or upgrade reportgen",
                output: String(text.prefix(300)))
        }
    }

    /// What a decoding error says, for a person: where in the value, and what was wrong.
    private static func reason(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let found), .valueNotFound(_, let found), .keyNotFound(_, let found), .dataCorrupted(let found):
            context = found
        @unknown default:
            return "\(error)"
        }
        let place = context.codingPath.map(\.stringValue).joined(separator: ".")
        let what = context.debugDescription.prefix(1).lowercased() + context.debugDescription.dropFirst()
        var text = (place.isEmpty ? "" : "at \(place): ") + what
        if let cause = context.underlyingError { text += " (\(cause))" }
        return text
    }
}
