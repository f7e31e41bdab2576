-- The main chunk itself sleeps forever.
print("ready"); io.stdout:flush()
std.task.sleep(1e9)
print("sleep returned")
