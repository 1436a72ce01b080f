"""A plan table sent to the bot by an official: read, reviewed, fixed row by row in the
chat, and applied only once confirmed."""
