-- Prints the global 'greeting' that a -e chunk may have set.
print(greeting or "no greeting")
