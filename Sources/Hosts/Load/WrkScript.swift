import Core

/// The Lua script wrk runs: its `done()` writes the summary, wrk's own percentiles and the
/// whole latency histogram (µs, count pairs, non-empty buckets only) as JSON to the file
/// named by $REPORTGEN_WRK_OUT. wrk has already applied its coordinated-omission
/// correction to the histogram when `done()` runs; `WrkReport` undoes it.
enum WrkScript {
    /// The first script argument that asks for a timeline: `timeline TIMEOUT_US EDGES`, the
    /// edges in µs from the run's start, comma-separated, ascending.
    static let timelineArgument = "timeline"

    static let source = #"""
        -- Written by reportgen. wrk calls setup() per thread and init() in each thread's state,
        -- both in the main thread before that thread starts; done() once, in the main thread,
        -- after the run.
        local out_path = os.getenv("REPORTGEN_WRK_OUT")
        local ffi_ok, ffi = pcall(require, "ffi")

        local function int(x)
          return string.format("%.0f", x)
        end

        -- The timeline. wrk's response() gets no latency, and wrk keeps one histogram for the
        -- whole run; so each thread puts a timer on its own event loop (aeCreateTimeEvent, which
        -- wrk exports) that fires at every interval edge, where thread 1 copies what wrk's
        -- histogram gained since the last edge and every thread its own counters. Nothing
        -- runs per request. The histogram is wrk's static `statistics` {latency, requests},
        -- found in wrk's own writable memory before any thread starts and checked in done().
        if ffi_ok then
          ffi.cdef[[
            typedef int rg_timeproc(void *loop, long long id, void *data);
            long long aeCreateTimeEvent(void *loop, long long ms, rg_timeproc *proc, void *data, void *fin);
            typedef struct { long tv_sec; long tv_nsec; } rg_timespec;
            int clock_gettime(int clk, rg_timespec *ts);
            int kill(int pid, int sig);
            int getpid(void);
            typedef struct { uint32_t connect, read, write, status, timeout; } rg_errors;
            typedef struct {
              uint64_t thread; void *loop; void *addr;
              uint64_t connections, complete, requests, bytes, start;
              void *L; rg_errors errors; void *cs;
            } rg_thread;
          ]]
        end

        local function now_us()
          local ts = ffi.new("rg_timespec")
          ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
          return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
        end

        local threads, t0 = {}, nil

        function setup(thread)
          if ffi_ok and not t0 then t0 = now_us() end
          threads[#threads + 1] = thread
          thread:set("rg_t0", t0 or 0)
          thread:set("rg_index", #threads)
        end

        -- wrk's `statistics`: two adjacent pointers in wrk's writable memory, to its latency
        -- histogram (limit = timeout + 1) and its rate histogram (limit = 10^7 + 1), both
        -- still empty. Exactly one such pair, or none is used.
        local function find_statistics(timeout_us)
          local regions, own, exe = {}, {}, nil
          for line in io.lines("/proc/self/maps") do
            local a, b, perms, path = line:match("^(%x+)-(%x+) (%S+) %S+ %S+ %S+%s*(.*)$")
            if a then
              a, b = tonumber(a, 16), tonumber(b, 16)
              if not exe and path ~= "" then exe = path end
              if perms:sub(1, 1) == "r" then regions[#regions + 1] = {a, b} end
              if perms:sub(1, 2) == "rw" and (path == exe or (path == "" and #own > 0 and own[#own][2] == a)) then
                own[#own + 1] = {a, b}
              end
            end
          end
          local function readable(p)
            for _, r in ipairs(regions) do
              if p >= r[1] and p + 32 <= r[2] then return true end
            end
            return false
          end
          local empty = 0xFFFFFFFFFFFFFFFFULL
          local function fresh(p, limit)
            local s = ffi.cast("uint64_t*", p)
            return s[0] == 0 and tonumber(s[1]) == limit and s[2] == empty and s[3] == 0
          end
          local found = {}
          for _, r in ipairs(own) do
            local words = ffi.cast("uint64_t*", r[1])
            for i = 0, (r[2] - r[1]) / 8 - 2 do
              local p1, p2 = tonumber(words[i]), tonumber(words[i + 1])
              if p1 % 8 == 0 and p2 % 8 == 0 and p1 ~= p2 and readable(p1) and readable(p2)
                and fresh(p1, timeout_us + 1) and fresh(p2, 10000001) then
                found[#found + 1] = p1
              end
            end
          end
          if #found ~= 1 then return nil, "wrk's latency histogram was found " .. #found .. " times in its memory" end
          return found[1]
        end

        local rows, histograms, timer = {}, {}, nil

        function init(args)
          if args[1] ~= "timeline" then return end
          if not ffi_ok then
            rg_failure = "wrk's Lua has no FFI"
            return
          end
          local timeout_us = tonumber(args[2])
          local edges = {}
          for us in args[3]:gmatch("%d+") do edges[#edges + 1] = rg_t0 + tonumber(us) end
          local t = ffi.cast("rg_thread**", wrk.thread)[0]
          if t.complete ~= 0 or t.bytes ~= 0 or t.errors.connect ~= 0 then
            rg_failure = "wrk's thread is not laid out as reportgen reads it"
            return
          end
          local stats
          if rg_index == 1 then
            local address, why = find_statistics(timeout_us)
            if not address then
              rg_failure = why
              return
            end
            rg_latency = address
            stats = ffi.cast("uint64_t*", address)
          end
          local previous, previous_lo = nil, 0
          local function snapshot(edge, late)
            local e = t.errors
            rows[#rows + 1] = table.concat({
              late, int(tonumber(t.complete)), int(tonumber(t.bytes)), e.connect, e.read, e.write, e.status, e.timeout}, ",")
            if not stats then return end
            -- What the histogram gained since the last edge: its [min, max] copied and compared.
            local lo, hi = tonumber(stats[2]), tonumber(stats[3])
            local parts, n = {}, 0
            if hi >= lo then
              local current = ffi.new("uint64_t[?]", hi - lo + 1)
              local previous_hi = previous and previous_lo + ffi.sizeof(previous) / 8 - 1 or -1
              for us = lo, hi do
                local c = stats[4 + us]
                current[us - lo] = c
                local before = (us >= previous_lo and us <= previous_hi) and previous[us - previous_lo] or 0ULL
                if c ~= before then
                  n = n + 1
                  parts[n] = us .. "," .. int(tonumber(c - before))
                end
              end
              previous, previous_lo = current, lo
            end
            histograms[#histograms + 1] = "[" .. table.concat(parts, ",") .. "]"
          end
          local next_edge, finished = 1, false
          timer = ffi.cast("rg_timeproc*", function(loop, id, data)
            local now = now_us()
            while next_edge <= #edges and now >= edges[next_edge] do
              snapshot(edges[next_edge], now - edges[next_edge])
              next_edge = next_edge + 1
            end
            if next_edge > #edges then
              if finished then
                -- wrk's -d is whole seconds past the window; its own SIGINT handler ends the
                -- run now instead (every thread passed the last edge 100 ms ago).
                ffi.C.kill(ffi.C.getpid(), 2)
                return -1
              end
              finished = true
              rg_rows = "[[" .. table.concat(rows, "],[") .. "]]"
              rg_histograms = "[" .. table.concat(histograms, ",") .. "]"
              return rg_index == 1 and 100 or -1
            end
            -- ae's timers have millisecond steps: a timer due early is simply set again.
            return math.max(0, math.floor((edges[next_edge] - now) / 1000))
          end)
          ffi.C.aeCreateTimeEvent(t.loop, math.max(0, math.floor((edges[1] - now_us()) / 1000)), timer, nil, nil)
        end

        -- wrk 4.1's Lua API reaches bucket i only through a linear scan per call, which is
        -- quadratic over a 10 s range; read its histogram (struct { count, limit, min, max,
        -- data[] } of uint64) through LuaJIT's FFI instead, after checking the layout
        -- against the API's own min and max.
        local function histogram(latency, lo, hi)
          if not ffi_ok then return nil end
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

        -- What the threads' timers kept, as JSON; nil when no timeline was asked for.
        local function timeline(latency)
          local first = threads[1]
          if not first or (first:get("rg_failure") == nil and first:get("rg_rows") == nil and first:get("rg_latency") == nil) then
            return nil
          end
          for _, thread in ipairs(threads) do
            local failure = thread:get("rg_failure")
            if failure then return '{"failure":' .. string.format("%q", failure) .. '}' end
            if thread:get("rg_rows") == nil then
              return '{"failure":"a thread\'s timer did not reach the last edge before wrk stopped"}'
            end
          end
          local address = first:get("rg_latency")
          if not address or tonumber(ffi.cast("uintptr_t", ffi.cast("uint64_t**", latency)[0])) ~= address then
            return '{"failure":"the histogram found in wrk\'s memory is not the one wrk reports"}'
          end
          local parts = {}
          for i, thread in ipairs(threads) do parts[i] = thread:get("rg_rows") end
          return '{"threads":[' .. table.concat(parts, ",") .. '],"histograms":' .. first:get("rg_histograms") .. '}'
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
          local lines = timeline(latency)
          if lines then f:write(',"timeline":', lines) end
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
