CHECK = "sockutil.checks.layers:check_parse_ipv4_header"
FUNCTIONS = ("parse_ipv4_header",)
