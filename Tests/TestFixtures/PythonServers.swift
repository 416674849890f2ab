/// Small HTTP/1.1 servers in Python for command variants of the tests' own: asyncio, keep-alive,
/// "ok" to every request, with a hook that runs before each answer.
public enum PythonServers {
    /// The server's script; it takes its port as the first argument. `prelude` runs once at
    /// start (module level); `beforeAnswer` runs inside the connection's coroutine before each
    /// answer, with `now` the request's arrival (time.monotonic()) and `seen` every arrival so
    /// far. Both are Python at their own indentation; they are indented here.
    public static func asyncio(prelude: String = "", beforeAnswer: String = "pass") -> String {
        let hook = beforeAnswer.split(separator: "\n", omittingEmptySubsequences: false)
            .map { "            " + $0 }.joined(separator: "\n")
        return """
            import asyncio, os, sys, time
            seen = []
            \(prelude)
            async def handle(reader, writer):
                try:
                    while True:
                        line = await reader.readline()
                        if not line:
                            break
                        while (await reader.readline()) not in (b"\\r\\n", b"\\n", b""):
                            pass
                        now = time.monotonic()
                        seen.append(now)
            \(hook)
                        writer.write(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok")
                        await writer.drain()
                except Exception:
                    pass
                finally:
                    writer.close()
            async def main():
                server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]), backlog=256)
                async with server:
                    await server.serve_forever()
            asyncio.run(main())
            """
    }
}
