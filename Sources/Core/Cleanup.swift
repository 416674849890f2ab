/// Runs `body`, then `cleanup` on every path out, whether `body` returned or threw: an async
/// `defer` (Swift's cannot await), for what a scope opened and must close.
public func withCleanup<T>(_ body: () async throws -> T, cleanup: () async -> Void) async throws -> T {
    let result: T
    do {
        result = try await body()
    } catch {
        await cleanup()
        throw error
    }
    await cleanup()
    return result
}

/// Runs `body`; when it throws, runs `cleanup` before the error goes on. For a value under
/// construction: until it is returned, whoever builds it owns what it has opened so far.
public func cleaningUpOnFailure<T>(_ cleanup: () async -> Void, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        await cleanup()
        throw error
    }
}
