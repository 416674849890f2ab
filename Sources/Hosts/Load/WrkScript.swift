import Core

/// The Lua script wrk runs: its `done()` writes the summary, wrk's own percentiles and the
/// whole latency histogram (µs, count pairs, non-empty buckets only) as JSON to the file
/// named by $REPORTGEN_WRK_OUT. wrk has already applied its coordinated-omission
/// correction to the histogram when `done()` runs; `WrkReport` undoes it.
enum WrkScript {
    static let source = #"""
        -- Written by reportgen. wrk calls done() once, in the main thread, after the run.
        local out_path = os.getenv("REPORTGEN_WRK_OUT")

        local function int(x)
          return string.format("%.0f", x)
        end

        -- wrk 4.1's Lua API reaches bucket i only through a linear scan per call, which is
        -- quadratic over a 10 s range; read its histogram (struct { count, limit, min, max,
        -- data[] } of uint64) through LuaJIT's FFI instead, after checking the layout
        -- against the API's own min and max.
        local function histogram(latency, lo, hi)
          local ok, ffi = pcall(require, "ffi")
          if not ok then return nil end
          local s = ffi.cast("uint64_t**", latency)[0]
          if tonumber(s[2]) ~= lo or tonumber(s[3]) ~= hi then return nil end
          return function(us) return tonumber(s[4 + us]) end
        end

        local function write_buckets(f, latency, lo, hi)
          local chunk, n, first = {}, 0, true
          local function add(us, c)
            n = n + 1
            chunk[n] = (first and "" or ",") .. int(us) .. "," .. int(c)
            first = false
            if n == 4096 then
              f:write(table.concat(chunk))
              chunk, n = {}, 0
            end
          end
          local at = histogram(latency, lo, hi)
          if at then
            for us = lo, hi do
              local c = at(us)
              if c > 0 then add(us, c) end
            end
          else
            -- The documented API: latency(i) is the i-th occupied bucket.
            for i = 1, #latency do
              local us, c = latency(i)
              add(us, c)
            end
          end
          f:write(table.concat(chunk, "", 1, n))
        end

        function done(summary, latency, requests)
          local f = assert(io.open(out_path, "w"))
          local e = summary.errors
          local parts = {
            '{"duration_us":', int(summary.duration),
            ',"requests":', int(summary.requests),
            ',"bytes":', int(summary.bytes),
            ',"errors":{"connect":', int(e.connect), ',"read":', int(e.read),
            ',"write":', int(e.write), ',"status":', int(e.status),
            ',"timeout":', int(e.timeout), '}',
          }
          f:write(table.concat(parts))
          local lo, hi = latency.min, latency.max
          if hi >= lo then
            f:write(',"min_us":', int(lo), ',"max_us":', int(hi),
                    ',"mean_us":', string.format("%.3f", latency.mean),
                    ',"stdev_us":', string.format("%.3f", latency.stdev))
            f:write(',"percentiles":{')
            for i, p in ipairs({50, 75, 90, 99, 99.9, 99.99}) do
              if i > 1 then f:write(",") end
              f:write('"', tostring(p), '":', int(latency:percentile(p)))
            end
            f:write('}')
          end
          f:write(',"buckets":[')
          if hi >= lo then write_buckets(f, latency, lo, hi) end
          f:write(']}\n')
          f:close()
        end
        """#
}
