import CCrypto

/// SHA-256 from the system's libcrypto (OpenSSL), for identifying definitions, machines,
/// lock files and stored content.
public enum SHA256 {
    /// The lowercase hex digest of `data`.
    public static func hex(_ data: [UInt8]) -> String {
        hex(digest: digest(data))
    }

    /// `digest`'s bytes in lowercase hex.
    static func hex(digest: some Sequence<UInt8>) -> String {
        digest.map { byte in
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

extension SHA256 {
    /// A SHA-256 fed piece by piece, for content too large to hold at once (a run's millions
    /// of samples). Each piece goes to libcrypto as it is: feed it in blocks, not bytes.
    public final class Hasher {
        private let context: OpaquePointer

        public init() {
            // Allocation and initialisation fail only when libcrypto cannot allocate.
            guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
                preconditionFailure("libcrypto's SHA-256 failed to start")
            }
            self.context = context
        }

        deinit {
            EVP_MD_CTX_free(context)
        }

        /// Adds `bytes`.
        public func update(_ bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
            let status = EVP_DigestUpdate(context, base, bytes.count)
            precondition(status == 1, "libcrypto's SHA-256 failed")
        }

        /// Adds `bytes`.
        public func update(_ bytes: ArraySlice<UInt8>) {
            bytes.withUnsafeBytes { update($0) }
        }

        /// Adds the UTF-8 bytes of `text`.
        public func update(_ text: String) {
            update(ArraySlice(text.utf8))
        }

        /// The lowercase hex digest of everything added; the hasher is not to be fed after.
        public func finalHex() -> String {
            var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
            var length: UInt32 = 0
            let status = EVP_DigestFinal_ex(context, &digest, &length)
            precondition(status == 1 && length == 32, "libcrypto's SHA-256 failed")
            return SHA256.hex(digest: digest.prefix(32))
        }
    }
}
