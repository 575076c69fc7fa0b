"""`storelink chat --as NAME`: a person's side of a chat, in the terminal, over the sandbox.

session.py finds the person and the bot; chat.py runs the chat; words.py says what a typed
line means; keyboard.py reads it (long text included); screen.py shows what the bot sends;
files.py saves what it sends and makes sample pictures.
"""
