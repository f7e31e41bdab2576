-- A root task that outlives the main chunk.
std.task.spawn(function()
  std.task.sleep(30)
  print("task done")
end)
print("main done")
