CHECK = "sockutil.checks.client_server:check_ask"
FUNCTIONS = ("ask",)
