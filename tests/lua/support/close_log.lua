-- A log of __close handler runs. Loaded by the tests with
--   local log = dofile(arg[0]:match("^(.-)[^/]*$") .. "support/close_log.lua")()
-- log.guard(name) returns a value for a `<close>` variable; when it is
-- closed, log.count[name] goes up by one and name is appended to log.order.
return function()
  local log = { count = {}, order = {} }
  function log.guard(name)
    return setmetatable({}, { __close = function()
      log.count[name] = (log.count[name] or 0) + 1
      log.order[#log.order + 1] = name
    end })
  end
  return log
end
