-- GET <prefix>/jobs/<id> with ids drawn at random from a file of real ids (one per line).
-- Usage: wrk ... -s get_by_id.lua http://host:port -- /path/to/ids [prefix, default /api/v1]

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end

function init(args)
  ids = {}
  for line in io.lines(args[1]) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  assert(#ids > 0, "no ids in " .. tostring(args[1]))
  prefix = args[2] or "/api/v1"
  math.randomseed(os.time() + seed)
end

function request()
  return wrk.format("GET", prefix .. "/jobs/" .. ids[math.random(#ids)])
end
