import CCrypto

/// SHA-256 from the system's libcrypto (OpenSSL), for identifying definitions, machines,
/// lock files and stored content.
public enum SHA256 {
    /// The lowercase hex digest of `data`.
    public static func hex(_ data: [UInt8]) -> String {
        digest(data).map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }

    /// The lowercase hex digest of the string's UTF-8 bytes.
    public static func hex(_ string: String) -> String {
        hex(Array(string.utf8))
    }

    /// The 32-byte digest of `data`.
    public static func digest(_ data: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let status = data.withUnsafeBytes { input in
            digest.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        // EVP_Digest fails only when libcrypto cannot allocate a context: nothing to recover.
        precondition(status == 1 && length == 32, "libcrypto's SHA-256 failed")
        return Array(digest.prefix(32))
    }
}
