// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "reportgen",
    products: [
        .executable(name: "reportgen", targets: ["reportgen"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CCairo",
            path: "Sources/CCairo",
            pkgConfig: "pangocairo",
            providers: [.apt(["libcairo2-dev", "libpango1.0-dev"])]
        ),
        .systemLibrary(
            name: "CPNG",
            path: "Sources/CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
        ),
        .systemLibrary(
            name: "CCrypto",
            path: "Sources/CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // Debian's libcmark-gfm-dev ships no pkg-config file; the headers are in /usr/include.
        .systemLibrary(
            name: "CCMark",
            path: "Sources/CCMark",
            providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]
        ),
        // fork/exec in C: a new process group and a parent-death signal must be set
        // between fork and exec, which posix_spawn and Foundation.Process cannot do.
        .target(name: "CSpawn", path: "Sources/CSpawn"),
        .target(name: "Experiments", dependencies: ["CSQLite", "CSpawn", "CCrypto", "LoadGen"]),
        .target(name: "Report", dependencies: ["Experiments", "LoadGen", "CCairo", "CCMark", "CPNG"]),
        .target(
            name: "LoadGen",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "reportgen",
            dependencies: [
                "Experiments",
                "Report",
                "LoadGen",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Records built as the runner builds them, for the tests of both libraries.
        .target(name: "TestFixtures", dependencies: ["Experiments", "LoadGen"], path: "Tests/TestFixtures"),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "LoadGen", "TestFixtures"]),
        .testTarget(
            name: "ReportTests", dependencies: ["Report", "Experiments", "LoadGen", "TestFixtures"],
            // Read by path from the tests, not bundled.
            exclude: ["Golden"]),
        .testTarget(
            name: "LoadGenTests",
            dependencies: [
                "LoadGen",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ]
)
