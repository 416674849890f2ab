/// An address and a port as URLs, nginx's `listen` and gunicorn's `--bind` write them: an
/// IPv6 address in brackets ("[::1]:8080"), so its colons are not read as the port's.
public enum HostPort {
    /// `address` as the host part of a URL: bracketed when it is an IPv6 address.
    public static func host(_ address: String) -> String {
        address.contains(":") && !address.hasPrefix("[") ? "[\(address)]" : address
    }

    /// "address:port", the address bracketed when it is IPv6.
    public static func join(_ address: String, _ port: String) -> String {
        host(address) + ":" + port
    }

    /// The http URL of `path` on `address`:`port`.
    public static func url(_ address: String, _ port: Int, path: String) -> String {
        "http://" + join(address, "\(port)") + path
    }
}
