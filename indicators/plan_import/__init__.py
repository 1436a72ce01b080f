"""Bringing a commune's own files into chitieu: its plan table and its unit list.

`table` is the file-format-free shape of a table (rows of cell texts); `reader` turns
a plan table into a plan and the rows it could not read; `units` does the same for a
list of villages; `review` says what was read, in the official's words. Reading the
files themselves (.docx, .xlsx, .csv) happens at the edge, in bot/.
"""
