CHECK = "sockutil.checks.byte_streams:check_read_lines"
FUNCTIONS = ("read_lines",)
