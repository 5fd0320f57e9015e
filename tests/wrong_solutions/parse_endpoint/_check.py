CHECK = "sockutil.checks.addresses:check_parse_endpoint"
FUNCTIONS = ("parse_endpoint",)
