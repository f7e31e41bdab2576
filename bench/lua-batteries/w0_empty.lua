-- Baseline: the runtime started, nothing run. Its peak RSS is what W3
-- subtracts to get the bytes each sleeping task costs.
print("RESULT seconds=0")
