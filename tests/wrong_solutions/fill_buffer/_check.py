CHECK = "sockutil.checks.throughput:check_fill_buffer"
FUNCTIONS = ("fill_buffer",)
