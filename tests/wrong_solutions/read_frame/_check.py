CHECK = "sockutil.checks.byte_streams:check_read_frame"
FUNCTIONS = ("read_frame",)
