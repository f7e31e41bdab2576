-- A main chunk error after a suspension.
std.task.sleep(1)
error("kaput")
