import Hosts
import Store

extension SnapshotCache {
    /// The checked copies of results files, under the cache folder Python environments use
    /// (`$REPORTGEN_CACHE`, else `$XDG_CACHE_HOME/reportgen`, else `~/.cache/reportgen`).
    static var standard: SnapshotCache {
        SnapshotCache(cacheFolder: PythonEnvironment.cacheFolder)
    }
}
