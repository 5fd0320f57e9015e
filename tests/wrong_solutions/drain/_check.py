CHECK = "sockutil.checks.socket_api:check_drain"
FUNCTIONS = ("drain",)
