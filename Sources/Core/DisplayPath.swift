import Foundation

/// How messages and summaries name a file: relative to the working directory when it lies
/// inside it, absolute otherwise.
public enum DisplayPath {
    public static func of(_ url: URL) -> String {
        let path = url.standardizedFileURL.path(percentEncoded: false)
        let workingDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .standardizedFileURL.path(percentEncoded: false)
        let prefix = workingDirectory.hasSuffix("/") ? workingDirectory : workingDirectory + "/"
        let shown = path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
        // A folder's URL ends in "/": messages add their own where they want one.
        return shown.count > 1 && shown.hasSuffix("/") ? String(shown.dropLast()) : shown
    }
}
