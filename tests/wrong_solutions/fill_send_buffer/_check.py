CHECK = "sockutil.checks.segments:check_fill_send_buffer"
FUNCTIONS = ("fill_send_buffer",)
