import Foundation

/// The one way JSON goes into and comes out of the store (`overrides_json`, `software_json`,
/// `config_json`): Codable values, compact, keys sorted, slashes unescaped, so equal values
/// always give equal text. A value that cannot be encoded is an error, never "{}".
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

    /// Decodes stored text; `column` names where it came from in the error.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String, column: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw ReportgenError(
                .badStore, "\(column) does not hold the JSON this build expects", underlying: error,
                output: String(text.prefix(300)))
        }
    }
}
