import CCrypto

/// SHA-256 from the system's libcrypto (OpenSSL), for identifying definitions, machines,
/// lock files and stored content.
public enum SHA256 {
    /// The lowercase hex digest of `data`.
    public static func hex(_ data: [UInt8]) -> String {
        hexText(digest(data))
    }

    /// The lowercase hex of `bytes`.
    static func hexText(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
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
        data.withUnsafeBytes(digest)
    }

    /// The 32-byte digest of the bytes at `input` (a mapped file, say: nothing is copied).
    public static func digest(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let status = digest.withUnsafeMutableBufferPointer { output in
            EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, EVP_sha256(), nil)
        }
        // EVP_Digest fails only when libcrypto cannot allocate a context: nothing to recover.
        precondition(status == 1 && length == 32, "libcrypto's SHA-256 failed")
        return Array(digest.prefix(32))
    }
}
