-- args: --virtual-time
-- One cancel of an outer scope reaches a task three scopes below it, and
-- every token on the way, promptly.
local task = std.task
local saw, tokens = nil, {}
local t0 = std.time.monotonic()
task.scope("level0", function(s0)
  tokens[0] = s0:token()
  s0:spawn(function()
    task.scope("level1", function(s1)
      tokens[1] = s1:token()
      s1:spawn(function()
        task.scope("level2", function(s2)
          tokens[2] = s2:token()
          s2:spawn(function()
            task.scope("level3", function(s3)
              tokens[3] = s3:token()
              s3:spawn(function()
                local ok, err = pcall(task.sleep, 100000)
                saw = ok and "woke normally" or tostring(err)
              end)
            end)
          end)
        end)
      end)
    end)
  end)
  task.sleep(20)
  for i = 0, 3 do assert(tokens[i] and not tokens[i]:is_cancelled(), "level " .. i .. " early") end
  s0:cancel()
  for i = 0, 3 do assert(tokens[i]:is_cancelled(), "level " .. i .. " token was not cancelled") end
end)
assert(saw == "task cancelled", tostring(saw))
local took = std.time.monotonic() - t0
assert(took < 2, "the cancellation took " .. took .. " s")
print("ok")
