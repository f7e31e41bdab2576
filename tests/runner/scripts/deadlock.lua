-- Two tasks joining each other: nothing can ever wake either.
local task = std.task
local left, right
left = task.spawn(function() task.sleep(1); right:join() end, { name = "left" })
right = task.spawn(function() task.sleep(1); left:join() end, { name = "right" })
