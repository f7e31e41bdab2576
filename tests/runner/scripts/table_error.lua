-- An uncaught table error with a __tostring is printed through it.
std.task.yield()
error(setmetatable({}, { __tostring = function() return "custom-error-object-58" end }))
