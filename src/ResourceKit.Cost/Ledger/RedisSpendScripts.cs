namespace ResourceKit.Cost.Ledger;

/// <summary>The Lua scripts of <see cref="RedisSpendStore"/>. KEYS[1] is the sorted set of reservations by expiry.</summary>
internal static class RedisSpendScripts
{
    // Shared helpers: decode "period|scope|retainMs" lines, release one reservation, sweep expired ones,
    // and read the committed/reserved pair of every counter.
    private const string Helpers = """
        local prefix = ARGV[1]
        local function parse(encoded)
          local counters = {}
          for period, scope, retain in string.gmatch(encoded, '([^|\n]+)|([^|\n]+)|([^|\n]+)') do
            counters[#counters + 1] = { prefix .. ':p:' .. period, scope, tonumber(retain) }
          end
          return counters
        end
        local function release(id)
          local key = prefix .. ':r:' .. id
          local held = redis.call('HMGET', key, 'a', 'c')
          redis.call('ZREM', KEYS[1], id)
          if not held[1] then return 0 end
          local amount = tonumber(held[1])
          for _, c in ipairs(parse(held[2])) do
            redis.call('HINCRBY', c[1], c[2] .. ':r', -amount)
          end
          redis.call('DEL', key)
          return 1
        end
        local function sweep(now)
          local count = 0
          local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 1000)
          for _, id in ipairs(due) do count = count + release(id) end
          return count
        end
        local function totals(counters)
          local out = {}
          for _, c in ipairs(counters) do
            local v = redis.call('HMGET', c[1], c[2] .. ':c', c[2] .. ':r')
            out[#out + 1] = tonumber(v[1] or '0')
            out[#out + 1] = tonumber(v[2] or '0')
          end
          return out
        end
        local function touch(c)
          redis.call('PEXPIREAT', c[1], c[3])
        end
        """;

    /// <summary>
    /// ARGV: prefix, id, amount, expiresMs, nowMs, counters, limitCount, (counterIndex, limit)*, checkedAmount. The
    /// checked amount (the larger) is what is held, so open holds count against the limits what they were checked against.
    /// </summary>
    public const string Reserve = Helpers + """

        local id = ARGV[2]
        local amount = tonumber(ARGV[3])
        sweep(tonumber(ARGV[5]))
        local counters = parse(ARGV[6])
        local before = totals(counters)
        local checked = tonumber(ARGV[8 + 2 * tonumber(ARGV[7])] or '') or amount
        for i = 1, tonumber(ARGV[7]) do
          local index = tonumber(ARGV[6 + 2 * i])
          local limit = tonumber(ARGV[7 + 2 * i])
          if before[2 * index - 1] + before[2 * index] + checked > limit then
            return { i, before }
          end
        end
        for _, c in ipairs(counters) do
          redis.call('HINCRBY', c[1], c[2] .. ':r', checked)
          touch(c)
        end
        local key = prefix .. ':r:' .. id
        redis.call('HSET', key, 'a', checked, 'c', ARGV[6])
        redis.call('ZADD', KEYS[1], tonumber(ARGV[4]), id)
        return { 0, totals(counters) }
        """;

    /// <summary>
    /// ARGV: prefix, id (a reservation's, or a record's own; empty commits without a marker), actual, counters, markerMs. An id is settled
    /// once: the <c>:s:id</c> marker (kept markerMs) makes a retry after an ambiguous failure return the totals without
    /// committing again.
    /// </summary>
    public const string Settle = Helpers + """

        local counters = parse(ARGV[4])
        if ARGV[2] ~= '' then
          if not redis.call('SET', prefix .. ':s:' .. ARGV[2], '1', 'NX', 'PX', tonumber(ARGV[5])) then
            return { totals(counters) }
          end
          release(ARGV[2])
        end
        local actual = tonumber(ARGV[3])
        for _, c in ipairs(counters) do
          redis.call('HINCRBY', c[1], c[2] .. ':c', actual)
          touch(c)
        end
        return { totals(counters) }
        """;

    /// <summary>ARGV: prefix, id.</summary>
    public const string Release = Helpers + """

        return release(ARGV[2])
        """;

    /// <summary>
    /// ARGV: prefix, id, expiresMs, nowMs. Moves the expiry of a reservation that is still held and has not expired at
    /// nowMs (the sweep releases scores at or before its now, so an expired hold it has not reached is refused too).
    /// </summary>
    public const string Extend = Helpers + """

        if redis.call('EXISTS', prefix .. ':r:' .. ARGV[2]) == 0 then return 0 end
        local expires = redis.call('ZSCORE', KEYS[1], ARGV[2])
        if not expires or tonumber(expires) <= tonumber(ARGV[4]) then return 0 end
        redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[3]), ARGV[2])
        return 1
        """;

    /// <summary>ARGV: prefix, nowMs.</summary>
    public const string Expire = Helpers + """

        return sweep(tonumber(ARGV[2]))
        """;
}
