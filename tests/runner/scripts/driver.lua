-- Prints the driver a task gets by default.
print(std.task.spawn(function() return std.task.current().driver end):join())
